"""REGISTER over plain sockets: digest details (RFC 3261 section 22, RFC 8760), expiry on the emulator's clock."""

from __future__ import annotations

import socket

import pytest
from aiosipua import parse_auth

from mock_server.sip.limits import SipLimits
from tests.sip.conftest import RunningSip


def test_a_register_without_credentials_is_challenged_with_md5_as_freeswitch_does(sip: RunningSip) -> None:
    phone = sip.phone(sip.account("alice"))
    challenge = phone.request("REGISTER", "sip:alpha.example", [("Contact", f"<sip:alice@{phone.host}:{phone.port}>")])
    assert challenge.status_code == 401
    offered = [parse_auth(value) for value in challenge.headers.get("www-authenticate")]
    assert [c.params["algorithm"] for c in offered] == ["MD5"]
    assert {c.params["realm"] for c in offered} == {"alpha.example"}
    assert {c.params["qop"] for c in offered} == {"auth"}
    assert all("stale" not in c.params for c in offered)


SHA256_FIRST = pytest.mark.parametrize("sip_digest", [("SHA-256", "MD5")])


@SHA256_FIRST
def test_with_sha256_on_the_challenges_offer_it_first(sip: RunningSip) -> None:
    challenge = sip.phone(sip.account("alice")).request("REGISTER", "sip:alpha.example")
    offered = [parse_auth(value).params["algorithm"] for value in challenge.headers.get("www-authenticate")]
    assert offered == ["SHA-256", "MD5"]


@SHA256_FIRST
@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_the_right_password_registers_the_account(sip: RunningSip, algorithm: str) -> None:
    account = sip.account("alice")
    phone = sip.phone(account)
    answer = phone.register(300, algorithm=algorithm)
    assert answer.status_code == 200
    contact = f"sip:alice@127.0.0.1:{phone.port}"
    assert answer.headers.get("contact") == [f"<{contact}>;expires=300"]
    registered = sip.get(account.id)
    assert registered.registered
    assert registered.contact == contact


def test_sha256_credentials_are_refused_when_only_md5_is_offered(sip: RunningSip) -> None:
    phone = sip.phone(sip.account("alice"))
    challenge = phone.request("REGISTER", "sip:alpha.example")
    name, value = phone.authorization(challenge, "REGISTER", "sip:alpha.example")
    answer = phone.request(
        "REGISTER", "sip:alpha.example", [(name, value.replace("algorithm=MD5", "algorithm=SHA-256"))]
    )
    assert answer.status_code == 401


@SHA256_FIRST
def test_tcp_registers_and_the_answer_comes_back_on_the_connection(sip: RunningSip) -> None:
    account = sip.account("alice")
    phone = sip.phone(account, transport="tcp")
    assert phone.register(300, algorithm="SHA-256").status_code == 200
    assert sip.run(lambda: sip.state.backends["alpha"].sip_accounts.bindings(account.id))[0].source.startswith("tcp ")


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(sip: RunningSip) -> None:
    account = sip.account("alice")
    wrong = sip.phone(account).register(password="not-it")
    unknown = sip.phone(account._replace(username="mallory")).register()
    assert (
        (wrong.status_code, wrong.reason_phrase) == (unknown.status_code, unknown.reason_phrase) == (403, "Forbidden")
    )
    assert [name for name, _ in wrong.headers.items()] == [name for name, _ in unknown.headers.items()]
    assert not sip.get(account.id).registered


def test_an_account_cannot_register_under_another_clients_domain(sip: RunningSip) -> None:
    account = sip.account("alice", client_id="beta")
    assert sip.phone(account, domain="alpha.example").register().status_code == 403
    assert sip.phone(account, domain="beta.apidaze.local").register().status_code == 200


def test_a_nonce_older_than_its_lifetime_is_answered_with_stale_true(sip: RunningSip) -> None:
    account = sip.account("alice")
    phone = sip.phone(account)
    uri, contact = "sip:alpha.example", [("Contact", f"<sip:alice@{phone.host}:{phone.port}>")]
    challenge = phone.request("REGISTER", uri, contact)
    auth = phone.authorization(challenge, "REGISTER", uri)
    sip.run(lambda: sip.clock.advance(sip.server.limits.nonce_lifetime + 1))
    stale = phone.request("REGISTER", uri, [*contact, auth])
    assert stale.status_code == 401
    assert {parse_auth(value).params.get("stale") for value in stale.headers.get("www-authenticate")} == {"true"}
    # The client retries with the new nonce, without asking anyone for the password.
    assert phone.request("REGISTER", uri, [*contact, phone.authorization(stale, "REGISTER", uri)]).status_code == 200


def test_a_nonce_the_emulator_never_issued_gets_a_fresh_challenge(sip: RunningSip) -> None:
    phone = sip.phone(sip.account("alice"))
    forged = (
        "Authorization",
        'Digest username="alice", realm="alpha.example", nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", '
        'uri="sip:alpha.example", response="00000000000000000000000000000000", algorithm=MD5',
    )
    answer = phone.request("REGISTER", "sip:alpha.example", [forged])
    assert answer.status_code == 401
    assert all("stale" not in parse_auth(value).params for value in answer.headers.get("www-authenticate"))


def test_an_expiry_below_the_minimum_gets_423_with_min_expires(sip: RunningSip) -> None:
    account = sip.account("alice")
    answer = sip.phone(account).register(30)
    assert answer.status_code == 423
    assert answer.headers.get_first("min-expires") == "60"
    assert not sip.get(account.id).registered


def test_an_expiry_above_the_maximum_is_granted_as_the_maximum(sip: RunningSip) -> None:
    answer = sip.phone(sip.account("alice")).register(10**6)
    assert answer.headers.get_first("contact").endswith(f";expires={sip.server.limits.max_expires}")


def test_expires_0_unregisters(sip: RunningSip) -> None:
    account = sip.account("alice")
    phone = sip.phone(account)
    assert phone.register(300).status_code == 200
    answer = phone.register(0)
    assert answer.status_code == 200
    assert answer.headers.get("contact") == []
    assert not sip.get(account.id).registered


def test_contact_star_removes_every_binding(sip: RunningSip) -> None:
    account = sip.account("alice")
    phone = sip.phone(account)
    phone.register(300, contact="<sip:alice@192.0.2.1:5060>")
    phone.register(300, contact="<sip:alice@192.0.2.2:5060>")
    assert phone.register(0, contact="*").status_code == 200
    assert not sip.get(account.id).registered


def test_the_registration_runs_out_when_the_clock_passes_its_expiry(sip: RunningSip) -> None:
    account = sip.account("alice")
    assert sip.phone(account).register(120).status_code == 200
    sip.run(lambda: sip.clock.advance(119))
    assert sip.get(account.id).registered
    sip.run(lambda: sip.clock.advance(1))
    assert not sip.get(account.id).registered


def test_a_register_without_contact_lists_the_bindings(sip: RunningSip) -> None:
    account = sip.account("alice")
    phone = sip.phone(account)
    phone.register(300, contact="<sip:alice@192.0.2.1:5060>")
    sip.run(lambda: sip.clock.advance(100))
    uri = "sip:alpha.example"
    challenge = phone.request("REGISTER", uri)
    answer = phone.request("REGISTER", uri, [phone.authorization(challenge, "REGISTER", uri)])
    assert answer.headers.get("contact") == ["<sip:alice@192.0.2.1:5060>;expires=200"]


def test_options_is_answered_with_what_the_emulator_allows(sip: RunningSip) -> None:
    answer = sip.phone(sip.account("alice")).request("OPTIONS", "sip:alpha.example")
    assert answer.status_code == 200
    assert set(answer.headers.get("allow")) >= {"INVITE", "REGISTER", "OPTIONS", "INFO", "BYE"}


def test_an_unknown_method_gets_405_with_allow(sip: RunningSip) -> None:
    answer = sip.phone(sip.account("alice")).request("SUBSCRIBE", "sip:alpha.example")
    assert answer.status_code == 405
    assert "REGISTER" in answer.headers.get("allow")


@pytest.mark.parametrize("sip_limits", [SipLimits(max_auth_failures=3)])
def test_after_too_many_failures_an_address_is_refused_even_with_the_password(sip: RunningSip) -> None:
    account = sip.account("alice")
    phone = sip.phone(account)
    for _ in range(3):
        assert phone.register(password="guess").status_code == 403
    refused = phone.register()
    assert (refused.status_code, refused.reason_phrase) == (403, "Too Many Failed Authentications")
    assert int(refused.headers.get_first("retry-after")) > 0
    assert not sip.get(account.id).registered


@pytest.mark.parametrize("sip_limits", [SipLimits(flood_burst=5, flood_rate=0.001)])
def test_a_source_that_floods_gets_no_answer(sip: RunningSip) -> None:
    phone = sip.phone(sip.account("alice"), timeout=0.3)
    for _ in range(5):
        assert phone.request("OPTIONS").status_code == 200
    with pytest.raises(socket.timeout):
        phone.request("OPTIONS")


@pytest.mark.parametrize("sip_limits", [SipLimits(max_registrations_per_account=2)])
def test_beyond_the_cap_a_new_contact_replaces_the_oldest(sip: RunningSip) -> None:
    phone = sip.phone(sip.account("alice"))
    for host in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        answer = phone.register(300, contact=f"<sip:alice@{host}:5060>")
    assert answer.headers.get("contact") == [
        "<sip:alice@192.0.2.2:5060>;expires=300",
        "<sip:alice@192.0.2.3:5060>;expires=300",
    ]
