"""``SipAccountStore.version`` moves on every change: the list answer's cached body depends on it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mock_server.domain.sip_accounts import SipAccountStore


def _store() -> SipAccountStore:
    store = SipAccountStore(lambda: 1000.0)
    store.create("alice", {"name": "Alice"})
    return store


@pytest.mark.parametrize(
    "change",
    [
        lambda store: store.create("bob", {}),
        lambda store: store.update("1", {"name": "Alice B"}),
        lambda store: store.update("1", {}),
        lambda store: store.delete("1"),
        lambda store: store.set_registration("1", True, "sip:alice@10.0.0.5"),
        lambda store: store.restore(SipAccountStore(lambda: 0.0).create("carol", {})),
    ],
    ids=["create", "update", "update-nothing", "delete", "registration", "restore"],
)
def test_every_change_moves_the_version(change: Callable[[SipAccountStore], object]) -> None:
    store = _store()
    before = store.version
    change(store)
    assert store.version > before


def test_reads_leave_the_version() -> None:
    store = _store()
    before = store.version
    store.list()
    store.get("1")
    assert store.version == before
