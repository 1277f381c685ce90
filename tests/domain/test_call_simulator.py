"""The call simulator with an in-memory fetch: verbs, DTMF, dial outcomes, action fetches, exiting and bounds."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from mock_server.scripts.fetch import CallParameters, FetchResult
from mock_server.scripts.simulator import MAX_HOLD_PASSES, MAX_VERBS, CallScript, simulate

BASE = "http://scripts.test"


class FakeScripts:
    """Answers fetches from a dict of path -> XML and remembers every request."""

    def __init__(self, scripts: Mapping[str, str]) -> None:
        self.scripts = dict(scripts)
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, url: str, params: Mapping[str, str]) -> FetchResult:
        """``<path>?exiting`` answers the fetch with exiting=true when the dict has it, ``<path>`` any other."""
        self.requests.append((url, dict(params)))
        path = url.removeprefix(BASE)
        if params.get("exiting") == "true" and f"{path}?exiting" in self.scripts:
            path += "?exiting"
        if path not in self.scripts:
            return FetchResult(url, 404, "text/plain", b"not found")
        return FetchResult(url, 200, "text/xml", self.scripts[path].encode())


def doc(work: str) -> str:
    return f"<document><work>{work}</work></document>"


def run(scripts: FakeScripts, path: str = "/main.xml", **options: Any) -> list[dict[str, Any]]:
    parameters = CallParameters("+31600000001", "+31200000002", "alice", "session-1", "uuid-1")
    return asyncio.run(simulate(CallScript(BASE + path, parameters, **options), scripts))


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


MENU = doc(
    f'<answer/><speak lang="fr-FR">Menu<bind action="{BASE}/one.xml">1</bind>'
    f'<bind action="{BASE}/code.xml">~[0-9]{{4}}</bind></speak><speak>Bye</speak><hangup/>'
)


def test_first_fetch_sends_the_parameters_apidaze_sends() -> None:
    scripts = FakeScripts({"/main.xml": doc("<hangup/>")})
    asyncio.run(
        simulate(
            CallScript(
                BASE + "/main.xml",
                CallParameters("+31600000001", "+31200000002", "alice", "s", "u", extra={"lang": "nl"}),
            ),
            scripts,
        )
    )
    assert scripts.requests == [
        (
            BASE + "/main.xml",
            {
                "session_id": "s",
                "uuid": "u",
                "destination_number": "+31200000002",
                "caller_id_number": "+31600000001",
                "caller_username": "alice",
                "url": BASE + "/main.xml",
                "lang": "nl",
            },
        )
    ]


def test_matching_bind_fetches_its_action_with_dialed_digits() -> None:
    scripts = FakeScripts({"/main.xml": MENU, "/one.xml": doc("<speak>Sales</speak><hangup/>")})
    events = run(scripts, dtmf="1")
    assert kinds(events) == ["fetched", "answered", "spoke", "pressed", "fetched", "spoke", "hung_up"]
    assert events[2] == {"type": "spoke", "text": "Menu", "lang": "fr-FR", "voice": None}
    assert events[3] == {"type": "pressed", "digits": "1", "bind": "1", "action": BASE + "/one.xml"}
    assert scripts.requests[1][0] == BASE + "/one.xml"
    assert scripts.requests[1][1]["dialed_digits"] == "1"
    assert events[-1] == {"type": "hung_up", "by": "script"}


def test_the_longest_run_a_regex_bind_accepts_wins() -> None:
    scripts = FakeScripts({"/main.xml": MENU, "/code.xml": doc("<hangup/>")})
    events = run(scripts, dtmf="4321")
    assert events[3] == {"type": "pressed", "digits": "4321", "bind": "~[0-9]{4}", "action": BASE + "/code.xml"}
    assert scripts.requests[1][1]["dialed_digits"] == "4321"


def test_no_input_and_wrong_keys_fall_through_to_the_next_verb() -> None:
    scripts = FakeScripts({"/main.xml": MENU})
    assert kinds(run(scripts)) == ["fetched", "answered", "spoke", "no_input", "spoke", "hung_up"]
    wrong = run(scripts, dtmf="9")
    assert wrong[3] == {"type": "pressed", "digits": "9", "bind": None, "action": None}
    assert kinds(wrong)[4:] == ["spoke", "hung_up"]


def test_bind_without_action_refetches_the_script_with_the_digits() -> None:
    scripts = FakeScripts({"/main.xml": doc('<playback file="a.wav"><bind>5</bind></playback><hangup/>')})
    events = run(scripts, dtmf="5")
    assert events[1] == {"type": "played", "file": "a.wav", "findings": []}
    assert scripts.requests[1] == (BASE + "/main.xml", {**scripts.requests[0][1], "dialed_digits": "5"})
    assert kinds(events)[-1] == "hung_up"


@pytest.mark.parametrize(
    ("outcome", "status", "cause"),
    [
        ("answered", "SUCCESS", "NORMAL_CLEARING"),
        ("busy", "BUSY", "USER_BUSY"),
        ("no_answer", "NO_ANSWER", "NO_USER_RESPONSE"),
    ],
)
def test_dial_with_action_passes_bridge_status_and_hangup_cause(outcome: str, status: str, cause: str) -> None:
    dial = f'<dial action="{BASE}/after.xml"><number>+31201234567</number><sipaccount>desk</sipaccount></dial>'
    scripts = FakeScripts({"/main.xml": doc(dial), "/after.xml": doc("<hangup/>")})
    events = run(scripts, dial=[outcome])
    assert events[1] == {
        "type": "dialed",
        "destinations": [{"type": "number", "value": "+31201234567"}, {"type": "sipaccount", "value": "desk"}],
        "outcome": outcome,
        "bridge_status": status,
        "hangup_cause": cause,
    }
    assert (scripts.requests[1][1]["bridge_status"], scripts.requests[1][1]["hangup_cause"]) == (status, cause)


def test_dial_outcomes_are_used_in_turn_then_answered() -> None:
    dial = "<dial><number>1</number></dial>"
    scripts = FakeScripts({"/main.xml": doc(dial * 3 + "<hangup/>")})
    events = run(scripts, dial=["busy", "no_answer"])
    assert [event["outcome"] for event in events if event["type"] == "dialed"] == ["busy", "no_answer", "answered"]


def test_running_out_of_instructions_refetches_with_exiting_and_runs_the_answer() -> None:
    scripts = FakeScripts(
        {
            "/main.xml": doc("<answer/><wait>2</wait><record/><echo>500</echo>"),
            "/main.xml?exiting": doc("<speak>Goodbye</speak><hangup/>"),
        }
    )
    events = run(scripts)
    assert kinds(events) == ["fetched", "answered", "waited", "recorded", "echoed", "fetched", "spoke", "hung_up"]
    assert events[2] == {"type": "waited", "seconds": 2}
    assert events[3] == {"type": "recorded", "file": "uuid-1.wav"}
    assert scripts.requests[1] == (BASE + "/main.xml", {**scripts.requests[0][1], "exiting": "true"})
    assert events[-1] == {"type": "hung_up", "by": "script"}


def test_a_hold_loop_runs_until_its_bound_which_the_transcript_names() -> None:
    # A script that ignores exiting answers the same hold music again: the platform plays it until the caller
    # hangs up; the simulator stops after MAX_HOLD_PASSES passes and says so.
    scripts = FakeScripts({"/main.xml": doc("<speak>Please hold</speak><wait>5</wait>")})
    events = run(scripts)
    assert kinds(events).count("fetched") == 1 + MAX_HOLD_PASSES
    assert kinds(events).count("waited") == 1 + MAX_HOLD_PASSES
    assert all(params["exiting"] == "true" for _, params in scripts.requests[1:])
    assert events[-1] == {
        "type": "hung_up",
        "by": "simulator",
        "reason": f"the hold loop ran {MAX_HOLD_PASSES} passes (exiting=true fetches)",
    }


def test_an_exiting_answer_with_nothing_to_run_ends_the_call() -> None:
    scripts = FakeScripts({"/main.xml": doc("<answer/>"), "/main.xml?exiting": "<document><work/></document>"})
    events = run(scripts)
    assert kinds(events) == ["fetched", "answered", "fetched", "hung_up"]
    assert events[-1] == {"type": "hung_up", "by": "platform", "reason": "no more instructions"}


def test_the_whole_call_has_a_deadline() -> None:
    class Slow(FakeScripts):
        async def __call__(self, url: str, params: Mapping[str, str]) -> FetchResult:
            await asyncio.sleep(0.02)
            return await super().__call__(url, params)

    events = run(Slow({"/main.xml": doc("<wait>1</wait>")}), deadline_seconds=0.05)
    assert events[-1] == {
        "type": "hung_up",
        "by": "simulator",
        "reason": "the call ran past the simulator's 0.05 s deadline",
    }
    assert 1 <= kinds(events).count("fetched") < 1 + MAX_HOLD_PASSES


def test_conference_lasts_until_the_caller_leaves() -> None:
    scripts = FakeScripts({"/main.xml": doc("<answer/><conference>room</conference><hangup/>")})
    events = run(scripts)
    assert events[-2:] == [
        {"type": "joined_conference", "room": "room"},
        {"type": "hung_up", "by": "caller", "reason": "left the conference"},
    ]


def test_a_looping_script_is_cut_off_by_the_fetch_bound() -> None:
    loop = doc(f'<speak>Again<bind action="{BASE}/main.xml">~[0-9]</bind></speak>')
    events = run(FakeScripts({"/main.xml": loop}), dtmf="1" * 16, max_fetches=5)
    assert kinds(events).count("fetched") == 5
    assert events[-1] == {"type": "hung_up", "by": "simulator", "reason": "more than 5 script fetches (a loop?)"}


def test_a_long_script_is_cut_off_by_the_verb_bound() -> None:
    events = run(FakeScripts({"/main.xml": doc("<wait>1</wait>" * (MAX_VERBS + 10))}))
    assert kinds(events).count("waited") == MAX_VERBS
    assert events[-1]["by"] == "simulator"


def test_fetch_failures_and_unrunnable_scripts_end_the_call_as_events() -> None:
    missing = run(FakeScripts({}))
    assert missing[0]["status_code"] == 404
    assert missing[0]["error"] == "HTTP 404"
    assert missing[-1] == {"type": "hung_up", "by": "platform", "reason": "the script could not be fetched"}
    broken = run(FakeScripts({"/main.xml": "<document><work>"}))
    assert broken[0]["findings"][0]["message"].startswith("not well-formed XML")
    # Nothing to run: the exiting fetch follows, with XML_error; its answer cannot run either, so the call ends.
    assert kinds(broken) == ["fetched", "fetched", "hung_up"]
    assert broken[-1]["reason"] == "the script is not a <document> APIdaze can run"


def test_findings_are_reported_and_the_script_still_runs() -> None:
    events = run(FakeScripts({"/main.xml": doc('<speak lang="de-DE">Hallo</speak><hangup/>')}))
    assert events[0]["findings"][0]["element"] == "speak"
    assert kinds(events) == ["fetched", "spoke", "hung_up"]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"dtmf": "12a"}, "dtmf must be"), ({"dtmf": "1" * 17}, "dtmf must be"), ({"dial": ["maybe"]}, "maybe")],
)
def test_call_scripts_refuse_bad_inputs(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CallScript(BASE, **options)


def test_bind_regex_matching_is_bounded() -> None:
    # Ten regex binds no key run matches: each prompt tries 16 runs x 10 binds, then drops one key.
    prompt = "<speak>Code" + "<bind>~x</bind>" * 10 + "</speak>"
    events = run(FakeScripts({"/main.xml": doc(prompt * 10)}), dtmf="1" * 16)
    assert events[-1] == {"type": "hung_up", "by": "simulator", "reason": "more than 500 bind regex matches"}


def test_a_catastrophic_bind_regex_runs_in_linear_time() -> None:
    # Under Python's re this pattern backtracks for over a minute on 12 keys; RE2 answers at once.
    prompt = r"<speak>Code<bind>~((\d*)*)*(\d*)*(\d*)*(\d*)*x</bind><bind>~\d{16}</bind></speak>"
    scripts = FakeScripts({"/main.xml": doc(prompt + "<hangup/>"), "/next.xml": doc("<hangup/>")})
    events = run(scripts, dtmf="1" * 16)
    assert events[2] == {"type": "pressed", "digits": "1" * 16, "bind": r"~\d{16}", "action": BASE + "/main.xml"}
    nothing = run(FakeScripts({"/main.xml": doc(prompt * 2 + "<hangup/>")}), dtmf="1" * 15)
    assert [event["digits"] for event in nothing if event["type"] == "pressed"] == ["1", "1"]


def test_a_bind_regex_re2_cannot_compile_matches_nothing() -> None:
    prompt = r"<speak>Code<bind>~(1)\1</bind><bind>~(?=1)1</bind></speak><hangup/>"
    events = run(FakeScripts({"/main.xml": doc(prompt)}), dtmf="11")
    assert events[0]["findings"][0]["message"].startswith("text: '~(1)\\\\1' is not a valid regex")
    assert events[2] == {"type": "pressed", "digits": "1", "bind": None, "action": None}


@pytest.mark.parametrize(
    ("text", "delay"),
    [
        ("500", 500),
        ("0002147483647", 2147483647),
        ("2147483648", "2147483648"),
        ("9" * 50, "9" * 50),
        ("9" * 5000, "9" * 5000),
    ],
    ids=["500", "leading-zeros", "2**31", "50-digits", "5000-digits"],
)
def test_numbers_beyond_the_maximum_are_kept_as_written(text: str, delay: int | str) -> None:
    events = run(FakeScripts({"/main.xml": doc(f"<echo>{text}</echo><wait>{text}</wait><hangup/>")}))
    assert events[1] == {"type": "echoed", "delay_ms": delay}
    assert events[2] == {"type": "waited", "seconds": delay}
