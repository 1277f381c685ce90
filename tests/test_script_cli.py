"""``apidaze-mock check-script`` and ``apidaze-mock call``, run in-process through ``main``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_server.cli import build_parser, main
from mock_server.scripts.commands import script_hosts
from tests.script_server import SCRIPTS, ScriptServer


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with ScriptServer(SCRIPTS) as running:
        yield running


def test_check_script_file_prints_findings_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    path = SCRIPTS / "broken" / "unknown-things.xml"
    assert main(["check-script", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:5: <say> unknown element (not in the Script Reference)",
        f"{path}:6: <speak> unknown attribute 'language' (allowed: digit-timeout, input-timeout, lang, voice)",
        f"{path}:7: <hangup> unknown attribute 'cause' (allowed: none)",
    ]


def test_check_script_clean_file_and_url(capsys: pytest.CaptureFixture[str], server: Any) -> None:
    assert main(["check-script", str(SCRIPTS / "ivr.xml")]) == 0
    url = server.url + "/conference-room.xml"
    assert main(["check-script", url]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{url}: ok"


def test_check_script_url_is_guarded(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-script", "http://192.0.2.1/x.xml"]) == 1
    assert "is not allowed" in capsys.readouterr().out


def test_check_script_unreadable_encoding_is_a_finding(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "utf7.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="utf-7"?><document><work><hangup/></work></document>')
    assert main(["check-script", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:1: cannot read the document's encoding: multi-byte encodings are not supported"
    ]


def test_check_script_missing_file_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-script", str(SCRIPTS / "nope.xml")]) == 2
    assert "nope.xml" in capsys.readouterr().err


def test_call_prints_the_transcript(capsys: pytest.CaptureFixture[str], server: Any) -> None:
    url = server.url + "/call-forward.xml"
    assert main(["call", url, "--dial", "no_answer", "--caller", "+31600000000", "--param", "team=blue"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert events[0]["params"]["caller_id_number"] == "+31600000000"
    assert events[0]["params"]["team"] == "blue"
    assert events[2]["bridge_status"] == "NO_ANSWER"
    assert events[-1] == {"type": "hung_up", "by": "script"}


def test_call_params_that_name_call_fields_set_them(capsys: pytest.CaptureFixture[str], server: Any) -> None:
    url = server.url + "/conference-room.xml"
    assert main(["call", url, "--param", "session_id=s-1", "--param", "caller_id_number=+1", "--param", "pin"]) == 0
    params = json.loads(capsys.readouterr().out)["events"][0]["params"]
    assert (params["session_id"], params["caller_id_number"], params["pin"]) == ("s-1", "+31612345678", "")


def test_call_refuses_bad_keys() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["call", "http://127.0.0.1/x.xml", "--dtmf", "1x"])
    assert exit_info.value.code == 2


def test_script_hosts_add_to_loopback_and_repeat() -> None:
    args = build_parser().parse_args(
        ["--script-hosts", "scripts.example", "--port", "9000", "--script-hosts", "a.example,b.example"]
    )
    assert args.port == 9000
    assert script_hosts(args.script_hosts) == ["loopback", "scripts.example", "a.example", "b.example"]
    assert script_hosts([]) == ["loopback"]


def test_script_hosts_before_the_positional_does_not_swallow_it(
    capsys: pytest.CaptureFixture[str], server: Any
) -> None:
    url = server.url + "/conference-room.xml"
    assert main(["check-script", "--script-hosts", "scripts.example", url]) == 0  # loopback is still allowed
    assert capsys.readouterr().out.splitlines()[-1] == f"{url}: ok"
    assert main(["call", "--script-hosts", "scripts.example", "--dtmf", "1234#", url]) == 0


def test_a_second_host_is_allowed_besides_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    # 192.0.2.1 (TEST-NET-1) is allowed, so the refusal is gone; nothing answers there, which is a fetch error.
    assert main(["check-script", "--script-hosts", "192.0.2.1", "http://192.0.2.1:9/x.xml"]) == 1
    assert "is not allowed" not in capsys.readouterr().out


def test_call_fails_when_the_script_cannot_be_fetched_or_has_findings(
    capsys: pytest.CaptureFixture[str], server: Any
) -> None:
    assert main(["call", "http://192.0.2.1/x.xml"]) == 1
    assert (
        "the call failed: fetching http://192.0.2.1/x.xml: host '192.0.2.1' is not allowed" in capsys.readouterr().err
    )
    assert main(["call", server.url + "/broken/misplaced.xml"]) == 1
    assert "finding(s)" in capsys.readouterr().err
    assert main(["call", server.url + "/nope.xml"]) == 1
    assert "HTTP 404" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["check-script"], ["call"], ["contract"]])
def test_every_help_shows_an_example(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    examples = capsys.readouterr().out.split("examples:\n", 1)[1]
    assert examples.lstrip().startswith(" ".join(["apidaze-mock", *command]).strip())
