from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.domain.journal import redact_query
from mock_server.logs import ACCESS_LOGGER, MASK, AccessLogMiddleware, JsonFormatter
from mock_server.paths import API_PREFIX, TOKEN_PATH

BASIC = "Basic " + base64.b64encode(b"local-client:local-secret").decode()


def access_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [record.access for record in caplog.records if record.name == ACCESS_LOGGER]  # type: ignore[attr-defined]


def test_one_line_per_request_with_client_status_and_duration(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, ACCESS_LOGGER)
    with TestClient(AccessLogMiddleware(create_app())) as client:
        token = client.post(TOKEN_PATH, params={"grant_type": "client_credentials"}, headers={"Authorization": BASIC})
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        client.post(API_PREFIX + "/sipaccounts", data={"username": "carol"}, headers=bearer)
        client.get(API_PREFIX + "/sipaccounts", headers={"Authorization": "Bearer wrong"})
    token_call, created, refused = access_records(caplog)
    assert token_call["path"] == TOKEN_PATH
    assert token_call["client_id"] == "local-client"  # the client its credentials name
    assert created == {**created, "method": "POST", "status": 200, "client_id": "local-client"}
    assert created["duration_ms"] >= 0
    assert refused["status"] == 401
    assert refused["client_id"] is None
    text = caplog.text
    assert "local-secret" not in text
    assert token.json()["access_token"] not in text
    assert "POST /communication/apidaze/cpaas/sipaccounts 200" in text
    assert "client=local-client" in text


def test_secrets_in_the_query_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, ACCESS_LOGGER)
    with TestClient(AccessLogMiddleware(create_app())) as client:
        client.post(
            TOKEN_PATH,
            params={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
        )
    assert "local-secret" not in caplog.text
    assert "local-client" not in caplog.text
    assert access_records(caplog)[0]["query"] == "grant_type=client_credentials&client_id=***&client_secret=***"


GRANT = "grant_type=client_credentials"


@pytest.mark.parametrize(
    ("path", "query", "shown"),
    [
        (
            TOKEN_PATH,
            b"grant_type=client_credentials&client_secret=s3",
            "grant_type=client_credentials&client_secret=***",
        ),
        ("/x", b"name=alice&access_token=abc&api_key=k", "name=alice&access_token=***&api_key=***"),
        ("/x", b"", ""),
    ],
)
def test_redact_query(path: str, query: bytes, shown: str) -> None:
    assert redact_query(query, path == TOKEN_PATH, MASK) == shown


def test_json_lines_carry_the_access_fields() -> None:
    record = logging.LogRecord(ACCESS_LOGGER, logging.INFO, __file__, 1, "GET / 200", None, None)
    record.access = {"method": "GET", "path": "/", "status": 200, "client_id": None}
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info"
    assert line["logger"] == ACCESS_LOGGER
    assert line["message"] == "GET / 200"
    assert line["status"] == 200
    assert line["time"].endswith("+00:00")
