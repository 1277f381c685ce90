"""A seed file may name the ids its resources keep (``ids``), as a recording of a real account does."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.clock import Clock
from mock_server.fixtures import FixtureError, parse_fixtures
from mock_server.state import EmulatorState


def seed(**client: Any) -> dict[str, Any]:
    accounts = [{"username": name} for name in ("alice", "bob", "carol", "dave")]
    return {"clients": [{"client_id": "a", "client_secret": "s", "sip_accounts": accounts, **client}]}


def state_of(document: dict[str, Any]) -> EmulatorState:
    return EmulatorState(parse_fixtures(document), Clock())


def test_named_ids_are_kept_and_the_others_follow_the_highest_in_order() -> None:
    state = state_of(seed(ids={"sip_accounts": {"bob": "17", "dave": "3"}}))
    store = state.backends["a"].sip_accounts
    assert [(account.username, account.id) for account in store.list()] == [
        ("alice", "18"),
        ("bob", "17"),
        ("carol", "19"),
        ("dave", "3"),
    ]
    assert store.create("eve", {}).id == "20"


def test_without_ids_accounts_are_numbered_as_listed() -> None:
    store = state_of(seed()).backends["a"].sip_accounts
    assert [account.id for account in store.list()] == ["1", "2", "3", "4"]


def test_ids_need_not_be_numbers_and_survive_a_reset() -> None:
    state = state_of(seed(ids={"sip_accounts": {"alice": "acc-9f"}}))
    state.backends["a"].sip_accounts.delete("acc-9f")
    state.reset("a")
    assert state.backends["a"].sip_accounts.get("acc-9f").username == "alice"
    assert [account.id for account in state.backends["a"].sip_accounts.list()] == ["acc-9f", "1", "2", "3"]


def test_the_external_script_keeps_its_id() -> None:
    state = state_of(seed(external_script={"url": "http://127.0.0.1/ivr.xml"}, ids={"external_script": "42"}))
    scripts = state.backends["a"].external_scripts
    assert scripts.get("42").url == "http://127.0.0.1/ivr.xml"
    scripts.delete("42")
    assert scripts.create("http://127.0.0.1/b.xml").id == "43"


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ({"sip_accounts": {"zoe": "1"}}, "/clients/0/ids/sip_accounts: no SIP account has the username 'zoe'"),
        ({"sip_accounts": {"alice": "5", "bob": "5"}}, "/clients/0/ids/sip_accounts: two SIP accounts share an id"),
        ({"external_script": "1"}, "/clients/0/ids/external_script: the client has no external_script"),
        ({"sip_accounts": {"alice": ""}}, "/clients/0/ids/sip_accounts/alice"),
        ({"sip_accounts": {"alice": "x" * 65}}, "/clients/0/ids/sip_accounts/alice"),
        ({"sip_accounts": {"not valid": "1"}}, "/clients/0/ids/sip_accounts"),
        ({"scripts": "1"}, "/clients/0/ids"),
    ],
)
def test_ids_that_cannot_be_kept_stop_the_load(ids: dict[str, Any], message: str) -> None:
    with pytest.raises(FixtureError, match=message):
        parse_fixtures(seed(ids=ids))
