"""SIP registrations of an account: bindings that expire on the emulator's clock, bounded per account."""

from __future__ import annotations

import pytest

from mock_server.domain.registrations import Binding
from mock_server.domain.sip_accounts import SipAccountStore
from mock_server.errors import SipAccountNotFound
from tests.domain.conftest import FakeNow


def test_a_binding_registers_the_account_until_the_clock_passes_its_expiry(
    store: SipAccountStore, now: FakeNow
) -> None:
    account = store.create("alice", {})
    store.register(account.id, Binding("sip:alice@127.0.0.1:5062", expires_at=1060.0, source="udp 127.0.0.1:5062"))
    assert store.get(account.id).registered
    assert store.get(account.id).contact == "sip:alice@127.0.0.1:5062"
    now.value = 1059.9
    assert store.get(account.id).registered
    now.value = 1060.0
    assert not store.get(account.id).registered
    assert store.get(account.id).contact == ""
    assert store.bindings(account.id) == []


def test_expiry_moves_the_store_version_so_cached_lists_are_redone(store: SipAccountStore, now: FakeNow) -> None:
    account = store.create("alice", {})
    store.register(account.id, Binding("sip:a@h", expires_at=1010.0))
    version = store.version
    now.value = 2000.0
    assert [a.registered for a in store.list()] == [False]
    assert store.version > version


def test_the_contact_is_the_binding_refreshed_last(store: SipAccountStore) -> None:
    account = store.create("alice", {})
    store.register(account.id, Binding("sip:a@one", expires_at=2000.0))
    store.register(account.id, Binding("sip:a@two", expires_at=2000.0))
    assert store.get(account.id).contact == "sip:a@two"
    store.register(account.id, Binding("sip:a@one", expires_at=3000.0))
    assert store.get(account.id).contact == "sip:a@one"
    assert [b.contact for b in store.bindings(account.id)] == ["sip:a@two", "sip:a@one"]


def test_beyond_the_limit_the_binding_refreshed_longest_ago_goes(store: SipAccountStore) -> None:
    account = store.create("alice", {})
    for port in range(5):
        store.register(account.id, Binding(f"sip:a@h:{port}", expires_at=2000.0), limit=3)
    assert [b.contact for b in store.bindings(account.id)] == ["sip:a@h:2", "sip:a@h:3", "sip:a@h:4"]


def test_unregister_drops_one_contact_or_all(store: SipAccountStore) -> None:
    account = store.create("alice", {})
    store.register(account.id, Binding("sip:a@one", expires_at=2000.0))
    store.register(account.id, Binding("sip:a@two", expires_at=2000.0))
    assert store.unregister(account.id, "sip:a@two").contact == "sip:a@one"
    assert not store.unregister(account.id).registered


def test_the_control_planes_registration_replaces_the_bindings_and_never_expires(
    store: SipAccountStore, now: FakeNow
) -> None:
    account = store.create("alice", {})
    store.register(account.id, Binding("sip:a@one", expires_at=1010.0))
    store.set_registration(account.id, True, "sip:a@control")
    now.value = 10**9
    assert [b.contact for b in store.bindings(account.id)] == ["sip:a@control"]
    assert store.get(account.id).registered


def test_deleting_an_account_drops_its_registrations(store: SipAccountStore) -> None:
    account = store.create("alice", {})
    store.register(account.id, Binding("sip:a@one", expires_at=2000.0))
    store.delete(account.id)
    assert store.registrations.accounts() == []
    with pytest.raises(SipAccountNotFound):
        store.bindings(account.id)


def test_a_password_reset_ends_every_registration(store: SipAccountStore, now: FakeNow) -> None:
    account = store.create("alice", {})
    store.register(account.id, Binding("sip:a@one", expires_at=2000.0))
    now.value = 1500.0
    reset = store.reset_password(account.id)
    assert reset.password != account.password
    assert reset.updated_at == 1500.0
    assert not reset.registered
    assert store.get(account.id) == reset


def test_a_restored_registered_account_keeps_its_contact(store: SipAccountStore, now: FakeNow) -> None:
    source = SipAccountStore(now)
    account = source.set_registration(source.create("alice", {}).id, True, "sip:a@snap")
    store.restore(account)
    assert store.get(account.id) == account
    assert [b.source for b in store.bindings(account.id)] == ["snapshot"]


def test_by_username_finds_the_account_or_none(store: SipAccountStore) -> None:
    account = store.create("alice", {})
    assert store.by_username("alice") == account
    assert store.by_username("bob") is None
