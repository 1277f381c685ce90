"""A tiny APIdaze client, the kind a user fuzzes against apidaze-mock: token caching, timeouts, retries.

It retries a call on 429 and 5xx (waiting ``Retry-After`` when given), on timeouts and on broken connections, and
fetches a new token once when one is refused. Creating an account is made safe to retry: if a retried create meets
409 (the first attempt did go through, only its reply was lost), it looks the account up instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

API = "/communication/apidaze/cpaas"
TOKEN_PATH = "/oauth/client_credential/accesstoken"
RETRY_STATUSES = {429, 500, 502, 503, 504}


class ApidazeError(Exception):
    """The API kept failing, or refused the call."""


class ApidazeClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        attempts: int = 5,
        timeout: float = 2.0,
        backoff: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
        self.credentials = {"client_id": client_id, "client_secret": client_secret}
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep
        self._token: str | None = None

    def close(self) -> None:
        self.http.close()

    def list_sip_accounts(self) -> list[dict[str, Any]]:
        accounts: list[dict[str, Any]] = self._call("GET", f"{API}/sipaccounts").json()
        return accounts

    def create_sip_account(self, username: str, name: str = "") -> dict[str, Any]:
        reply = self._call("POST", f"{API}/sipaccounts", data={"username": username, "name": name}, conflict_ok=True)
        if reply.status_code == 409:
            # An earlier attempt created it and we never saw the answer: find it rather than fail.
            for account in self.list_sip_accounts():
                if account["sip"]["username"] == username:
                    return account
            raise ApidazeError(f"409 for {username!r}, yet no such account")
        created: dict[str, Any] = reply.json()[0]
        return created

    def _call(self, method: str, path: str, *, conflict_ok: bool = False, **options: Any) -> httpx.Response:
        retried = False
        refreshed = False
        for attempt in range(self.attempts):
            try:
                reply = self.http.request(method, path, headers={"Authorization": f"Bearer {self.token()}"}, **options)
            except httpx.TransportError:
                # Timeout, reset connection, truncated body: the call may or may not have happened.
                retried = True
                self._wait(attempt, None)
                continue
            if reply.status_code == 401 and not refreshed:
                self._token, refreshed = None, True
                continue
            if reply.status_code in RETRY_STATUSES:
                retried = True
                self._wait(attempt, reply.headers.get("Retry-After"))
                continue
            if reply.status_code == 409 and conflict_ok and retried:
                return reply
            if reply.status_code >= 400:
                raise ApidazeError(f"{method} {path}: {reply.status_code} {reply.text}")
            return reply
        raise ApidazeError(f"{method} {path}: still failing after {self.attempts} attempts")

    def token(self) -> str:
        if self._token is None:
            for attempt in range(self.attempts):
                try:
                    reply = self.http.post(TOKEN_PATH, data={"grant_type": "client_credentials", **self.credentials})
                except httpx.TransportError:
                    self._wait(attempt, None)
                    continue
                if reply.status_code == 200:
                    self._token = reply.json()["access_token"]
                    break
                if reply.status_code not in RETRY_STATUSES:
                    raise ApidazeError(f"token: {reply.status_code} {reply.text}")
                self._wait(attempt, reply.headers.get("Retry-After"))
            else:
                raise ApidazeError("token: still failing")
        assert self._token is not None
        return self._token

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        delay = float(retry_after) if retry_after and retry_after.isdigit() else self.backoff * 2**attempt
        self.sleep(min(delay, 30.0))
