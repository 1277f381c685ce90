from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import subprocess
import sys
import threading
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mock_server.access_log import ACCESS_LOGGER, MASK, AccessLogMiddleware, AccessLogWriter, json_line, text_line
from mock_server.app import create_app
from mock_server.domain.journal import redact_query
from mock_server.logs import TEXT_FORMAT, JsonFormatter
from mock_server.paths import API_PREFIX, TOKEN_PATH

BASIC = "Basic " + base64.b64encode(b"local-client:local-secret").decode()
# Friday 2026-11-27 10:00:30.250 UTC: a quarter second is exact in binary, so no rounding can tell two layouts apart.
CREATED = 1795773630.25


class RecordingStream(io.StringIO):
    """A stream that remembers each ``write`` call and counts flushes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []
        self.flushes = 0

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)

    def flush(self) -> None:
        self.flushes += 1


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_line_per_request_with_client_status_and_duration() -> None:
    stream = io.StringIO()
    writer = AccessLogWriter(stream)
    with TestClient(AccessLogMiddleware(create_app(), writer, "json")) as client:
        token = client.post(TOKEN_PATH, params={"grant_type": "client_credentials"}, headers={"Authorization": BASIC})
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        client.post(API_PREFIX + "/sipaccounts", data={"username": "carol"}, headers=bearer)
        client.get(API_PREFIX + "/sipaccounts", headers={"Authorization": "Bearer wrong"})
    writer.drain()
    token_call, created, refused = json_lines(stream)
    assert token_call["path"] == TOKEN_PATH
    assert token_call["client_id"] == "local-client"  # the client its credentials name
    assert created == {**created, "method": "POST", "status": 200, "client_id": "local-client"}
    assert created["duration_ms"] >= 0
    assert created["message"].startswith("POST /communication/apidaze/cpaas/sipaccounts 200 ")
    assert created["message"].endswith("ms client=local-client")
    assert refused["status"] == 401
    assert refused["client_id"] is None
    text = stream.getvalue()
    assert "local-secret" not in text
    assert token.json()["access_token"] not in text
    assert "wrong" not in text


def test_text_lines_name_the_call_the_status_and_the_client() -> None:
    stream = io.StringIO()
    writer = AccessLogWriter(stream)
    with TestClient(AccessLogMiddleware(create_app(), writer)) as client:
        token = client.post(TOKEN_PATH, params={"grant_type": "client_credentials"}, headers={"Authorization": BASIC})
        client.post(
            API_PREFIX + "/sipaccounts",
            data={"username": "carol"},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    writer.drain()
    token_line, created_line = stream.getvalue().splitlines()
    assert (
        " INFO    apidaze_mock.access: POST /oauth/client_credential/accesstoken?grant_type=client_credentials 200 "
        in (token_line)
    )
    assert token_line.endswith("ms client=local-client")  # the client its credentials name
    assert " INFO    apidaze_mock.access: POST /communication/apidaze/cpaas/sipaccounts 200 " in created_line
    assert created_line.endswith("ms client=local-client")


def test_secrets_in_the_query_are_masked() -> None:
    stream = io.StringIO()
    writer = AccessLogWriter(stream)
    with TestClient(AccessLogMiddleware(create_app(), writer, "json")) as client:
        client.post(
            TOKEN_PATH,
            params={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
        )
    writer.drain()
    assert "local-secret" not in stream.getvalue()
    assert "local-client" not in stream.getvalue()
    assert json_lines(stream)[0]["query"] == "grant_type=client_credentials&client_id=***&client_secret=***"


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


SCOPE: dict[str, Any] = {
    "type": "http",
    "method": "GET",
    "path": "/x",
    "query_string": b"name=alice&api_key=k",
    "client": ("127.0.0.1", 50412),
    "apidaze.client_id": "alpha",
}


def access_record(message: str, created: float = CREATED) -> logging.LogRecord:
    record = logging.LogRecord(ACCESS_LOGGER, logging.INFO, __file__, 1, message, None, None)
    record.created, record.msecs = created, (created - int(created)) * 1000
    return record


def test_a_path_cannot_start_a_line_of_its_own() -> None:
    # The path arrives decoded: %0A is a line feed. Written percent-encoded again, as uvicorn's access log does.
    scope = {"method": "GET", "path": "/x\n2026-01-01 INFO    apidaze_mock.access: forged é", "query_string": b""}
    line = text_line(scope, 404, 1.0, 0.0)
    assert line.count("\n") == 1
    assert line.endswith("\n")
    assert " GET /x%0A2026-01-01%20INFO%20%20%20%20apidaze_mock.access%3A%20forged%20%C3%A9 404 " in line
    # The API's own paths read as before.
    assert f" GET {API_PREFIX}/sipaccounts 200 " in text_line({**scope, "path": f"{API_PREFIX}/sipaccounts"}, 200, 1, 0)


def test_text_lines_are_what_logging_writes_for_the_other_loggers() -> None:
    message = "GET /x?name=alice&api_key=*** 200 1.2ms client=alpha"
    # Seconds that change and come back, and two lines in one second: each line shows its own time.
    for created in (CREATED, CREATED + 61.5, CREATED + 0.5, CREATED):
        line = text_line(SCOPE, 200, 1.25, created)
        assert line == logging.Formatter(TEXT_FORMAT).format(access_record(message, created)) + "\n"


def test_json_lines_are_the_json_formatters_fields_then_the_access_fields() -> None:
    line = json_line(SCOPE, 200, 1.256, CREATED)
    assert line.endswith("}\n")
    entry = json.loads(line)
    assert entry == {
        **json.loads(JsonFormatter().format(access_record(entry["message"]))),
        "method": "GET",
        "path": "/x",
        "query": "name=alice&api_key=***",
        "status": 200,
        "duration_ms": 1.26,
        "client_id": "alpha",
        "remote": "127.0.0.1:50412",
    }
    assert list(entry)[:4] == ["time", "level", "logger", "message"]
    assert entry["time"] == "2026-11-27T10:00:30.250+00:00"
    assert entry["level"] == "info"


def test_no_status_is_shown_as_a_dash_and_null() -> None:
    assert " - 0.5ms " in text_line(SCOPE, 0, 0.5, CREATED)
    assert json.loads(json_line(SCOPE, 0, 0.5, CREATED))["status"] is None


# --- when lines are written ---------------------------------------------------------------------------------


def test_a_turns_lines_are_written_together_when_it_ends() -> None:
    stream = RecordingStream()
    writer = AccessLogWriter(stream)

    async def turns() -> None:
        writer.write("one\n")
        writer.write("two\n")
        assert stream.writes == []
        await asyncio.sleep(0)  # the turn ends: its lines go to the writer thread, as one text
        writer.drain()
        assert stream.writes == ["one\ntwo\n"]
        assert stream.flushes == 1
        writer.write("three\n")
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(turns())
    writer.drain()
    assert stream.writes == ["one\ntwo\n", "three\n"]
    assert stream.flushes == 2


def test_a_line_of_the_loops_last_turn_is_written() -> None:
    stream = io.StringIO()
    writer = AccessLogWriter(stream)

    async def last() -> None:
        writer.write("last\n")

    asyncio.run(last())
    writer.drain()
    assert stream.getvalue() == "last\n"


def test_a_new_loop_writes_what_a_closed_loop_left() -> None:
    """A line kept when its loop ends without running the flush (a loop stopped mid-turn) goes out with the next."""
    stream = io.StringIO()
    writer = AccessLogWriter(stream)
    loop = asyncio.new_event_loop()

    def last_turn() -> None:
        writer.write("left\n")
        loop.stop()  # the turn's own callbacks run, the flush it scheduled does not

    loop.call_soon(last_turn)
    loop.run_forever()
    loop.close()
    assert stream.getvalue() == ""

    async def next_loop() -> None:
        writer.write("next\n")

    asyncio.run(next_loop())
    writer.drain()
    assert stream.getvalue() == "left\nnext\n"


def test_lines_kept_when_the_process_exits_are_written() -> None:
    """A loop stopped mid-turn and never run again: ``atexit`` writes the line, and flushes a buffered stdout."""
    script = """if True:
        import asyncio
        from mock_server.access_log import AccessLogWriter

        writer = AccessLogWriter()
        loop = asyncio.new_event_loop()

        def last_turn():
            writer.write("written at exit\\n")
            loop.stop()

        loop.call_soon(last_turn)
        loop.run_forever()
    """
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == "written at exit\n"


def test_concurrent_requests_are_whole_lines_written_once_a_turn() -> None:
    stream = RecordingStream()
    writer = AccessLogWriter(stream)
    app = AccessLogMiddleware(create_app(), writer, "json")

    async def many() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
            return await asyncio.gather(*(http.get(f"{API_PREFIX}/sipaccounts/{n}") for n in range(200)))

    replies = asyncio.run(many())
    writer.drain()
    assert {reply.status_code for reply in replies} == {401}
    assert all(text.endswith("\n") for text in stream.writes)
    assert len(stream.writes) < len(replies)  # the gathered requests end in a few turns, one write each
    assert stream.flushes == len(stream.writes)
    paths = [entry["path"] for entry in json_lines(stream)]
    assert sorted(paths) == sorted(f"{API_PREFIX}/sipaccounts/{n}" for n in range(200))


def test_a_stream_that_blocks_never_holds_the_event_loop() -> None:
    """A terminal, pipe or file that stalls is written by the writer thread: the loop's turns go on meanwhile."""
    release = threading.Event()

    class BlockedStream(io.StringIO):
        def write(self, text: str) -> int:
            release.wait(10)
            return super().write(text)

    stream = BlockedStream()
    writer = AccessLogWriter(stream)

    async def turns() -> int:
        done = 0
        for number in range(5):
            writer.write(f"{number}\n")
            await asyncio.sleep(0)  # a turn ends; with the write on this thread it would wait for release
            done += 1
        return done

    assert asyncio.run(turns()) == 5
    assert stream.getvalue() == ""  # the stream is still blocked
    release.set()
    writer.drain()
    assert stream.getvalue() == "0\n1\n2\n3\n4\n"
