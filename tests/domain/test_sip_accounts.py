from __future__ import annotations

import pytest

from mock_server.domain.sip_accounts import SipAccountStore
from mock_server.errors import SipAccountAlreadyExists, SipAccountNotFound
from tests.domain.conftest import FakeNow


def test_create_maps_flat_fields_onto_kpn_groups(store: SipAccountStore) -> None:
    account = store.create(
        "alice",
        {
            "name": "Alice",
            "internal_caller_id_number": "101",
            "external_caller_id_number": "+3120",
            "mwi_account": "vm1",
        },
    )
    body = account.to_api()
    assert body["sip"]["username"] == "alice"
    assert body["callerid"] == {
        "internal_name": "Alice",
        "internal_number": "101",
        "external_name": "Alice",
        "external_number": "+3120",
    }
    assert body["voicemail"] == {"mwi_account": "vm1"}
    assert body["created_at"] == body["updated_at"] == "1970-01-01T00:16:40.000Z"


def test_passwords_are_strong_and_distinct(store: SipAccountStore) -> None:
    passwords = {store.create(f"user{i}", {}).password for i in range(50)}
    assert len(passwords) == 50
    assert all(len(password) >= 20 for password in passwords)


def test_usernames_are_unique(store: SipAccountStore) -> None:
    store.create("alice", {})
    with pytest.raises(SipAccountAlreadyExists):
        store.create("alice", {"name": "again"})
    assert len(store.list()) == 1


def test_deleted_username_can_be_taken_again_but_id_is_never_reused(store: SipAccountStore) -> None:
    first = store.create("alice", {})
    store.delete(first.id)
    second = store.create("alice", {})
    assert second.id != first.id
    with pytest.raises(SipAccountNotFound):
        store.get(first.id)


def test_update_changes_only_given_fields_and_moves_updated_at(store: SipAccountStore, now: FakeNow) -> None:
    account = store.create("alice", {"name": "Alice", "mwi_account": "vm1"})
    now.value += 60
    updated = store.update(account.id, {"mwi_account": ""})
    assert updated.name == "Alice"
    assert updated.mwi_account == ""
    assert updated.created_at == account.created_at
    assert updated.updated_at == account.updated_at + 60
    assert updated.password == account.password


def test_status_follows_registration(store: SipAccountStore) -> None:
    account = store.create("alice", {})
    assert account.to_status("d.example")["status"] == "Not registered"
    registered = store.set_registration(account.id, True, "sip:alice@192.0.2.1")
    assert registered.to_status("d.example")["status"] == "Registered"
    assert registered.to_status("d.example")["uri"] == "sip:alice@d.example"
    assert store.set_registration(account.id, False, "ignored").contact == ""


def test_unknown_ids_are_not_found(store: SipAccountStore) -> None:
    for action in (store.get, store.delete, lambda i: store.update(i, {})):
        with pytest.raises(SipAccountNotFound):
            action("42")
