from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from mock_server import cli
from mock_server.app import Emulator
from mock_server.logs import ACCESS_LOGGER, AccessLogMiddleware


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


def test_json_format_prints_json_lines_only(served: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["--log-format", "json"])
    logging.getLogger(ACCESS_LOGGER).info("GET / 200", extra={"access": {"status": 200}})
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in (out + err).splitlines()]
    assert {line["logger"] for line in lines} == {"apidaze_mock", ACCESS_LOGGER}
    assert any(line.get("status") == 200 for line in lines)


def test_unknown_format_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--log-format", "xml"])
    assert "invalid choice" in capsys.readouterr().err
