"""The platform's parameters and dial semantics in the call simulator: XML_error, hangup_cause, sip_from_uri,
answer-url and caller-hangup-url, <sipaccount> against the client's accounts, and audio files checked as WAV."""

from __future__ import annotations

import asyncio
import io
import struct
import wave
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.scripts.directory import SipDirectory
from mock_server.scripts.fetch import CallParameters, FetchResult
from mock_server.scripts.media import HEAD_BYTES, wav_problems
from mock_server.scripts.simulator import MAX_MEDIA_FILES, CallScript, simulate
from tests.domain.test_call_simulator import BASE, FakeScripts, doc, kinds, run


@dataclass(frozen=True)
class Account:
    username: str
    registered: bool

    def sip_uri(self, domain: str) -> str:
        return f"sip:{self.username}@{domain}"


DIRECTORY = SipDirectory.of([Account("desk", True), Account("away", False)], "acme.example")


class Media:
    """Answers audio head fetches from a dict of URL -> bytes (404 otherwise), and remembers each URL fetched."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.files = files or {}
        self.fetched: list[str] = []

    async def __call__(self, url: str, size: int) -> FetchResult:
        assert size == HEAD_BYTES
        self.fetched.append(url)
        if url not in self.files:
            return FetchResult(url, 404, "text/plain", b"")
        return FetchResult(url, 200, "audio/wav", self.files[url][:size])


def call(scripts: FakeScripts, media: Media | None = None, **options: Any) -> list[dict[str, Any]]:
    """A call against ``/main.xml``, audio heads answered by ``media``."""
    parameters = options.pop("parameters", CallParameters("+31600000001", "+31200000002", "alice", "s-1", "u-1"))
    script = CallScript(BASE + "/main.xml", parameters, **options)
    return asyncio.run(simulate(script, scripts, media or Media()))


# -- XML_error ---------------------------------------------------------------------------------------------------


def test_an_unrunnable_script_is_reported_as_xml_error_on_the_exiting_fetch() -> None:
    scripts = FakeScripts({"/main.xml": "<document><work>", "/main.xml?exiting": doc("<hangup/>")})
    events = call(scripts)
    assert kinds(events) == ["fetched", "fetched", "hung_up"]
    sent = scripts.requests[1][1]
    assert sent["exiting"] == "true"
    assert sent["XML_error"].startswith("line 1: not well-formed XML")
    assert events[-1] == {"type": "hung_up", "by": "script"}


def test_a_script_with_findings_reports_the_first_on_the_next_fetch_only() -> None:
    menu = doc(f'<speak lang="de-DE">Hallo<bind action="{BASE}/next.xml">1</bind></speak>')
    scripts = FakeScripts(
        {"/main.xml": menu, "/next.xml": doc("<wait>1</wait>"), "/main.xml?exiting": doc("<hangup/>")}
    )
    call(scripts, dtmf="1")
    assert scripts.requests[1][1]["XML_error"] == (
        "line 1: <speak> attribute 'lang': 'de-DE' is not one of en-US, fr-FR, it-IT, es-ES"
    )
    assert "XML_error" not in scripts.requests[2][1]  # next.xml was clean


# -- hangup_cause, and what the exiting fetch carries after a dial ----------------------------------------------


def test_the_exiting_fetch_after_a_dial_carries_its_result() -> None:
    scripts = FakeScripts({"/main.xml": doc("<dial><number>1</number></dial>"), "/main.xml?exiting": doc("<hangup/>")})
    call(scripts, dial=["busy"])
    assert (
        scripts.requests[1][1] | {"exiting": "true", "bridge_status": "BUSY", "hangup_cause": "USER_BUSY"}
        == (scripts.requests[1][1])
    )


# -- sip_from_uri ------------------------------------------------------------------------------------------------


def test_a_call_from_one_of_the_clients_sip_accounts_carries_sip_from_uri() -> None:
    from_desk = CallParameters(caller_username="desk").calling_from(DIRECTORY.uris)
    assert from_desk.for_url(BASE)["sip_from_uri"] == "desk@acme.example"
    from_outside = CallParameters(caller_username="+31600000001").calling_from(DIRECTORY.uris)
    assert "sip_from_uri" not in from_outside.for_url(BASE)
    scripts = FakeScripts({"/main.xml": doc("<hangup/>")})
    call(scripts, parameters=from_desk)
    assert scripts.requests[0][1]["sip_from_uri"] == "desk@acme.example"


# -- <dial><sipaccount> -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "state", "outcome", "bridge", "cause"),
    [
        ("desk", "registered", "busy", "BUSY", "USER_BUSY"),  # a registered account ends as scripted
        ("away", "not registered", "no_answer", "NO_ANSWER", "USER_NOT_REGISTERED"),
        ("nobody", "unknown", "no_answer", "NO_ANSWER", "SUBSCRIBER_ABSENT"),
    ],
)
def test_a_sipaccount_dial_rings_only_a_registered_account(
    account: str, state: str, outcome: str, bridge: str, cause: str
) -> None:
    dial = f'<dial action="{BASE}/after.xml"><sipaccount>{account}</sipaccount></dial>'
    scripts = FakeScripts({"/main.xml": doc(dial), "/after.xml": doc("<hangup/>")})
    events = call(scripts, dial=["busy"], directory=DIRECTORY)
    assert events[1] == {
        "type": "dialed",
        "destinations": [{"type": "sipaccount", "value": account, "account": state}],
        "outcome": outcome,
        "bridge_status": bridge,
        "hangup_cause": cause,
    }
    assert (scripts.requests[1][1]["bridge_status"], scripts.requests[1][1]["hangup_cause"]) == (bridge, cause)


def test_a_dial_that_can_reach_someone_ends_as_scripted() -> None:
    dial = "<dial><sipaccount>away</sipaccount><number>+31201234567</number></dial><hangup/>"
    events = call(FakeScripts({"/main.xml": doc(dial)}), dial=["answered"], directory=DIRECTORY)
    assert (events[1]["outcome"], events[1]["bridge_status"]) == ("answered", "SUCCESS")
    assert events[1]["destinations"][0]["account"] == "not registered"


def test_without_the_clients_accounts_a_sipaccount_dial_ends_as_scripted() -> None:
    events = call(FakeScripts({"/main.xml": doc("<dial><sipaccount>x</sipaccount></dial><hangup/>")}), dial=["busy"])
    assert events[1]["destinations"] == [{"type": "sipaccount", "value": "x"}]
    assert events[1]["bridge_status"] == "BUSY"


# -- answer-url and caller-hangup-url -----------------------------------------------------------------------------

DIAL_URLS = (
    f'<dial answer-url="{BASE}/whisper.xml" caller-hangup-url="{BASE}/gone.xml" action="{BASE}/after.xml">'
    "<number>+31201234567</number></dial>"
)
CALLEE_SCRIPTS = {
    "/main.xml": doc(DIAL_URLS),
    "/whisper.xml": doc('<speak>Call for sales<bind action="x">1</bind></speak><dial><number>9</number></dial>'),
    "/gone.xml": doc("<speak>The caller hung up</speak><hangup/>"),
    "/after.xml": doc("<hangup/>"),
}


def test_answer_url_runs_for_the_callee_when_it_answers() -> None:
    scripts = FakeScripts(CALLEE_SCRIPTS)
    events = call(scripts, dial=["answered"])
    assert [(event["type"], event.get("leg")) for event in events] == [
        ("fetched", None),
        ("dialed", None),
        ("fetched", "callee"),
        ("spoke", "callee"),
        ("no_input", "callee"),  # only the caller's keys are scripted
        ("skipped", "callee"),
        ("fetched", None),  # the action, when the callee ends the call
        ("hung_up", None),
    ]
    assert [url.removeprefix(BASE) for url, _ in scripts.requests] == ["/main.xml", "/whisper.xml", "/after.xml"]
    assert scripts.requests[1][1]["url"] == BASE + "/whisper.xml"


def test_answer_url_is_not_fetched_when_nobody_answers() -> None:
    scripts = FakeScripts(CALLEE_SCRIPTS)
    call(scripts, dial=["no_answer"])
    assert [url.removeprefix(BASE) for url, _ in scripts.requests] == ["/main.xml", "/after.xml"]


def test_caller_hangup_url_runs_for_the_callee_when_the_caller_hangs_up() -> None:
    scripts = FakeScripts(CALLEE_SCRIPTS)
    events = call(scripts, dial=["caller_hangup"])
    assert [url.removeprefix(BASE) for url, _ in scripts.requests] == ["/main.xml", "/whisper.xml", "/gone.xml"]
    assert events[-3:] == [
        {"type": "spoke", "leg": "callee", "text": "The caller hung up", "lang": "en-US", "voice": None},
        {"type": "hung_up", "leg": "callee", "by": "script"},
        {"type": "hung_up", "by": "caller", "reason": "hung up during the dial"},
    ]


def test_a_callee_script_that_cannot_be_fetched_leaves_the_call_going() -> None:
    scripts = FakeScripts({**CALLEE_SCRIPTS, "/whisper.xml": "x"})
    del scripts.scripts["/whisper.xml"]
    events = call(scripts, dial=["answered"])
    assert events[2] == {
        "type": "fetched",
        "leg": "callee",
        "url": BASE + "/whisper.xml",
        "params": scripts.requests[1][1],
        "status_code": 404,
        "error": "HTTP 404",
    }
    assert events[-1] == {"type": "hung_up", "by": "script"}


# -- audio files ---------------------------------------------------------------------------------------------------


def wav(channels: int = 1, rate: int = 8000, seconds: float = 0.1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * channels * int(rate * seconds))
    return buffer.getvalue()


def float_wav() -> bytes:
    """A RIFF/WAVE file in IEEE float (format 3), which is not PCM."""
    fmt = struct.pack("<HHIIHH", 3, 1, 8000, 32000, 4, 32)
    data = b"\0" * 400
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def not_pcm(reason: str) -> str:
    return f"not a RIFF/WAVE PCM file ({reason}); the platform plays WAV PCM, mono, 8000 Hz"


@pytest.mark.parametrize(
    ("audio", "problems"),
    [
        (wav(), []),
        (wav(rate=16000), []),
        (wav(seconds=30)[:HEAD_BYTES], []),  # a long file: its head is enough
        (wav(channels=2), ["2 channels; the platform plays mono"]),
        (wav(rate=44100), ["44100 Hz; the platform plays 8000 Hz (or 16000 Hz wideband)"]),
        (b"ID3\x03\x00" + b"\0" * 100, [not_pcm("file does not start with RIFF id")]),
        (float_wav(), [not_pcm("unknown format: 3")]),
        (b"RIFF", [not_pcm("the header ends early")]),
    ],
    ids=["8k", "16k", "long", "stereo", "44k", "mp3", "float", "cut"],
)
def test_wav_problems(audio: bytes, problems: list[str]) -> None:
    assert wav_problems(audio) == problems


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200).map(lambda tail: b"RIFF\x24\x00\x00\x00WAVEfmt " + tail) | st.binary(max_size=200))
def test_any_bytes_are_a_verdict_never_an_exception(head: bytes) -> None:
    problems = wav_problems(head)
    assert all(isinstance(problem, str) for problem in problems)


def test_played_files_are_fetched_once_and_checked() -> None:
    good, stereo = "http://media.test/hello.wav", "http://media.test/stereo.wav"
    work = f'<playback file="{good}"/><playback>{stereo}</playback><playback>{good}</playback><ringback>{stereo}</ringback>'
    media = Media({good: wav(), stereo: wav(channels=2)})
    events = call(FakeScripts({"/main.xml": doc(work + "<hangup/>")}), media)
    played = [event for event in events if event["type"] in ("played", "rang_back")]
    assert [event["findings"] for event in played] == [
        [],
        [{"line": 1, "element": "playback", "message": f"{stereo}: 2 channels; the platform plays mono"}],
        [],
        [{"line": 1, "element": "playback", "message": f"{stereo}: 2 channels; the platform plays mono"}],
    ]
    assert media.fetched == [good, stereo]


def test_a_missing_file_is_a_finding_and_a_platform_file_is_not_fetched() -> None:
    work = '<playback file="http://media.test/none.wav"/><playback>welcome.wav</playback><hangup/>'
    media = Media()
    events = call(FakeScripts({"/main.xml": doc(work)}), media)
    assert events[1]["findings"] == [
        {"line": 1, "element": "playback", "message": "the audio file could not be fetched: HTTP 404"}
    ]
    assert events[2] == {"type": "played", "file": "welcome.wav", "findings": []}
    assert media.fetched == ["http://media.test/none.wav"]


def test_audio_checks_are_bounded_per_call() -> None:
    files = [f"http://media.test/{index}.wav" for index in range(MAX_MEDIA_FILES + 2)]
    work = "".join(f"<playback>{file}</playback>" for file in files) + "<hangup/>"
    media = Media(dict.fromkeys(files, wav()))
    events = call(FakeScripts({"/main.xml": doc(work)}), media)
    assert len(media.fetched) == MAX_MEDIA_FILES
    assert events[-2]["findings"][0]["message"] == f"not checked: more than {MAX_MEDIA_FILES} audio files in one call"


def test_without_a_head_fetcher_audio_is_not_checked() -> None:
    events = run(FakeScripts({"/main.xml": doc("<playback>http://media.test/a.wav</playback><hangup/>")}))
    assert events[1] == {"type": "played", "file": "http://media.test/a.wav", "findings": []}
