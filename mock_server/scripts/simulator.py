"""A simulated inbound call: fetch the script, walk its verbs, feed scripted DTMF and dial outcomes, record events.

It follows what APIdaze documents (research/real-api.md 4.3, the SDKs' docstrings, apidaze.github.io's 2014 post on
logging script fetches):

* a matching ``bind`` fetches its ``action`` with ``dialed_digits``; a ``dial`` with an ``action`` fetches it with
  ``bridge_status`` and ``hangup_cause`` when the callee ends the call;
* when the instructions run out without ``<hangup/>`` the script is fetched again with ``exiting=true`` (and the last
  dial's ``bridge_status`` and ``hangup_cause``), and what it answers runs: scripts use this as a hold loop, which
  the simulator runs for at most :data:`MAX_HOLD_PASSES` passes;
* a script that cannot run (not XML, not a ``<document>``), or one with findings, is reported as ``XML_error`` on
  the next fetch; a call from one of the client's SIP accounts carries ``sip_from_uri`` on every fetch;
* ``<dial>`` fetches ``answer-url`` and runs it on the callee's side when the callee answers, and
  ``caller-hangup-url`` for the callee when the caller hangs up; a ``<sipaccount>`` rings only a registered account
  of the client (when the call knows the client's accounts);
* ``<playback>`` and ``<ringback>`` files are fetched (their head only) and checked: RIFF/WAVE PCM, mono, 8 or 16 kHz.

Every fetch goes through the injected functions, so tests can run a call without HTTP; fetches, verbs, hold-loop
passes and the whole call's time are bounded, so a script that loops ends with an event instead of hanging the
emulator.

A simulated call is instant: the caller's keys are given up front and nothing waits. A call from a real caller (a
softphone, through :mod:`mock_server.sip`) passes a :class:`Line`: it hears of every event as it happens, its keys
are collected after each prompt with ``<bind>``s within the prompt's time-outs, and ``<wait>`` takes real time. When
the caller hangs up, the line's owner cancels the call's task and records the hang-up itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from mock_server.scripts.bindregex import compile_bind
from mock_server.scripts.checker import check
from mock_server.scripts.directory import NOT_REGISTERED, REGISTERED, UNKNOWN, SipDirectory
from mock_server.scripts.fetch import CallParameters, Fetch, FetchResult
from mock_server.scripts.grammar import GRAMMAR, whole_number
from mock_server.scripts.media import HEAD_BYTES, wav_problems
from mock_server.scripts.xmltree import Finding, Node

# Outcome a test scripts for a dial -> (bridge_status, hangup_cause). bridge_status values are APIdaze's Script
# Reference; hangup_cause values are those apidaze.github.io names (NORMAL_CLEARING, USER_BUSY, NO_USER_RESPONSE).
# caller_hangup: the callee answers, then the caller hangs up during the call.
DIAL_OUTCOMES = {
    "answered": ("SUCCESS", "NORMAL_CLEARING"),
    "busy": ("BUSY", "USER_BUSY"),
    "no_answer": ("NO_ANSWER", "NO_USER_RESPONSE"),
    "caller_hangup": ("SUCCESS", "NORMAL_CLEARING"),
}
DEFAULT_DIAL_OUTCOME = "answered"
# A <sipaccount> nobody can answer: FreeSWITCH's causes (the platform's hangup_cause names are FreeSWITCH's) for a
# user the directory lacks and for one with no registration. The dial then ends as not answered.
UNREACHABLE_CAUSES = {UNKNOWN: "SUBSCRIBER_ABSENT", NOT_REGISTERED: "USER_NOT_REGISTERED"}
MAX_FETCHES = 10
MAX_VERBS = 200
# How often the simulator runs what an exiting=true fetch answers: a hold loop runs until the caller hangs up.
MAX_HOLD_PASSES = 5
# The whole call, fetches included (each fetch has its own, shorter time-out too).
CALL_DEADLINE_SECONDS = 30.0
# Distinct audio files checked in one call; more are played unchecked, with a finding that says so.
MAX_MEDIA_FILES = 20
# Keys a caller presses in one call, and regex matches tried in one call. Matching is RE2's (linear in the keys,
# even for ~((\d*)*)*x): 16 keys keep one match in microseconds, the budget bounds how many a script asks for.
MAX_DTMF = 16
MAX_REGEX_MATCHES = 500
CALLEE = "callee"
# How long a real caller has for the first key after a prompt, and for each next key (milliseconds), when the prompt
# does not say (``input-timeout``, ``digit-timeout``). APIdaze documents no defaults; these are FreeSWITCH-like.
DEFAULT_INPUT_TIMEOUT_MS = 5000
DEFAULT_DIGIT_TIMEOUT_MS = 2000

Event = dict[str, Any]
# The first bytes of a media file (``ScriptFetcher.head``).
FetchHead = Callable[[str, int], Awaitable[FetchResult]]


@dataclass
class CallScript:
    """What the caller does: the keys they press (consumed prompt by prompt) and how each dial ends.

    ``directory`` holds the client's SIP accounts when the call knows its client: ``<sipaccount>`` dials then ring
    only registered accounts. Without it, every destination ends as ``dial`` says.
    """

    url: str
    parameters: CallParameters = field(default_factory=CallParameters)
    dtmf: str = ""
    dial: list[str] = field(default_factory=list)
    max_fetches: int = MAX_FETCHES
    directory: SipDirectory | None = None
    deadline_seconds: float = CALL_DEADLINE_SECONDS

    def __post_init__(self) -> None:
        if len(self.dtmf) > MAX_DTMF or not set(self.dtmf) <= set("0123456789*#"):
            raise ValueError(f"dtmf must be at most {MAX_DTMF} of the keys 0-9, * and #")
        unknown = [outcome for outcome in self.dial if outcome not in DIAL_OUTCOMES]
        if unknown:
            raise ValueError(f"unknown dial outcome {unknown[0]!r}; use one of {', '.join(DIAL_OUTCOMES)}")


class Line(Protocol):
    """A real caller's end of the call."""

    def notice(self, event: Event) -> None:
        """One event of the caller's leg, as soon as it is recorded (``answered`` and ``hung_up`` change the call on
        the wire); the callee's events (``leg: callee``) are not told."""

    async def keys(self, first_wait: float, next_wait: float) -> str:
        """Keys pressed: waits up to ``first_wait`` seconds for the first, then ``next_wait`` for each next."""

    async def pause(self, seconds: float) -> None:
        """Let ``seconds`` pass for the caller."""


class _CallOver(Exception):
    """The call ended: by ``<hangup/>``, by the caller, by an error or a bound."""


@dataclass
class _Next:
    """Continue with the document at ``url``, fetched with ``event`` parameters."""

    url: str
    event: dict[str, str]


def _described(finding: Finding) -> str:
    """A finding as one line, for ``XML_error``."""
    element = f"<{finding.element}> " if finding.element else ""
    return f"line {finding.line}: {element}{finding.message}"


class _Call:
    def __init__(
        self, script: CallScript, fetch: Fetch, fetch_head: FetchHead | None, line: Line | None, events: list[Event]
    ) -> None:
        self.script = script
        self.fetch = fetch
        self.fetch_head = fetch_head
        self.line = line
        self.events = events
        self.dtmf = script.dtmf
        self.dials = iter(script.dial)
        self.fetches = 0
        self.verbs = 0
        self.regex_matches = 0
        # What the next fetch reports: the last document's error (XML_error) and the last dial's result.
        self.xml_error: str | None = None
        self.dial_result: dict[str, str] = {}
        self.media: dict[str, list[Finding]] = {}

    def record(self, kind: str, leg: str | None = None, **details: Any) -> None:
        event = {"type": kind, **details} if leg is None else {"type": kind, "leg": leg, **details}
        self.events.append(event)
        # The line is the caller's phone: a callee's <answer/> or <hangup/> must not answer or end it.
        if self.line is not None and leg != CALLEE:
            self.line.notice(event)

    def end(self, by: str, **details: Any) -> _CallOver:
        self.record("hung_up", by=by, **details)
        return _CallOver()

    async def load(
        self, url: str, event: dict[str, str], *, exiting: bool = False, leg: str | None = None
    ) -> list[Node]:
        """Fetch and check one document; its verbs (none when it cannot run), or the call ends."""
        if self.fetches >= self.script.max_fetches:
            raise self.end("simulator", reason=f"more than {self.script.max_fetches} script fetches (a loop?)")
        self.fetches += 1
        if self.xml_error is not None:
            event = {**event, "XML_error": self.xml_error}
            self.xml_error = None
        params = self.script.parameters.for_url(url, **event)
        result = await self.fetch(url, params)
        fetched: Event = {"url": result.url, "params": params, "status_code": result.status_code}
        if not result.ok:
            self.record("fetched", leg, **fetched, error=result.error or f"HTTP {result.status_code}")
            if leg == CALLEE:
                return []  # the callee gets no instructions; the caller's call goes on
            raise self.end("platform", reason="the script could not be fetched")
        checked = check(result.body)
        self.record("fetched", leg, **fetched, findings=[finding.to_api() for finding in checked.findings])
        if checked.findings:
            self.xml_error = _described(checked.findings[0])
        if checked.root is None or checked.root.tag != "document":
            if exiting and leg is None:
                raise self.end("platform", reason="the script is not a <document> APIdaze can run")
            return []  # nothing runs: the instructions have run out, and the exiting fetch reports XML_error
        works = [child for child in checked.root.children if child.tag == "work"]
        verbs = works[0].children if works else []
        if exiting and not verbs:
            raise self.end("platform", reason="no more instructions")
        return verbs

    async def run(self) -> list[Event]:
        try:
            async with asyncio.timeout(self.script.deadline_seconds):
                await self.play()
        except TimeoutError:
            deadline = self.script.deadline_seconds
            self.record("hung_up", by="simulator", reason=f"the call ran past the simulator's {deadline:g} s deadline")
        except _CallOver:
            pass
        return self.events

    async def play(self) -> None:
        step: _Next | None = _Next(self.script.url, {})
        exiting, passes = False, 0
        while True:
            while step is not None:
                verbs = await self.load(step.url, step.event, exiting=exiting)
                exiting = False
                step = await self.walk(verbs)
            # Instructions ran out without <hangup/>: APIdaze fetches the script with exiting=true and runs what it
            # answers, which is how scripts hold a caller in a loop; only the caller hanging up ends that.
            if passes >= MAX_HOLD_PASSES:
                raise self.end("simulator", reason=f"the hold loop ran {MAX_HOLD_PASSES} passes (exiting=true fetches)")
            passes += 1
            step, exiting = _Next(self.script.url, {"exiting": "true", **self.dial_result}), True

    async def walk(self, verbs: list[Node], leg: str | None = None) -> _Next | None:
        for verb in verbs:
            self.verbs += 1
            if self.verbs > MAX_VERBS:
                raise self.end("simulator", reason=f"more than {MAX_VERBS} verbs (a loop?)")
            step = await self.perform(verb, leg)
            if step is not None:
                return step
        return None

    async def perform(self, verb: Node, leg: str | None) -> _Next | None:
        text, attributes = verb.text, verb.attributes
        match verb.tag:
            case "answer":
                self.record("answered", leg)
            case "hangup":
                if leg == CALLEE:  # ends only the callee's instructions: the call goes on
                    self.record("hung_up", leg, by="script")
                    return None
                raise self.end("script")
            case "speak":
                self.record(
                    "spoke", leg, text=text, lang=attributes.get("lang", "en-US"), voice=attributes.get("voice")
                )
                return await self.listen(verb, leg)
            case "playback":
                file = attributes.get("file", text)
                self.record("played", leg, file=file, findings=await self.check_media(file, verb))
                return await self.listen(verb, leg)
            case "wait":
                seconds = _number(text)
                self.record("waited", leg, seconds=seconds)
                if self.line is not None and leg != CALLEE and isinstance(seconds, int):
                    await self.line.pause(seconds)
            case "record":
                name = attributes.get("name") or self.script.parameters.uuid
                self.record("recorded", leg, file=f"{name}.wav")
            case "ringback":
                findings = await self.check_media(text, verb) if text else []
                self.record("rang_back", leg, file=text or None, findings=findings)
            case "echo":
                self.record("echoed", leg, delay_ms=_number(text) if text else None)
            case "intercept" | "conference" | "dial" if leg == CALLEE:
                self.record("skipped", leg, element=verb.tag, reason="the simulator runs no call-control on the callee")
            case "intercept":
                self.record("intercepted", uuid=text)
            case "conference":
                self.record("joined_conference", room=text)
                raise self.end("caller", reason="left the conference")
            case "dial":
                return await self.dial(verb)
            case _:
                self.record("skipped", leg, element=verb.tag, reason="not a verb APIdaze runs")
        return None

    async def listen(self, prompt: Node, leg: str | None) -> _Next | None:
        """After a prompt with ``<bind>``s: take the caller's keys and follow the bind they match."""
        binds = [child for child in prompt.children if child.tag == "bind"]
        if not binds:
            return None
        if self.line is not None and leg != CALLEE:
            await self.collect(prompt)
        if not self.dtmf or leg == CALLEE:  # only the caller's keys are scripted
            self.record("no_input", leg)
            return None
        for digits, bind in self.matches(binds):
            self.dtmf = self.dtmf[len(digits) :]
            action = bind.attributes.get("action") or self.script.url
            self.record("pressed", digits=digits, bind=bind.text, action=action)
            return _Next(action, {"dialed_digits": digits})
        pressed, self.dtmf = self.dtmf[0], self.dtmf[1:]
        self.record("pressed", digits=pressed, bind=None, action=None)
        return None

    async def collect(self, prompt: Node) -> None:
        """A real caller's keys after ``prompt``: only those already pressed when keys are left over from before."""
        assert self.line is not None
        first = 0 if self.dtmf else _milliseconds(prompt, "input-timeout", DEFAULT_INPUT_TIMEOUT_MS)
        pressed = await self.line.keys(
            first / 1000, _milliseconds(prompt, "digit-timeout", DEFAULT_DIGIT_TIMEOUT_MS) / 1000
        )
        self.dtmf = (self.dtmf + pressed)[:MAX_DTMF]

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

    async def dial(self, verb: Node) -> _Next | None:
        outcome = next(self.dials, DEFAULT_DIAL_OUTCOME)
        kinds = GRAMMAR["dial"].children
        destinations: list[Event] = []
        causes: list[str] = []  # why each destination cannot answer; empty for one that can
        for child in verb.children:
            if child.tag not in kinds:
                continue
            destination: Event = {"type": child.tag, "value": child.text}
            if child.tag == "sipaccount" and self.script.directory is not None:
                destination["account"] = reach = self.script.directory.reach(child.text)
                if reach != REGISTERED:
                    causes.append(UNREACHABLE_CAUSES[reach])
                    destinations.append(destination)
                    continue
            causes.append("")
            destinations.append(destination)
        if destinations and all(causes):
            # Nobody can answer whatever the test scripted: a dial to accounts that are unknown or not registered.
            outcome, (bridge_status, hangup_cause) = "no_answer", ("NO_ANSWER", causes[0])
        else:
            bridge_status, hangup_cause = DIAL_OUTCOMES[outcome]
        self.dial_result = {"bridge_status": bridge_status, "hangup_cause": hangup_cause}
        self.record("dialed", destinations=destinations, outcome=outcome, **self.dial_result)
        answered = bridge_status == "SUCCESS"
        if answered and verb.attributes.get("answer-url"):
            # Run on the callee's side when it answers, before the callee and the caller are connected.
            await self.callee_leg(verb.attributes["answer-url"])
        if outcome == "caller_hangup":
            if verb.attributes.get("caller-hangup-url"):
                await self.callee_leg(verb.attributes["caller-hangup-url"])
            raise self.end("caller", reason="hung up during the dial")
        action = verb.attributes.get("action")
        return _Next(action, dict(self.dial_result)) if action else None

    async def callee_leg(self, url: str) -> None:
        """Fetch ``url`` and run its instructions for the callee (events carry ``leg: callee``)."""
        await self.walk(await self.load(url, dict(self.dial_result), leg=CALLEE), CALLEE)

    async def check_media(self, file: str, verb: Node) -> list[Event]:
        """Findings about an audio file the call plays: fetched (its head) once per call and checked as WAV."""
        if self.fetch_head is None or not file.lower().startswith(("http://", "https://")):
            return []  # a file uploaded to the platform (a bare name) is not for the simulator to fetch
        if file not in self.media:
            self.media[file] = await self.media_findings(file, verb)
        return [finding.to_api() for finding in self.media[file]]

    async def media_findings(self, file: str, verb: Node) -> list[Finding]:
        if len(self.media) >= MAX_MEDIA_FILES:
            return [Finding(verb.line, verb.tag, f"not checked: more than {MAX_MEDIA_FILES} audio files in one call")]
        assert self.fetch_head is not None
        result = await self.fetch_head(file, HEAD_BYTES)
        if not result.ok:
            reason = result.error or f"HTTP {result.status_code}"
            return [Finding(verb.line, verb.tag, f"the audio file could not be fetched: {reason}")]
        return [Finding(verb.line, verb.tag, f"{file}: {problem}") for problem in wav_problems(result.body)]


def _number(text: str) -> int | str:
    """A whole number as the checker accepts it (at most ``MAX_WHOLE_NUMBER``, so it fits any JSON encoder);
    anything else as written (the finding is in the fetch event)."""
    number = whole_number(text)
    return text if number is None else number


def _milliseconds(verb: Node, attribute: str, default: int) -> int:
    number = whole_number(verb.attributes.get(attribute, ""))
    return default if number is None else number


async def simulate(
    script: CallScript,
    fetch: Fetch,
    fetch_head: FetchHead | None = None,
    line: Line | None = None,
    events: list[Event] | None = None,
) -> list[Event]:
    """Play one inbound call against ``script.url``; the transcript of events, in order.

    ``fetch_head`` reads the head of audio files (``ScriptFetcher.head``); without it they are not checked. With
    ``line`` the caller is real (see :class:`Line`); ``events``, when given, is the list the call appends to as it
    runs, so others can watch it.
    """
    return await _Call(script, fetch, fetch_head, line, [] if events is None else events).run()
