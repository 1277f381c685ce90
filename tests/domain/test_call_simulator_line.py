"""The call simulator with a real caller's line: events as they happen, keys collected within the prompt's time-outs."""

from __future__ import annotations

import asyncio
from typing import Any

from mock_server.scripts.fetch import CallParameters
from mock_server.scripts.simulator import DEFAULT_DIGIT_TIMEOUT_MS, DEFAULT_INPUT_TIMEOUT_MS, CallScript, simulate
from tests.domain.test_call_simulator import BASE, FakeScripts, doc


class FakeLine:
    """Hands out the keys of each prompt in turn and writes down what the simulator asked and told."""

    def __init__(self, *presses: str) -> None:
        self.presses = list(presses)
        self.noticed: list[str] = []
        self.waits: list[tuple[float, float]] = []
        self.paused: list[float] = []

    def notice(self, event: dict[str, Any]) -> None:
        self.noticed.append(event["type"])

    async def keys(self, first_wait: float, next_wait: float) -> str:
        self.waits.append((first_wait, next_wait))
        return self.presses.pop(0) if self.presses else ""

    async def pause(self, seconds: float) -> None:
        self.paused.append(seconds)


def call(scripts: FakeScripts, line: FakeLine, events: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    script = CallScript(BASE + "/main.xml", CallParameters(uuid="u-1"))
    return asyncio.run(simulate(script, scripts, line=line, events=events))


def test_keys_come_from_the_line_after_each_prompt_within_its_timeouts() -> None:
    scripts = FakeScripts(
        {
            "/main.xml": doc(
                f'<answer/><speak input-timeout="800" digit-timeout="300">Menu<bind action="{BASE}/one.xml">1</bind>'
                "</speak>"
            ),
            "/one.xml": doc(f'<playback file="{BASE}/a.wav"><bind>2</bind></playback><wait>3</wait><hangup/>'),
        }
    )
    line = FakeLine("1", "")
    events = call(scripts, line)
    assert line.waits == [(0.8, 0.3), (DEFAULT_INPUT_TIMEOUT_MS / 1000, DEFAULT_DIGIT_TIMEOUT_MS / 1000)]
    assert [e for e in events if e["type"] in ("pressed", "no_input")] == [
        {"type": "pressed", "digits": "1", "bind": "1", "action": f"{BASE}/one.xml"},
        {"type": "no_input"},
    ]
    assert line.paused == [3]
    assert line.noticed == [e["type"] for e in events]
    assert events[-1] == {"type": "hung_up", "by": "script"}


def test_keys_left_over_from_a_prompt_are_used_before_waiting_again() -> None:
    scripts = FakeScripts(
        {"/main.xml": doc("<answer/><speak>A<bind>1</bind></speak><speak>B<bind>2</bind></speak><hangup/>")}
    )
    line = FakeLine("12")
    events = call(scripts, line)
    assert [e["digits"] for e in events if e["type"] == "pressed"] == ["1", "2"]
    # The second prompt had a key waiting: it looked for more without waiting for a first one.
    assert line.waits[1][0] == 0


def test_the_events_list_given_is_the_one_filled() -> None:
    scripts = FakeScripts({"/main.xml": doc("<answer/><hangup/>")})
    events: list[dict[str, Any]] = []
    returned = call(scripts, FakeLine(), events)
    assert returned is events
    assert [e["type"] for e in events] == ["fetched", "answered", "hung_up"]


def test_the_line_hears_only_the_callers_leg() -> None:
    # The callee's <answer/> and <hangup/> (answer-url) end only its own instructions: the caller's phone must not be
    # answered or hung up by them.
    scripts = FakeScripts(
        {
            "/main.xml": doc(
                f'<dial answer-url="{BASE}/callee.xml"><number>+31200000003</number></dial><answer/><hangup/>'
            ),
            "/callee.xml": doc("<answer/><hangup/>"),
        }
    )
    line = FakeLine()
    events = call(scripts, line)
    assert [e["type"] for e in events if e.get("leg") == "callee"] == ["fetched", "answered", "hung_up"]
    assert line.noticed == [e["type"] for e in events if "leg" not in e]
    assert line.noticed == ["fetched", "dialed", "answered", "hung_up"]
