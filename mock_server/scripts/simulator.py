"""A simulated inbound call: fetch the script, walk its verbs, feed scripted DTMF and dial outcomes, record events.

It follows what APIdaze documents (research/real-api.md 4.3): a matching ``bind`` fetches its ``action`` with
``dialed_digits``; a ``dial`` with an ``action`` fetches it with ``bridge_status``; when the instructions run out
without ``<hangup/>`` the script is fetched once more with ``exiting=true`` and the call ends. Every fetch goes
through the injected ``fetch`` function, so tests can run a call without HTTP; fetches and verbs are bounded, so a
script that loops ends with an ``error`` event instead of hanging the emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mock_server.scripts.bindregex import compile_bind
from mock_server.scripts.checker import check
from mock_server.scripts.fetch import CallParameters, Fetch
from mock_server.scripts.grammar import GRAMMAR, whole_number
from mock_server.scripts.xmltree import Node

DIAL_OUTCOMES = {"answered": "SUCCESS", "busy": "BUSY", "no_answer": "NO_ANSWER"}
DEFAULT_DIAL_OUTCOME = "answered"
MAX_FETCHES = 10
MAX_VERBS = 200
# Keys a caller presses in one call, and regex matches tried in one call. Matching is RE2's (linear in the keys,
# even for ~((\d*)*)*x): 16 keys keep one match in microseconds, the budget bounds how many a script asks for.
MAX_DTMF = 16
MAX_REGEX_MATCHES = 500

Event = dict[str, Any]


@dataclass
class CallScript:
    """What the caller does: the keys they press (consumed prompt by prompt) and how each dial ends."""

    url: str
    parameters: CallParameters = field(default_factory=CallParameters)
    dtmf: str = ""
    dial: list[str] = field(default_factory=list)
    max_fetches: int = MAX_FETCHES

    def __post_init__(self) -> None:
        if len(self.dtmf) > MAX_DTMF or not set(self.dtmf) <= set("0123456789*#"):
            raise ValueError(f"dtmf must be at most {MAX_DTMF} of the keys 0-9, * and #")
        unknown = [outcome for outcome in self.dial if outcome not in DIAL_OUTCOMES]
        if unknown:
            raise ValueError(f"unknown dial outcome {unknown[0]!r}; use one of {', '.join(DIAL_OUTCOMES)}")


class _CallOver(Exception):
    """The call ended: by ``<hangup/>``, by the caller, by an error or a bound."""


@dataclass
class _Next:
    """Continue with the document at ``url``, fetched with ``event`` parameters."""

    url: str
    event: dict[str, str]


class _Call:
    def __init__(self, script: CallScript, fetch: Fetch) -> None:
        self.script = script
        self.fetch = fetch
        self.events: list[Event] = []
        self.dtmf = script.dtmf
        self.dials = iter(script.dial)
        self.fetches = 0
        self.verbs = 0
        self.regex_matches = 0

    def record(self, kind: str, **details: Any) -> None:
        self.events.append({"type": kind, **details})

    def end(self, by: str, **details: Any) -> _CallOver:
        self.record("hung_up", by=by, **details)
        return _CallOver()

    async def load(self, url: str, event: dict[str, str]) -> list[Node]:
        """Fetch and check one document; its verbs, or the call ends."""
        if self.fetches >= self.script.max_fetches:
            raise self.end("simulator", reason=f"more than {self.script.max_fetches} script fetches (a loop?)")
        self.fetches += 1
        params = self.script.parameters.for_url(url, **event)
        result = await self.fetch(url, params)
        fetched: Event = {"url": result.url, "params": params, "status_code": result.status_code}
        if not result.ok:
            self.record("fetched", **fetched, error=result.error or f"HTTP {result.status_code}")
            raise self.end("platform", reason="the script could not be fetched")
        checked = check(result.body)
        self.record("fetched", **fetched, findings=[finding.to_api() for finding in checked.findings])
        if checked.root is None or checked.root.tag != "document":
            raise self.end("platform", reason="the script is not a <document> APIdaze can run")
        works = [child for child in checked.root.children if child.tag == "work"]
        return works[0].children if works else []

    async def run(self) -> list[Event]:
        try:
            step: _Next | None = _Next(self.script.url, {})
            while step is not None:
                verbs = await self.load(step.url, step.event)
                step = self.walk(verbs)
            # Instructions ran out without <hangup/>: APIdaze tells the script the call is exiting.
            await self.load(self.script.url, {"exiting": "true"})
            raise self.end("platform", reason="no more instructions")
        except _CallOver:
            return self.events

    def walk(self, verbs: list[Node]) -> _Next | None:
        for verb in verbs:
            self.verbs += 1
            if self.verbs > MAX_VERBS:
                raise self.end("simulator", reason=f"more than {MAX_VERBS} verbs (a loop?)")
            step = self.perform(verb)
            if step is not None:
                return step
        return None

    def perform(self, verb: Node) -> _Next | None:
        text, attributes = verb.text, verb.attributes
        match verb.tag:
            case "answer":
                self.record("answered")
            case "hangup":
                raise self.end("script")
            case "speak":
                self.record("spoke", text=text, lang=attributes.get("lang", "en-US"), voice=attributes.get("voice"))
                return self.listen(verb)
            case "playback":
                self.record("played", file=attributes.get("file", text))
                return self.listen(verb)
            case "wait":
                self.record("waited", seconds=_number(text))
            case "record":
                name = attributes.get("name") or self.script.parameters.uuid
                self.record("recorded", file=f"{name}.wav")
            case "ringback":
                self.record("rang_back", file=text or None)
            case "echo":
                self.record("echoed", delay_ms=_number(text) if text else None)
            case "intercept":
                self.record("intercepted", uuid=text)
            case "conference":
                self.record("joined_conference", room=text)
                raise self.end("caller", reason="left the conference")
            case "dial":
                return self.dial(verb)
            case _:
                self.record("skipped", element=verb.tag, reason="not a verb APIdaze runs")
        return None

    def listen(self, prompt: Node) -> _Next | None:
        """After a prompt with ``<bind>``s: take the caller's keys and follow the bind they match."""
        binds = [child for child in prompt.children if child.tag == "bind"]
        if not binds:
            return None
        if not self.dtmf:
            self.record("no_input")
            return None
        for digits, bind in self.matches(binds):
            self.dtmf = self.dtmf[len(digits) :]
            action = bind.attributes.get("action") or self.script.url
            self.record("pressed", digits=digits, bind=bind.text, action=action)
            return _Next(action, {"dialed_digits": digits})
        pressed, self.dtmf = self.dtmf[0], self.dtmf[1:]
        self.record("pressed", digits=pressed, bind=None, action=None)
        return None

    def matches(self, binds: list[Node]) -> Iterator[tuple[str, Node]]:
        # The longest run of keys that a bind accepts wins, like digits collected until the digit time-out.
        for end in range(len(self.dtmf), 0, -1):
            digits = self.dtmf[:end]
            for bind in binds:
                if self.accepts(bind.text, digits):
                    yield digits, bind

    def accepts(self, pattern: str, digits: str) -> bool:
        if not pattern.startswith("~"):
            return pattern == digits
        self.regex_matches += 1
        if self.regex_matches > MAX_REGEX_MATCHES:
            raise self.end("simulator", reason=f"more than {MAX_REGEX_MATCHES} bind regex matches")
        compiled = compile_bind(pattern[1:])
        return not isinstance(compiled, str) and compiled.accepts(digits)

    def dial(self, verb: Node) -> _Next | None:
        outcome = next(self.dials, DEFAULT_DIAL_OUTCOME)
        status = DIAL_OUTCOMES[outcome]
        kinds = GRAMMAR["dial"].children
        destinations = [{"type": child.tag, "value": child.text} for child in verb.children if child.tag in kinds]
        self.record("dialed", destinations=destinations, outcome=outcome, bridge_status=status)
        action = verb.attributes.get("action")
        return _Next(action, {"bridge_status": status}) if action else None


def _number(text: str) -> int | str:
    """A whole number as the checker accepts it (at most ``MAX_WHOLE_NUMBER``, so it fits any JSON encoder);
    anything else as written (the finding is in the fetch event)."""
    number = whole_number(text)
    return text if number is None else number


async def simulate(script: CallScript, fetch: Fetch, transcript: list[Event] | None = None) -> list[Event]:
    """Play one inbound call against ``script.url``; the transcript of events, in order.

    ``transcript``, when given, is filled as the call goes, so a caller that stops the call early keeps what
    happened until then.
    """
    call = _Call(script, fetch)
    if transcript is not None:
        call.events = transcript
    return await call.run()
