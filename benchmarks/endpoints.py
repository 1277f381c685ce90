"""The six endpoints the benchmark loads, and the request each kind of server gets for them.

Paths are written out here rather than imported from ``mock_server``: the harness talks to the emulator over HTTP
only, so it keeps working while the emulator's modules move.
"""

from __future__ import annotations

from dataclasses import dataclass

API = "/communication/apidaze/cpaas"
TOKEN_PATH = "/oauth/client_credential/accesstoken?grant_type=client_credentials"  # noqa: S105 (a path)
HEALTH_PATH = "/__admin/health"
THROTTLED_BARE_PATH = f"{API}/throttled"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

# Prism and WireMock check that a bearer token is there, never which one: any value does.
MOCK_TOKEN = "bench-mock-token"  # noqa: S105 (not a secret)

# The seed's client secrets (benchmarks/fixtures.yaml).
SECRETS = {
    "bench-token": "bench-token-secret",
    "bench-reader": "bench-reader-secret",
    "bench-writer": "bench-writer-secret",
    "bench-throttled": "bench-throttled-secret",
}


@dataclass(frozen=True)
class Request:
    """One request as the load generator sends it: ``{n}`` in ``body`` becomes a value unique to each request."""

    method: str
    path: str
    content_type: str | None
    body: str | None
    headers: tuple[str, ...] = ()  # more "Name: value" lines

    def header_map(self, token: str | None) -> dict[str, str]:
        headers = dict(line.split(": ", 1) for line in self.headers)
        if self.content_type:
            headers["Content-Type"] = self.content_type
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers


@dataclass(frozen=True)
class Endpoint:
    name: str
    title: str
    operation: str  # operationId in openapi/apidaze-cpaas.yaml, for the WireMock stubs
    method: str
    path: str
    client: str | None  # the seed client whose token the emulator gets; None: no token (the token call)
    content_type: str | None
    body: str | None
    status: int  # the answer every request must get; anything else is counted as unexpected
    bare_path: str | None = None  # where the bare app answers it, when not on ``path``
    mock_headers: tuple[str, ...] = ()  # what asks Prism and WireMock for this answer

    def request(self, kind: str) -> Request:
        """The request for a server of ``kind``: "emulator", "bare" or "mock" (Prism, WireMock)."""
        if kind == "bare":
            return Request(self.method, self.bare_path or self.path, self.content_type, self.body)
        if kind == "mock":
            return Request(self.method, self.path, self.content_type, self.body, self.mock_headers)
        return Request(self.method, self.path, self.content_type, self.body)

    def token(self, kind: str, tokens: dict[str, str]) -> str | None:
        if self.client is None:
            return None
        return MOCK_TOKEN if kind == "mock" else tokens[self.client]


ENDPOINTS = [
    Endpoint(
        "token",
        "token issue",
        "getAccessToken",
        "POST",
        TOKEN_PATH,
        None,
        FORM,
        "client_id=bench-token&client_secret=bench-token-secret",
        200,
    ),
    Endpoint(
        "list", "SIP account list (10)", "listSipAccounts", "GET", f"{API}/sipaccounts", "bench-reader", None, None, 200
    ),
    Endpoint(
        "read", "SIP account read", "getSipAccount", "GET", f"{API}/sipaccounts/3", "bench-reader", None, None, 200
    ),
    Endpoint(
        "create",
        "SIP account create",
        "createSipAccount",
        "POST",
        f"{API}/sipaccounts",
        "bench-writer",
        FORM,
        "username={n}&name=Bench+account&internal_caller_id_number=101&external_caller_id_number=%2B31201234567",
        200,  # response style kpn, the default: KPN's Swagger
    ),
    Endpoint(
        "update",
        "SIP account update",
        "updateSipAccount",
        "PUT",
        f"{API}/sipaccounts/5",
        "bench-reader",
        FORM,  # as KPN's contract declares it: a JSON body is a leniency, noted in the journal
        "name=Updated+name&internal_caller_id_number=105",
        200,
    ),
    Endpoint(
        "throttled",
        "429 answer",
        "listSipAccounts",
        "GET",
        f"{API}/sipaccounts",
        "bench-throttled",  # one call a month: every call after the first is refused
        None,
        None,
        429,
        bare_path=THROTTLED_BARE_PATH,
        mock_headers=("Prefer: code=429",),  # Prism's way to ask for a status; the WireMock stub matches it too
    ),
]
