"""One spelling for every header name, on every kind of answer, as it reaches the wire.

uvicorn writes every header name in lower case, so the app sends them so too (``quota-reset-utc``, though KPN's
pages spell ``quota-reset-UTC``: docs/decisions.md, "Header names go out in lower case"). Success, every error the
API makes (429 from quota and from a fault included), the token endpoint, the docs and the control plane: each name
lower case, each once.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlencode, urlsplit

from mock_server.paths import API_PREFIX, TOKEN_PATH
from mock_server.testing import ApidazeMock

ACCOUNTS = f"{API_PREFIX}/sipaccounts"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def exchange(
    base_url: str, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[str, str]]]:
    """Status and headers as sent (http.client keeps each name as it was written)."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=5)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheaders()
    finally:
        connection.close()


def test_every_kind_of_answer_spells_each_header_name_once_in_lower_case(mock: ApidazeMock) -> None:
    upstream = mock.add_client("sdk", response_style="upstream")
    throttled = mock.add_client("one-call", quota={"limit": 1})
    token, sdk, one = (f"Bearer {mock.token(client_id)}" for client_id in (None, upstream[0], throttled[0]))
    mock.faults.add(method="GET", path="/externalscripts", status=429, retry_after=3)
    mock.faults.add(method="GET", path="/sipaccounts/{id}/status", status=503)
    credentials = urlencode({"client_id": upstream[0], "client_secret": upstream[1]}).encode()

    calls: list[tuple[int, str, str, bytes, dict[str, str]]] = [
        (200, "POST", f"{TOKEN_PATH}?grant_type=client_credentials", credentials, FORM),
        (400, "POST", TOKEN_PATH, credentials, FORM),
        (200, "GET", ACCOUNTS, b"", {"Authorization": token}),
        (200, "POST", ACCOUNTS, b"username=alice", {**FORM, "Authorization": token}),
        (201, "POST", ACCOUNTS, b"username=bob", {**FORM, "Authorization": sdk}),
        (202, "PUT", f"{ACCOUNTS}/1", b"name=B", {**FORM, "Authorization": sdk}),
        (204, "DELETE", f"{ACCOUNTS}/1", b"", {"Authorization": sdk}),
        (400, "POST", ACCOUNTS, b"username=", {**FORM, "Authorization": token}),
        (401, "GET", ACCOUNTS, b"", {}),
        (404, "GET", f"{ACCOUNTS}/99", b"", {"Authorization": token}),
        (405, "PATCH", ACCOUNTS, b"", {"Authorization": token}),
        (413, "POST", ACCOUNTS, b"x" * (65 * 1024), {**FORM, "Authorization": token}),
        (415, "POST", ACCOUNTS, b"username=a", {"Content-Type": "text/plain", "Authorization": token}),
        (429, "GET", f"{API_PREFIX}/externalscripts", b"", {"Authorization": token}),
        (503, "GET", f"{ACCOUNTS}/1/status", b"", {"Authorization": token}),
        (200, "GET", ACCOUNTS, b"", {"Authorization": one}),
        (429, "GET", ACCOUNTS, b"", {"Authorization": one}),
        (200, "GET", "/openapi.yaml", b"", {}),
        (200, "GET", "/docs", b"", {}),
        (200, "GET", "/__admin/health", b"", {}),
    ]
    for status, method, path, body, headers in calls:
        got, sent = exchange(mock.base_url, method, path, body, headers)
        where = f"{method} {path} -> {got}"
        assert got == status, where
        names = [name for name, _ in sent]
        assert names == [name.lower() for name in names], f"{where}: {names}"
        assert len(names) == len(set(names)), f"{where}: a name twice in {names}"
        counted = path.startswith(API_PREFIX) and got != 401  # a 401 is refused before quota
        assert ("quota-reset-utc" in names) == counted, f"{where}: {names}"
        if got in (429, 503) and counted:
            assert "retry-after" in names, where
