"""Deliberately broken emulators, to prove the suite can fail.

Each variant is a fresh emulator, broken in one way: wrapped at the ASGI level (what a client sees changes) or with
one domain method patched for the duration of a test (what the emulator does changes). ``test_variants.py`` runs
the schemathesis checks or the state machine against each and asserts the expected check catches it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract_tests import settings
from mock_server.app import Emulator, create_app
from mock_server.domain.clients import QuotaPolicy
from mock_server.domain.sip_accounts import SipAccount, SipAccountStore


class RewriteReply:
    """Changes the status, headers or JSON body of matching answers of the API."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        when: Callable[[Scope], bool],
        status: Callable[[int], int] | None = None,
        headers: Callable[[list[tuple[bytes, bytes]]], list[tuple[bytes, bytes]]] | None = None,
        body: Callable[[Any], Any] | None = None,
    ) -> None:
        self.app, self.when, self.status, self.headers, self.body = app, when, status, headers, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.when(scope):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            raw = b"".join(chunks)
            if self.body is not None and raw:
                raw = json.dumps(self.body(json.loads(raw))).encode()
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"content-length", str(len(raw)).encode()))
            if self.headers is not None:
                headers = self.headers(headers)
            status = self.status(start["status"]) if self.status is not None else start["status"]
            await send({**start, "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": raw})

        await self.app(scope, receive, capture)


def _api(scope: Scope) -> bool:
    return str(scope["path"]).startswith(settings.API_PREFIX)


def _sip_collection(scope: Scope) -> bool:
    return str(scope["path"]).rstrip("/") == f"{settings.API_PREFIX}/sipaccounts"


def _sip_item(scope: Scope) -> bool:
    return re.fullmatch(rf"{re.escape(settings.API_PREFIX)}/sipaccounts/[^/]+", str(scope["path"])) is not None


def _drop_updated_at(body: Any) -> Any:
    if isinstance(body, list):
        return [{k: v for k, v in item.items() if k != "updated_at"} if "sip" in item else item for item in body]
    return body


class IgnoreAuth:
    """Authorises every API call as the fixture client, whatever its Authorization header says."""

    def __init__(self, emulator: Emulator) -> None:
        self.app = emulator
        self.token = emulator.state.tokens.issue(settings.CLIENT_ID).value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _api(scope):
            headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
            scope = {**scope, "headers": [*headers, (b"authorization", f"Bearer {self.token}".encode())]}
        await self.app(scope, receive, send)


@dataclass
class Variant:
    """One way to break the emulator, and the check expected to notice."""

    name: str
    catches: str  # schemathesis check name, or "model" for the hypothesis state machine
    wrap: Callable[[Emulator], ASGIApp] = lambda emulator: emulator
    patches: Callable[[], list[tuple[Any, str, Any]]] = lambda: []  # (owner, attribute, replacement)
    phases: tuple[str, ...] | None = None  # schemathesis phases to run; all when None
    max_examples: int = 10
    positive_only: bool = False  # stateful walks without negative steps reach deep states more often

    @contextmanager
    def build(self) -> Iterator[tuple[ASGIApp, Emulator]]:
        """A fresh, broken emulator; domain patches are undone on exit."""
        emulator = create_app()
        undo = []
        for owner, attribute, replacement in self.patches():
            undo.append((owner, attribute, getattr(owner, attribute)))
            setattr(owner, attribute, replacement)
        try:
            yield self.wrap(emulator), emulator
        finally:
            for owner, attribute, original in reversed(undo):
                setattr(owner, attribute, original)


# -- domain breakages -------------------------------------------------------------------------------------------

_original_update = SipAccountStore.update
_original_delete = SipAccountStore.delete
_original_list = SipAccountStore.list
_original_create = SipAccountStore.create


def _update_crashing_on_mwi(self: SipAccountStore, account_id: str, fields: Any) -> SipAccount:
    if "mwi_account" in fields:
        raise RuntimeError("variant: crash when an update sets mwi_account")
    return _original_update(self, account_id, fields)


def _delete_but_keep_listing(self: SipAccountStore, account_id: str) -> SipAccount:
    account = _original_delete(self, account_id)
    self.__dict__.setdefault("_ghosts", []).append(account)
    return account


def _list_with_ghosts(self: SipAccountStore) -> list[SipAccount]:
    return _original_list(self) + list(self.__dict__.get("_ghosts", []))


def _delete_nothing(self: SipAccountStore, account_id: str) -> SipAccount:
    return self.get(account_id)


def _create_reusing_ids(self: SipAccountStore, username: str, fields: Any) -> SipAccount:
    self.next_id = len(self.list()) + 1  # the classic bug: "next id = count + 1"
    return _original_create(self, username, fields)


def _expire_tokens_at_once(emulator: Emulator) -> ASGIApp:
    emulator.state.tokens.lifetime_seconds = 0  # every token is expired the moment it is issued
    return emulator


def _throttle(emulator: Emulator) -> ASGIApp:
    client = emulator.state.clients.get(settings.CLIENT_ID)
    assert client is not None
    emulator.state.clients.add(replace(client, quota=QuotaPolicy(limit=30, interval=1, time_unit="hour")))
    return emulator


VARIANTS = [
    Variant(
        "required response field dropped",
        "response_schema_conformance",
        wrap=lambda emulator: RewriteReply(emulator, when=_api, body=_drop_updated_at),
    ),
    Variant(
        "wrong status code (create answers 202, which no style documents)",
        "status_code_conformance",
        wrap=lambda emulator: RewriteReply(
            emulator,
            when=lambda scope: _sip_collection(scope) and scope["method"] == "POST",
            status=lambda status: 202 if status == 200 else status,
        ),
    ),
    Variant(
        "quota-used header missing",
        "response_headers_conformance",
        wrap=lambda emulator: RewriteReply(
            emulator, when=_api, headers=lambda headers: [(k, v) for k, v in headers if k != b"quota-used"]
        ),
    ),
    Variant(
        "500 when an update sets mwi_account",
        "not_a_server_error",
        patches=lambda: [(SipAccountStore, "update", _update_crashing_on_mwi)],
    ),
    Variant(
        "delete answers 200 but keeps the account",
        "use_after_free",
        patches=lambda: [(SipAccountStore, "delete", _delete_nothing)],
        # Only link-walking scenarios can see it: a walk must delete and then read the same id. Schemathesis' stateful
        # engine is not fully deterministic under a seed; with negative steps a run of 40 walks missed it about one
        # time in five, with positive walks only it never did (8/8), and the test allows three runs.
        phases=("stateful",),
        max_examples=40,
        positive_only=True,
    ),
    Variant(
        "created account cannot be read (GET by id answers 404)",
        "ensure_resource_availability",
        wrap=lambda emulator: RewriteReply(
            emulator,
            when=lambda scope: scope["method"] == "GET" and _sip_item(scope),
            status=lambda status: 404 if status == 200 else status,
        ),
        phases=("stateful",),
        max_examples=40,
        positive_only=True,
    ),
    Variant(
        "405 without an Allow header",
        "unsupported_method",
        wrap=lambda emulator: RewriteReply(
            emulator, when=_api, headers=lambda headers: [(k, v) for k, v in headers if k.lower() != b"allow"]
        ),
        phases=("coverage",),
    ),
    Variant(
        "auth ignored (any or no token is accepted)",
        "ignored_auth",
        wrap=IgnoreAuth,
    ),
    Variant(
        "throttled in-process run (quota 30 an hour)",
        "positive_data_acceptance",
        wrap=_throttle,
    ),
    Variant(
        "token lost: every token is expired when issued (401 on every call)",
        "positive_data_acceptance",
        wrap=_expire_tokens_at_once,
    ),
    Variant(
        "deleted account still listed",
        "model",
        patches=lambda: [
            (SipAccountStore, "delete", _delete_but_keep_listing),
            (SipAccountStore, "list", _list_with_ghosts),
        ],
    ),
    Variant(
        "ids reused after delete",
        "model",
        patches=lambda: [(SipAccountStore, "create", _create_reusing_ids)],
    ),
    # The contract documents 201 too (style upstream), so no schemathesis check can see this: only the model, which
    # knows the style the target answers in.
    Variant(
        "create answers the other style's status (201 in style kpn)",
        "model",
        wrap=lambda emulator: RewriteReply(
            emulator,
            when=lambda scope: _sip_collection(scope) and scope["method"] == "POST",
            status=lambda status: 201 if status == 200 else status,
        ),
    ),
]
