"""Stored accounts and tokens are plain tuples the garbage collector stops tracking, so its pauses stay short.

A store holding 100,000 tracked objects made every full collection walk them all (50 to 80 ms under load).
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from mock_server.domain.sip_accounts import SipAccountStore
from mock_server.domain.tokens import TokenStore

STORED = 2000


def tracked_after(store_them: Callable[[], None]) -> int:
    """How many more objects the collector tracks once ``store_them`` has run and a collection has passed."""
    gc.collect()
    before = len(gc.get_objects())
    store_them()
    gc.collect()
    return len(gc.get_objects()) - before


def test_stored_sip_accounts_are_not_tracked() -> None:
    store = SipAccountStore(lambda: 1_700_000_000.0)

    def create() -> None:
        for number in range(STORED):
            store.create(f"user{number}", {"name": f"User {number}", "mwi_account": "vm"})

    assert tracked_after(create) < STORED // 20
    assert len(store.list()) == STORED
    assert store.get("7").username == "user6"


def test_stored_tokens_are_not_tracked() -> None:
    tokens = TokenStore(lambda: 1_700_000_000.0)
    issued: list[str] = []

    def issue() -> None:
        issued.extend(tokens.issue("client").value for _ in range(STORED))

    assert tracked_after(issue) < STORED // 20
    token = tokens.lookup(issued[-1])
    assert token is not None
    assert token.client_id == "client"
