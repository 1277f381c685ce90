"""A small HTTP client for the hypothesis state machine: one token, 401 refresh, and a curl line per request.

A :class:`Target` is what the model talks to. In-process it wraps the emulator's ASGI app and drives its state
directly (reset, registrations, clock); live it talks HTTP, and uses the emulator's control plane under
``/__admin`` when the target has one. Against the real KPN API there is no control plane: the model then keeps
what existed before the run, cleans up after itself, and skips the registration rule.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass
from typing import Any

import requests
from schemathesis.python.asgi import ASGIClient

from contract_tests import replay, settings
from contract_tests.auth import TokenSource, live_session
from mock_server.app import Emulator


def curl(request: requests.PreparedRequest) -> str:
    """A command that replays ``request``; the token is left as ``$APIDAZE_TOKEN`` (it expires anyway), and an
    in-process request goes to ``$APIDAZE_URL`` (see :func:`contract_tests.replay.pasteable`)."""
    parts = ["curl", "-X", str(request.method), shlex.quote(str(request.url))]
    for name, value in request.headers.items():
        if name.lower() == "authorization":
            parts += ["-H", shlex.quote(f"{name}: {replay.MARKER}")]
        elif name.lower() in ("content-type", "accept"):
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.body:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        parts += ["--data-raw", shlex.quote(body)]
    return replay.pasteable(" ".join(parts))


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]
    curl: str

    def describe(self) -> str:
        return f"{self.status} {json.dumps(self.body)[:500]}\nreproduce: {self.curl}"


@dataclass
class Target:
    """Where the model sends requests, and which controls over the emulator it has."""

    session: requests.Session
    base_url: str  # "" in-process
    tokens: TokenSource
    app: Emulator | None = None
    control: bool = False  # live: the emulator's /__admin control plane answers
    # The response style the target answers in; None: unknown (live), so either documented answer is accepted.
    style: str | None = None
    # Whether the model may send JSON bodies: a leniency of the emulator, outside KPN's contract.
    json_bodies: bool = False

    @property
    def can_reset(self) -> bool:
        return self.app is not None or self.control

    def request(self, method: str, path: str, form: dict[str, str] | None = None, *, as_json: bool = False) -> Reply:
        """Send ``form`` form-encoded (as KPN documents it) or, with ``as_json``, as a JSON object."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.tokens.token()}", "Accept": "application/json"}
            body = {"json": form} if as_json and form is not None else {"data": form}
            response = self.session.request(
                method, self.base_url + path, headers=headers, timeout=settings.REQUEST_TIMEOUT, **body
            )
            if response.status_code == 401 and attempt == 1:
                self.tokens.invalidate()  # expired or revoked: fetch a new token once and replay
                continue
            break
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        return Reply(response.status_code, body, dict(response.headers), curl(response.request))

    def reset(self) -> None:
        # Tokens of fixture clients survive a reset; should one not, the 401 refresh in request() covers it.
        if self.app is not None:
            self.app.state.reset(settings.CLIENT_ID)
        elif self.control:
            self._admin("POST", "/__admin/reset", {"client_id": settings.CLIENT_ID})

    def set_registration(self, account_id: str, registered: bool) -> None:
        contact = "sip:contract@192.0.2.10:5060" if registered else ""
        if self.app is not None:
            store = self.app.state.backends[settings.CLIENT_ID].sip_accounts
            store.set_registration(account_id, registered, contact)
        else:
            path = f"/__admin/sipaccounts/{settings.CLIENT_ID}/{account_id}/registration"
            self._admin("PUT", path, {"registered": registered, "contact": contact})

    def tick(self) -> None:
        """Let time pass, so a write that follows is at a later millisecond than the one before."""
        if self.app is not None:
            self.app.state.clock.advance(0.005)
        elif self.control:
            self._admin("POST", "/__admin/clock", {"advance_seconds": 0.005})
        else:
            time.sleep(settings.UPDATE_GAP_SECONDS)  # the real platform may write whole seconds

    def _admin(self, method: str, path: str, body: dict[str, Any]) -> None:
        response = self.session.request(
            method, self.base_url + path, json=body, headers=admin_headers(), timeout=settings.REQUEST_TIMEOUT
        )
        if response.status_code >= 300:
            raise RuntimeError(f"control plane {method} {path} answered {response.status_code}: {response.text}")


def admin_headers() -> dict[str, str]:
    """The emulator's control plane wants its own bearer token when it was started with ``--admin-token``."""
    return {"Authorization": f"Bearer {settings.ADMIN_TOKEN}"} if settings.ADMIN_TOKEN else {}


def in_process_target(emulator: Emulator, app: Any | None = None) -> Target:
    """The emulator in-process; ``app`` is what requests go through when it is wrapped (broken variants)."""
    app = app if app is not None else emulator
    client = emulator.state.clients.get(settings.CLIENT_ID)
    assert client is not None, f"the fixtures define no {settings.CLIENT_ID!r} client"
    style = client.options(emulator.state.api_options).response_style
    return Target(
        session=ASGIClient(app), base_url="", tokens=TokenSource(app), app=emulator, style=style, json_bodies=True
    )


def live_target(base_url: str) -> Target:
    session = live_session()
    try:
        health = session.get(f"{base_url}/__admin/health", headers=admin_headers(), timeout=settings.REQUEST_TIMEOUT)
        control = health.status_code == 200 and health.json().get("status") == "ok"
    except (requests.RequestException, ValueError):
        control = False
    return Target(
        session=session,
        base_url=base_url,
        tokens=TokenSource(),
        control=control,
        style=settings.RESPONSE_STYLE,
        json_bodies=settings.JSON_BODIES,
    )
