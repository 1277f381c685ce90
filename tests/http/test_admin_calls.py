"""``POST /__admin/calls``: full simulated calls against the fixture scripts on a real local script server."""

from __future__ import annotations

import io
import threading
import time
import wave
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mock_server.errors import InvalidRequest
from mock_server.scripts.isolation import Budget
from mock_server.testing import ApidazeMock
from tests.conftest import Api
from tests.script_server import SCRIPTS, ScriptServer, assert_matches_schema

CALLER = {"caller_id_number": "+31612345678", "destination_number": "+31201234567", "caller_username": "alice"}
IDS = {"session_id": "session-1", "uuid": "call-1"}


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with ScriptServer(SCRIPTS) as running:
        yield running


def call(api: Api, **request: Any) -> list[dict[str, Any]]:
    response = api.http.post("/__admin/calls", json={**CALLER, **IDS, **request})
    assert response.status_code == 200, response.text
    assert_matches_schema("admin.yaml", "CallTranscript", response.json())
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def params(url: str, **event: str) -> dict[str, str]:
    return {**IDS, **CALLER, "url": url, **event}


def test_ivr_call_with_dtmf_reaches_the_bind_action(api: Api, server: Any) -> None:
    menu, sales = server.url + "/ivr.xml", server.url + "/ivr/sales.xml"
    server.requests.clear()
    events = call(api, url=menu, dtmf="1", dial=["busy"])
    assert events == [
        {"type": "fetched", "url": menu, "params": params(menu), "status_code": 200, "findings": []},
        {"type": "answered"},
        {
            "type": "spoke",
            "text": "Welcome to Example. Press 1 for sales, 2 for support.",
            "lang": "en-US",
            "voice": "female-a",
        },
        {"type": "pressed", "digits": "1", "bind": "1", "action": sales},
        {
            "type": "fetched",
            "url": sales,
            "params": params(sales, dialed_digits="1"),
            "status_code": 200,
            "findings": [],
        },
        {"type": "spoke", "text": "Connecting you to sales.", "lang": "en-US", "voice": None},
        {
            "type": "dialed",
            "destinations": [{"type": "sipaccount", "value": "sales"}, {"type": "number", "value": "+31201234568"}],
            "outcome": "busy",
            "bridge_status": "BUSY",
            "hangup_cause": "USER_BUSY",
        },
        {"type": "hung_up", "by": "script"},
    ]
    assert server.requests == [("/ivr.xml", params(menu)), ("/ivr/sales.xml", params(sales, dialed_digits="1"))]


def test_ivr_repeats_the_menu_for_other_keys_then_gives_up(api: Api, server: Any) -> None:
    events = call(api, url=server.url + "/ivr.xml", dtmf="7")
    assert [event["type"] for event in events] == [
        *("fetched", "answered", "spoke", "pressed"),
        *("fetched", "answered", "spoke", "no_input", "spoke", "hung_up"),
    ]


@pytest.mark.parametrize(
    ("outcome", "after"),
    [("busy", ["spoke", "played", "recorded", "waited", "hung_up"]), ("answered", ["hung_up"])],
)
def test_call_forward_falls_back_to_voicemail(api: Api, server: Any, outcome: str, after: list[str]) -> None:
    events = call(api, url=server.url + "/call-forward.xml", dial=[outcome])
    assert [event["type"] for event in events] == ["fetched", "answered", "dialed", "fetched", *after]
    assert events[3]["params"]["bridge_status"] == {"busy": "BUSY", "answered": "SUCCESS"}[outcome]


def test_conference_room(api: Api, server: Any) -> None:
    events = call(api, url=server.url + "/conference-room.xml", params={"pin": "1234"})
    assert events[0]["params"]["pin"] == "1234"
    assert events[-2:] == [
        {"type": "joined_conference", "room": "team-room"},
        {"type": "hung_up", "by": "caller", "reason": "left the conference"},
    ]


def test_a_disallowed_script_url_is_an_event(api: Api) -> None:
    events = call(api, url="http://192.0.2.1/ivr.xml")
    assert events[0]["error"] == "host '192.0.2.1' is not allowed (allowed: loopback); see --script-hosts"
    assert events[-1]["by"] == "platform"


@pytest.mark.parametrize(
    "body",
    [{}, {"url": "file:///etc/passwd"}, {"url": "http://127.0.0.1/x", "dtmf": "12a"}, {"url": "http://h/", "x": 1}],
)
def test_bad_requests_are_400(api: Api, body: dict[str, Any]) -> None:
    response = api.http.post("/__admin/calls", json=body)
    assert response.status_code == 400
    assert response.json()["name"] == "InvalidRequest"


@pytest.fixture
def odd_scripts(tmp_path: Path) -> Iterator[Any]:
    def write(name: str, work: str) -> None:
        (tmp_path / name).write_text(f"<document><work>{work}</work></document>", encoding="utf-8")

    write("big-numbers.xml", f"<echo>{'9' * 50}</echo><wait>{'9' * 5000}</wait><hangup/>")
    write("far-port.xml", '<dial action="http://127.0.0.1:70000/after.xml"><number>1</number></dial>')
    write("redos.xml", r"<speak>x<bind>~((\d*)*)*(\d*)*(\d*)*(\d*)*x</bind></speak><hangup/>")
    write("loop.xml", '<speak>x<bind action="http://127.0.0.1:8081/loop.xml">~\\d</bind></speak>')
    (tmp_path / "utf7.xml").write_bytes(b'<?xml version="1.0" encoding="utf-7"?><document/>')
    with ScriptServer(tmp_path) as running:
        yield running


def test_numbers_too_large_for_json_integers_are_kept_as_text(api: Api, odd_scripts: Any) -> None:
    events = call(api, url=odd_scripts.url + "/big-numbers.xml")
    assert events[1] == {"type": "echoed", "delay_ms": "9" * 50}
    assert events[2] == {"type": "waited", "seconds": "9" * 5000}
    messages = [finding["message"] for finding in events[0]["findings"]]
    assert len(messages) == 2
    assert all(message.endswith("is larger than 2147483647") for message in messages), messages


def test_a_dial_action_on_a_port_out_of_range_is_an_event(api: Api, odd_scripts: Any) -> None:
    events = call(api, url=odd_scripts.url + "/far-port.xml")
    assert events[2]["error"] == "invalid URL 'http://127.0.0.1:70000/after.xml': port 70000 is outside 1-65535"
    assert events[-1] == {"type": "hung_up", "by": "platform", "reason": "the script could not be fetched"}


def test_a_catastrophic_bind_regex_does_not_block_the_emulator(api: Api, odd_scripts: Any) -> None:
    events = call(api, url=odd_scripts.url + "/redos.xml", dtmf="1" * 16)
    assert [event["type"] for event in events] == ["fetched", "spoke", "pressed", "hung_up"]


def test_an_unreadable_encoding_ends_the_call_with_a_finding(api: Api, odd_scripts: Any) -> None:
    events = call(api, url=odd_scripts.url + "/utf7.xml")
    assert events[0]["findings"][0]["message"].startswith("cannot read the document's encoding")
    assert events[-1]["reason"] == "the script is not a <document> APIdaze can run"


def test_max_fetches_given_as_a_float_counts_as_an_int(api: Api, odd_scripts: Any) -> None:
    events = call(api, url=odd_scripts.url + "/loop.xml", dtmf="1" * 5, max_fetches=2.0)
    assert events[-1] == {"type": "hung_up", "by": "simulator", "reason": "more than 2 script fetches (a loop?)"}


def test_call_fields_in_params_are_the_calls_own_as_in_the_test_endpoint(api: Api, server: Any) -> None:
    url = server.url + "/conference-room.xml"
    response = api.http.post(
        "/__admin/calls", json={"url": url, "uuid": "top", "params": {"uuid": "inner", "session_id": "s-9", "pin": "1"}}
    )
    assert response.status_code == 200, response.text
    sent = response.json()["events"][0]["params"]
    assert (sent["uuid"], sent["session_id"], sent["pin"]) == ("top", "s-9", "1")


def wav(channels: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * channels * 800)
    return buffer.getvalue()


@pytest.fixture
def desk_scripts(tmp_path: Path) -> Iterator[Any]:
    """A desk that rings SIP account ``desk``, plays audio, and whispers to the callee."""
    with ScriptServer(tmp_path) as running:
        base = running.url
        dial = (
            f'<dial answer-url="{base}/whisper.xml" caller-hangup-url="{base}/bye.xml" action="{base}/after.xml">'
            "<sipaccount>desk</sipaccount></dial>"
        )
        pages = {
            "main.xml": f"<playback>{base}/hello.wav</playback><playback>{base}/stereo.wav</playback>{dial}",
            "whisper.xml": "<speak>A call from the website</speak>",
            "bye.xml": "<speak>The caller left</speak><hangup/>",
            "after.xml": "<hangup/>",
        }
        for name, work in pages.items():
            (tmp_path / name).write_text(f"<document><work>{work}</work></document>", encoding="utf-8")
        (tmp_path / "hello.wav").write_bytes(wav(1))
        (tmp_path / "stereo.wav").write_bytes(wav(2))
        yield running


def test_a_client_calls_sip_accounts_as_registered_and_plays_checked_audio(api: Api, desk_scripts: Any) -> None:
    [desk] = api.call("POST", "/sipaccounts", data={"username": "desk"}).json()
    api.call("POST", "/sipaccounts", data={"username": "alice"})
    url = desk_scripts.url + "/main.xml"

    events = call(api, url=url, client_id="alpha", caller_username="alice")
    assert events[0]["params"]["sip_from_uri"] == "alice@alpha.example"  # alice is one of alpha's accounts
    played = [event for event in events if event["type"] == "played"]
    assert played[0]["findings"] == []
    assert [finding["message"] for finding in played[1]["findings"]] == [
        f"{desk_scripts.url}/stereo.wav: 2 channels; the platform plays mono"
    ]
    dialed = next(event for event in events if event["type"] == "dialed")
    assert dialed["destinations"] == [{"type": "sipaccount", "value": "desk", "account": "not registered"}]
    assert (dialed["bridge_status"], dialed["hangup_cause"]) == ("NO_ANSWER", "USER_NOT_REGISTERED")

    api.http.put(f"/__admin/sipaccounts/alpha/{desk['id']}/registration", json={"registered": True})
    events = call(api, url=url, client_id="alpha", caller_username="visitor", dial=["caller_hangup"])
    assert "sip_from_uri" not in events[0]["params"]  # not one of alpha's accounts
    assert [(event["type"], event.get("leg")) for event in events[3:]] == [
        ("dialed", None),
        ("fetched", "callee"),
        ("spoke", "callee"),
        ("fetched", "callee"),
        ("spoke", "callee"),
        ("hung_up", "callee"),
        ("hung_up", None),
    ]
    assert events[-1] == {"type": "hung_up", "by": "caller", "reason": "hung up during the dial"}


def test_an_unknown_client_is_404(api: Api, desk_scripts: Any) -> None:
    response = api.http.post("/__admin/calls", json={"url": desk_scripts.url + "/main.xml", "client_id": "nobody"})
    assert response.status_code == 404
    assert response.json()["name"] == "ClientNotFound"


@pytest.mark.parametrize("served", [False, True], ids=["in-process", "served"])
def test_the_python_handle_places_the_same_call(server: Any, served: bool) -> None:
    mock = ApidazeMock()
    if served:
        mock.start()
    try:
        events = mock.call(url=server.url + "/ivr.xml", dtmf="1", dial=("busy",))
        assert [event["type"] for event in events] == [
            "fetched", "answered", "spoke", "pressed", "fetched", "spoke", "dialed", "hung_up",
        ]  # fmt: skip
        assert mock.call(lambda: 42) == 42  # the other use of call(): run on the server's loop
        with pytest.raises(InvalidRequest):
            mock.call(url=server.url + "/ivr.xml", dtmf="x")
        assert mock.state.journal.next_id == 1  # a simulated call is not an API call
    finally:
        mock.close()


class SlowLoop:
    """A script that answers after ``delay`` seconds and binds a key back to itself: a long, slow call."""

    def __init__(self, delay: float) -> None:
        url = ""

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(delay)
                body = (
                    f'<document><work><speak>Again<bind action="{url}/loop.xml">~[0-9]</bind></speak></work></document>'
                )
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_a_simulated_call_has_an_overall_deadline_and_keeps_what_happened(api: Api) -> None:
    # 17 fetches of 0.5 s each, every one within the 5 s fetch time-out: 8.5 s without an overall deadline.
    api.emulator.state.script_runner.budget = Budget(wall_seconds=3)
    loop = SlowLoop(0.5)
    try:
        started = time.monotonic()
        events = call(api, url=loop.url + "/loop.xml", dtmf="1" * 16)
        took = time.monotonic() - started
    finally:
        loop.close()
    assert events[-1] == {
        "type": "hung_up",
        "by": "simulator",
        "reason": "the call ran past the simulator's 2 s deadline",
    }
    assert sum(event["type"] == "fetched" for event in events) >= 2
    assert took < 3.5


def test_a_simulation_that_fails_leaves_its_record_ended(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(script: Any) -> list[dict[str, Any]]:
        raise RuntimeError("script work failed in its child process")

    monkeypatch.setattr(api.emulator.state.script_runner, "simulate", broken)
    response = api.http.post("/__admin/calls", json={"url": "http://127.0.0.1:9/none.xml"})
    assert response.status_code == 500
    (record,) = api.http.get("/__admin/calls").json()["calls"]
    assert record["state"] == "ended"
    assert record["ended_at"] is not None
