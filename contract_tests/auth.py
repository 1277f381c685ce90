"""OAuth 2.0 client credentials for the contract tests, and a polite HTTP session for live runs.

``ClientCredentialsAuth`` is the schemathesis auth provider: schemathesis caches what it returns for
``TOKEN_REFRESH_SECONDS`` and asks again after any 401 (``retry_on``), replaying the request once with the new token.
``TokenSource`` does the same for the hypothesis state machine: one token, reused until ``expires_in`` (less a
margin) runs out or a 401 says it is gone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from schemathesis.python.asgi import ASGIClient

from contract_tests import settings

# A 429 is waited out at most this many times in a row before its answer is handed to the test (and fails it).
MAX_429_RETRIES = 3
# Fetch a new token this long before the old one expires, so no request races the expiry.
EXPIRY_MARGIN_SECONDS = 30.0


def retry_after_seconds(response: requests.Response) -> float | None:
    """``Retry-After`` in seconds (RFC 9110 allows only delta-seconds or an HTTP date; we take the former)."""
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


class PoliteSession(requests.Session):
    """A session for live runs that never hammers: on 429 it sleeps ``Retry-After`` and sends again.

    It gives up (and returns the 429, which fails the test) when the wait is longer than
    ``APIDAZE_MAX_RETRY_AFTER`` or after ``MAX_429_RETRIES`` waits: a quota that is used up for the rest of the
    hour is a finding, not something to sit out.
    """

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__()
        self._sleep = sleep
        self.waited: list[float] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = super().send(request, **kwargs)
        for _ in range(MAX_429_RETRIES):
            if response.status_code != 429:
                break
            delay = retry_after_seconds(response)
            if delay is None:
                delay = 1.0  # no usable Retry-After: back off a little rather than retry at once
            if delay > settings.MAX_RETRY_AFTER:
                break
            self.waited.append(delay)
            response.close()  # schemathesis streams answers: give the connection back before waiting
            self._sleep(delay)
            response = super().send(request, **kwargs)
        return response


_live_session: PoliteSession | None = None


def live_session() -> PoliteSession:
    """The one session of a live run, shared by token fetches, schemathesis and the state machine."""
    global _live_session
    if _live_session is None:
        _live_session = PoliteSession()
    return _live_session


class TokenError(RuntimeError):
    pass


def fetch_token(app: Any | None = None) -> tuple[str, float]:
    """A new access token and its lifetime in seconds: from ``app`` in-process, else from ``APIDAZE_TOKEN_URL``."""
    form = {
        "grant_type": "client_credentials",
        "client_id": settings.CLIENT_ID,
        "client_secret": settings.CLIENT_SECRET,
    }
    if app is not None:
        with ASGIClient(app) as client:
            response = client.post(settings.TOKEN_PATH, data=form)
    else:
        response = live_session().post(settings.TOKEN_URL, data=form, timeout=settings.REQUEST_TIMEOUT)
    if response.status_code != 200:
        # Never echo the secret; the OAuth error body names the problem.
        raise TokenError(
            f"token request for client {settings.CLIENT_ID!r} answered {response.status_code}: {response.text[:300]}"
        )
    body = response.json()
    lifetime = float(body.get("expires_in") or settings.TOKEN_REFRESH_SECONDS)
    return str(body["access_token"]), lifetime


class TokenSource:
    """One token, fetched on first use and again when it is about to expire or after :meth:`invalidate`."""

    def __init__(self, app: Any | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._app = app
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self.fetches = 0

    def token(self) -> str:
        if self._token is None or self._clock() >= self._expires:
            self._token, lifetime = fetch_token(self._app)
            self._expires = self._clock() + max(lifetime - EXPIRY_MARGIN_SECONDS, lifetime / 2)
            self.fetches += 1
        return self._token

    def invalidate(self) -> None:
        self._token = None


class ClientCredentialsAuth:
    """Schemathesis auth provider: a bearer token from the client-credentials grant.

    Registered with ``schema.auth(refresh_interval=TOKEN_REFRESH_SECONDS, retry_on=[401])``, so schemathesis
    calls :meth:`get` once, again when the interval has passed, and again after a 401. Every call of :meth:`get` is
    therefore a request for a *new* token.
    """

    def get(self, case: Any, ctx: Any) -> str:
        token, _ = fetch_token(ctx.app)
        return token

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
