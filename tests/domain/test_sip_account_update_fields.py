"""``SipAccountStore.update`` builds the new account field by field: it must carry every other field over."""

from __future__ import annotations

from mock_server.domain.sip_accounts import SipAccount, SipAccountStore


def test_update_changes_only_the_given_fields_and_the_update_time() -> None:
    now = [1000.0]
    store = SipAccountStore(lambda: now[0])
    created = store.create("alice", {"name": "Alice", "internal_caller_id_number": "101", "mwi_account": "a@vm"})
    registered = store.set_registration(created.id, True, "sip:alice@10.0.0.5:5060")
    now[0] = 2000.0
    updated = store.update(created.id, {"name": "Alice B", "external_caller_id_number": "+31201234567"})
    assert updated == registered._replace(name="Alice B", external_caller_id_number="+31201234567", updated_at=2000.0)
    assert store.get(created.id) == updated


def test_update_knows_every_field_of_sip_account() -> None:
    # update() passes SipAccount's fields positionally; a new field must be added there too.
    assert list(SipAccount._fields) == [
        "id",
        "username",
        "password",
        "name",
        "internal_caller_id_number",
        "external_caller_id_number",
        "mwi_account",
        "created_at",
        "updated_at",
        "registered",
        "contact",
    ]
