from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server import cli
from mock_server.access_log import ACCESS_LOGGER, AccessLogMiddleware
from mock_server.app import Emulator


def test_defaults_text_logs_at_info_with_the_access_log(served: dict[str, Any]) -> None:
    assert cli.main(["--port", "9999"]) == 0
    assert isinstance(served["app"], AccessLogMiddleware)
    assert served["log_level"] == "info"
    assert served["access_log"] is False  # uvicorn's own; ours replaces it
    assert served["log_config"] is None


@pytest.mark.parametrize("flags", [["--no-access-log"], ["--log-level", "warning"]])
def test_access_log_is_left_out_entirely_when_off(served: dict[str, Any], flags: list[str]) -> None:
    cli.main(flags)
    assert isinstance(served["app"], Emulator)


def test_access_lines_go_to_stdout_in_the_text_layout(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main([])
    capsys.readouterr()  # the banner
    with TestClient(served["app"]) as client:
        client.get("/communication/apidaze/cpaas/sipaccounts")
    out, err = capsys.readouterr()
    assert f" INFO    {ACCESS_LOGGER}: GET /communication/apidaze/cpaas/sipaccounts 401 " in out
    assert ACCESS_LOGGER not in err


def test_json_format_prints_json_lines_only(served: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["--log-format", "json"])
    with TestClient(served["app"]) as client:
        client.get("/communication/apidaze/cpaas/sipaccounts")
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in (out + err).splitlines()]
    assert {line["logger"] for line in lines} == {"apidaze_mock", ACCESS_LOGGER}
    assert [line["status"] for line in lines if line["logger"] == ACCESS_LOGGER] == [401]
    assert [line["logger"] for line in map(json.loads, out.splitlines())] == [ACCESS_LOGGER]


def test_unknown_format_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--log-format", "xml"])
    assert "invalid choice" in capsys.readouterr().err
