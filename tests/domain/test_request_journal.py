"""Journal rules: bounded, newest first, filters, redaction. Entries are built by hand; the clock is a number."""

from __future__ import annotations

import base64
import gc
import json
import tracemalloc
from urllib.parse import unquote

import orjson
import pytest

from mock_server.domain.journal import BODY_LIMIT, REDACTED, Journal, JournalEntry

PREFIX = "/communication/apidaze/cpaas"
TOKEN_PATH = "/oauth/client_credential/accesstoken"


def entry(
    *,
    client_id: str | None = "a",
    method: str = "GET",
    path: str = f"{PREFIX}/sipaccounts",
    headers: list[tuple[bytes, bytes]] | None = None,
    fault: str | None = None,
    token_request: bool = False,
    body: list[bytes] | None = None,
    status: int | None = 200,
    response_body: list[bytes] | None = None,
    closed: bool = True,
) -> JournalEntry:
    """An entry as the journal middleware files it: the call's values, and the reply filled in (closed, or live)."""
    made = JournalEntry(
        1_700_000_000.0,
        method,
        path,
        b"",
        [(b"authorization", b"Bearer abcdefghijklmnopqrstuvwxyz12")] if headers is None else headers,
        token_request,
        body or [],
        [b"[]"] if response_body is None else response_body,
    )
    made.client_id = client_id
    made.fault = fault
    made.status = status
    if closed:
        made.close(0.002)
    return made


def test_the_journal_keeps_only_its_capacity_newest_first() -> None:
    journal = Journal(capacity=3)
    for status in (200, 201, 204, 404, 409):
        journal.record(entry(status=status))
    assert len(journal) == 3
    assert [view["status"] for view in journal.entries()] == [409, 404, 204]
    assert [view["id"] for view in journal.entries()] == [5, 4, 3]


def test_filters_combine() -> None:
    journal = Journal(api_prefix=PREFIX)
    journal.record(entry(method="POST", status=201))
    journal.record(entry(method="GET", status=200, client_id="b"))
    journal.record(entry(method="GET", status=404, path=f"{PREFIX}/sipaccounts/9"))
    journal.record(entry(method="DELETE", status=204, path=f"{PREFIX}/externalscripts/1"))
    assert journal.entries(method="get", client_id="a")[0]["status"] == 404
    assert [v["status"] for v in journal.entries(path="/sipaccounts")] == [200, 201]
    assert [v["status"] for v in journal.entries(path="/sipaccounts/{id}")] == [404]
    assert [v["status"] for v in journal.entries(status=201)] == [201]
    assert [v["status"] for v in journal.entries(limit=2)] == [204, 404]
    assert journal.entries(client_id="nobody") == []


def test_the_authorization_header_keeps_its_scheme_but_not_its_credentials() -> None:
    journal = Journal()
    journal.record(entry())
    journal.record(entry(headers=[(b"authorization", b"garbage")]))
    bearer, garbage = reversed(journal.entries())
    assert bearer["headers"]["authorization"] == f"Bearer {REDACTED}"
    assert garbage["headers"]["authorization"] == REDACTED
    assert "abcdefghijklmnopqrstuvwxyz12" not in json.dumps(journal.entries())


def test_token_requests_hide_the_secret_and_the_token() -> None:
    journal = Journal()
    form = b"grant_type=client_credentials&client_id=local-client&client_secret=local-secret"
    reply = json.dumps({"access_token": "T0K3N", "client_id": "local-client", "expires_in": "3599"}).encode()
    journal.record(
        entry(
            client_id="local-client",
            token_request=True,
            method="POST",
            path=TOKEN_PATH,
            headers=[],
            body=[form],
            response_body=[reply],
        )
    )
    basic = base64.b64encode(b"other:other-secret")
    journal.record(
        entry(
            client_id="other",
            token_request=True,
            path=TOKEN_PATH,
            headers=[(b"authorization", b"Basic " + basic)],
            body=[],
        )
    )
    by_basic, by_form = journal.entries()
    assert by_form["client_id"] == "local-client"
    assert "local-secret" not in by_form["body"]
    assert "client_secret=%5Bredacted%5D" in by_form["body"]
    assert json.loads(by_form["response_body"])["access_token"] == REDACTED
    assert by_basic["client_id"] == "other"
    assert by_basic["headers"]["authorization"] == f"Basic {REDACTED}"
    assert journal.entries(client_id="other") == [by_basic]


def test_a_json_body_with_a_client_secret_is_redacted_too() -> None:
    journal = Journal()
    journal.record(entry(body=[b'{"client_id": "x", "client_secret": "hush"}']))
    assert json.loads(journal.entries()[0]["body"]) == {"client_id": "x", "client_secret": REDACTED}


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        # The token endpoint reads client%5Fsecret as client_secret: so must the journal.
        (b"grant_type=client_credentials&client_id=x&client%5Fsecret=hush", b"{}"),
        (b'{"client\\u005fsecret": "hush"}', b"{}"),
        (b'{"nested": [{"Client_Secret": "hush"}]}', b"{}"),
        (b"{}", b'{"access\\u005ftoken": "hush", "token_type": "Bearer"}'),
        (b"{}", b'{"data": {"refresh_token": "hush"}}'),
    ],
)
def test_secrets_are_redacted_by_their_parsed_keys_however_they_are_spelled(body: bytes, reply: bytes) -> None:
    journal = Journal()
    journal.record(entry(body=[body], response_body=[reply]))
    view = journal.entries()[0]
    shown = unquote(view["body"] + view["response_body"])
    assert "hush" not in shown
    assert REDACTED in shown


def test_a_cut_json_reply_naming_a_secret_is_hidden_whole() -> None:
    # What a client saw of a token reply cut in half by the truncate fault: not a whole document.
    journal = Journal()
    journal.record(entry(response_body=[b'{"token_type": "Bearer", "access\\u005ftoken": "t0k3n-h']))
    shown = journal.entries()[0]["response_body"]
    assert "t0k3n" not in shown
    assert shown.startswith(REDACTED)


DEEP = b"[" * 300 + b"]" * 300


@pytest.mark.parametrize(
    "body",
    [
        b'{"client_secret": "hush", "a": ' + DEEP + b"}",  # redacted, then too deep for orjson to write back
        b'{"client_secret": "hush", "pad": "' + b"x" * BODY_LIMIT + b'", "a": ' + DEEP + b"}",  # redacted at close
        b'{"a": ' + DEEP + b"}",  # parsed for the view, then too deep for the control plane to answer
        b"[" * 3000,  # too deep for the stdlib parser
    ],
    ids=["secret", "secret-over-the-limit", "no-secret", "unclosed"],
)
def test_a_deeply_nested_body_is_shown_without_its_secret_and_the_view_can_be_written(body: bytes) -> None:
    journal = Journal()
    journal.record(entry(body=[body], headers=[(b"content-type", b"application/json")]))
    [view] = journal.entries()
    assert "hush" not in view["body"]
    assert view["json"] is None
    orjson.dumps({"requests": [view]})  # as GET /__admin/requests writes it


def test_a_body_without_secrets_is_shown_as_sent() -> None:
    journal = Journal()
    sent = [b'{"username": "alice",  "name": "a:b"}', b"name=x&other=%5F", b"{not json", b"\xff\xfe"]
    for body in sent:
        journal.record(entry(body=[body]))
    shown = [view["body"] for view in reversed(journal.entries())]
    assert shown == [body.decode("utf-8", errors="replace") for body in sent]


def test_bodies_are_kept_to_the_limit() -> None:
    journal = Journal()
    journal.record(entry(body=[b"x" * (BODY_LIMIT + 100)]))
    body = journal.entries()[0]["body"]
    assert len(body) == BODY_LIMIT + 1
    assert body.endswith("…")


def test_a_closed_entry_keeps_only_what_is_shown_of_large_bodies() -> None:
    # 1.6 MB answers kept whole took a served emulator from 68 to 241 MB after 100 script tests.
    journal = Journal(capacity=50)
    reply = b"[" + b'{"line": 1, "element": "bind", "message": "a finding"},' * 30_000 + b"{}]"
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for number in range(50):
            request = b"%d" % number + b"n" * 60_000
            journal.record(entry(body=[request], response_body=[b"%d" % number + reply]))
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 50 * 4 * BODY_LIMIT, kept  # two shown bodies of 8 KiB each, and change; not 50 x 1.7 MB
    view = journal.entries()[0]
    assert view["response_body"].startswith('49[{"line": 1')
    assert len(view["response_body"]) == BODY_LIMIT + 1


def test_huge_headers_paths_and_queries_are_kept_to_the_limit_too() -> None:
    journal = Journal()
    headers = [(b"x-big", b"a" * 1_000_000), *((b"x-%d" % n, b"v") for n in range(20_000))]
    made = JournalEntry(0.0, "GET", "/p" * 40_000, b"q=" + b"x" * 60_000, headers)
    made.close(0.001)
    journal.record(made)
    view = journal.entries()[0]
    assert len(view["path"]) <= BODY_LIMIT + 1
    assert len(view["query"]) <= 2 * BODY_LIMIT
    assert sum(len(name) + len(value) for name, value in view["headers"].items()) <= 2 * BODY_LIMIT
    assert view["headers"]["x-big"].endswith("...")
    assert view["headers"]["…"] == "20000 more headers, not kept"


def test_a_dropped_call_has_no_status_and_names_its_fault() -> None:
    journal = Journal()
    journal.record(entry(status=None, response_body=[], fault="rule 1: drop"))
    view = journal.entries()[0]
    assert (view["status"], view["fault"], view["response_body"]) == (None, "rule 1: drop", "")


def test_clear_forgets_all_or_one_client() -> None:
    journal = Journal()
    journal.record(entry(client_id="a"))
    journal.record(entry(client_id="b"))
    journal.clear("a")
    assert [view["client_id"] for view in journal.entries()] == ["b"]
    journal.clear()
    assert journal.entries() == []
    journal.record(entry())
    assert journal.entries()[0]["id"] == 1  # a full clear starts the ids again


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        Journal(capacity=0)


def test_a_live_entry_shows_what_is_filled_in_later_and_a_closed_one_keeps_it() -> None:
    journal = Journal()
    request_chunks: list[bytes] = [b"name=a"]
    reply_chunks: list[bytes] = []
    live = JournalEntry(1_700_000_000.0, "POST", f"{PREFIX}/sipaccounts", b"", [], False, request_chunks, reply_chunks)
    journal.record(live)
    assert journal.entries()[0]["client_id"] is None
    live.client_id, live.fault = "late", "rule 1: latency"
    request_chunks.append(b"&more=1")
    reply_chunks.append(b"[]")
    live.status = 201
    view = journal.entries()[0]
    assert (view["client_id"], view["fault"], view["body"], view["response_body"]) == (
        "late",
        "rule 1: latency",
        "name=a&more=1",
        "[]",
    )
    assert view["duration_ms"] is None
    live.close(0.5)
    request_chunks.append(b"&after=1")
    assert journal.entries()[0] == {**view, "duration_ms": 500.0}


@pytest.mark.parametrize("size", [6, BODY_LIMIT + 1])
def test_a_closed_entry_holds_nothing_the_garbage_collector_walks(size: int) -> None:
    body = b"name=" + b"a" * (size - 5)
    closed = entry(body=[body], headers=[(b"authorization", b"Bearer x"), (b"host", b"h")], response_body=[body])
    gc.collect()  # untracks the headers tuple, whose items are all bytes
    held = [referent for referent in gc.get_referents(closed) if referent is not JournalEntry]
    assert [referent for referent in held if gc.is_tracked(referent)] == []
