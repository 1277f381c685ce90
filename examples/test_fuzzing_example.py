"""The "Fuzzing your client" example of docs/control-plane.md, verbatim, so CI keeps it true."""

import httpx
import pytest

API = "/communication/apidaze/cpaas"


def create_account(base_url, credentials, username, attempts=6):
    """The client under test: get a token, create an account, retry what can be retried."""
    client_id, client_secret = credentials
    with httpx.Client(base_url=base_url, timeout=0.5) as http:
        for _ in range(attempts):
            try:
                token = http.post(
                    "/oauth/client_credential/accesstoken",
                    data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
                )
                if token.status_code != 200:
                    continue
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
                reply = http.post(f"{API}/sipaccounts", data={"username": username}, headers=headers)
                if reply.status_code == 200:
                    return reply.json()[0]
                if reply.status_code == 409:  # an earlier attempt went through; we lost its answer
                    listed = http.get(f"{API}/sipaccounts", headers=headers)
                    if listed.status_code == 200:
                        return next(a for a in listed.json() if a["sip"]["username"] == username)
            except httpx.TransportError:  # timeout, reset, half a body: maybe it happened
                continue
        raise RuntimeError("gave up")


def test_retries_after_a_503(apidaze_mock):
    apidaze_mock.faults.add(method="POST", path="/sipaccounts", status=503, times=1)
    create_account(apidaze_mock.base_url, apidaze_mock.credentials, "alice")
    assert apidaze_mock.journal.count(path="/sipaccounts", status=503) == 1
    assert apidaze_mock.journal.count(path="/sipaccounts", status=200) == 1


def test_a_lost_reply_is_not_a_duplicate(apidaze_mock):
    apidaze_mock.faults.add(method="POST", path="/sipaccounts", action="truncate", times=1)
    create_account(apidaze_mock.base_url, apidaze_mock.credentials, "bob")
    assert [a.username for a in apidaze_mock.tenant().sip_accounts.list()] == ["bob"]


def test_times_out_and_tries_again(apidaze_mock):
    apidaze_mock.faults.add(method="POST", path="/sipaccounts", latency_ms=1000, times=1)
    create_account(apidaze_mock.base_url, apidaze_mock.credentials, "carol")
    first, *_ = reversed(apidaze_mock.journal(method="POST", path="/sipaccounts"))
    assert (first["status"], first["fault"]) == (None, "rule 1: delay 1000 ms")  # abandoned: the client left


@pytest.mark.parametrize("seed", range(3))
def test_survives_chaos(apidaze_mock, seed):
    # A quarter of all calls break at random; a failing seed replays exactly. Delays stay clear of the
    # client's timeout, so whether a call times out never depends on how busy the machine is.
    apidaze_mock.faults.chaos(seed, 0.25, latency_ms=[0, 200])
    for n in range(5):
        create_account(apidaze_mock.base_url, apidaze_mock.credentials, f"user{n}")
    assert len(apidaze_mock.tenant().sip_accounts.list()) == 5
    assert apidaze_mock.credentials.client_secret not in str(apidaze_mock.journal())
