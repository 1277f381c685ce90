"""``--record``: what the answers showed becomes a seed file; a fresh emulator loaded with it answers the same reads
the same way (ids and fields), with no secret, token or SIP password in the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mock_server.app import create_app
from mock_server.fixtures import load_fixtures
from mock_server.proxy.recorder import PLACEHOLDER_SECRET, Recorder
from mock_server.spec import component_schema, response_styles
from tests.live_server import serve
from tests.proxy.conftest import API, login, serve_proxy

THROTTLED = ("throttled-client", "throttled-secret")


def without_generated(document: Any) -> Any:
    """An answer without what the emulator makes anew: SIP passwords and timestamps (docs/decisions.md)."""
    if isinstance(document, list):
        return [without_generated(item) for item in document]
    if isinstance(document, dict):
        return {
            key: without_generated(value)
            for key, value in document.items()
            if key not in ("password", "created_at", "updated_at")
        }
    return document


def reads(http: httpx.Client, auth: dict[str, str]) -> dict[str, httpx.Response]:
    """Every read a client makes of its account, by path."""
    answers = {path: http.get(API + path, headers=auth) for path in ("/sipaccounts", "/externalscripts")}
    for account in answers["/sipaccounts"].json():
        for path in (f"/sipaccounts/{account['id']}", f"/sipaccounts/{account['id']}/status"):
            answers[path] = http.get(API + path, headers=auth)
    for script in answers["/externalscripts"].json():
        answers[f"/externalscripts/{script['id']}"] = http.get(API + f"/externalscripts/{script['id']}", headers=auth)
    return answers


def test_a_recording_loads_and_answers_the_recorded_reads_the_same_way(
    tmp_path: Path, client: Callable[[str], httpx.Client]
) -> None:
    upstream_app = create_app()
    with serve(upstream_app) as upstream, serve_proxy(upstream, record=True) as (url, proxy):
        direct, http = client(upstream), client(url)
        # An account with history: ids with a gap, changed fields, a replaced script.
        owner = login(direct)
        for name in ("alice", "bob", "carol"):
            direct.post(API + "/sipaccounts", headers=owner, data={"username": name, "name": name.title()})
        direct.delete(API + "/sipaccounts/3", headers=owner)
        direct.put(
            API + "/sipaccounts/4",
            headers=owner,
            data={"mwi_account": "carol@vm", "external_caller_id_number": "+3120"},
        )
        direct.put(
            API + "/externalscripts/1",
            headers=owner,
            data={"url": "https://scripts.example.com/ivr.xml", "name": "ivr"},
        )
        auth = login(http)
        recorded = reads(http, auth)
        throttled = http.get(API + "/sipaccounts", headers=login(http, *THROTTLED))
        assert proxy.recorder is not None
        path = proxy.recorder.write(tmp_path / "recording")
        upstream_token = auth["Authorization"].split()[1]

    text = path.read_text(encoding="utf-8")
    for secret in (
        "local-secret",
        "throttled-secret",
        upstream_token,
        *(account["sip"]["password"] for account in recorded["/sipaccounts"].json()),
    ):
        assert secret not in text
    assert component_schema("SeedFile").problems(yaml.safe_load(text)) == []

    fresh = create_app(load_fixtures(path))
    with serve(fresh) as replayed:
        again = client(replayed)
        auth = login(again, "local-client", PLACEHOLDER_SECRET)
        replayed_reads = reads(again, auth)
        throttled_again = again.get(API + "/sipaccounts", headers=login(again, THROTTLED[0], PLACEHOLDER_SECRET))

    assert list(replayed_reads) == list(recorded)
    assert [account["id"] for account in recorded["/sipaccounts"].json()] == ["1", "2", "4"]
    for read, answer in recorded.items():
        assert replayed_reads[read].status_code == answer.status_code == 200, read
        assert without_generated(replayed_reads[read].json()) == without_generated(answer.json()), read
    quota = ("quota-limit", "quota-interval", "quota-time-unit")
    assert (
        [throttled_again.headers[name] for name in quota]
        == [throttled.headers[name] for name in quota]
        == ["10", "1", "minute"]
    )


# What the changes below answer: KPN's Swagger (one-element arrays, SIP delete with the record) and the platform
# behind the gateway (single objects, 201 and 202, deletes without a body).
CHANGE_STATUSES = {"kpn": [200, 200, 200, 200, 200, 204, 200], "upstream": [201, 201, 202, 204, 200, 204, 201]}


@pytest.mark.parametrize("style", response_styles())
def test_changes_made_through_the_proxy_are_recorded_in_either_response_style(
    style: str, tmp_path: Path, client: Callable[[str], httpx.Client]
) -> None:
    with (
        serve(create_app(response_style=style)) as upstream,
        serve_proxy(upstream, record=True) as (url, proxy),
    ):
        direct, http = client(upstream), client(url)
        auth = login(http)
        http.get(API + "/sipaccounts", headers=auth)
        http.get(API + "/externalscripts", headers=auth)
        # From here on the recording learns only from each change's own answer.
        changes = [
            http.post(API + "/sipaccounts", headers=auth, data={"username": "alice", "name": "Alice"}),
            http.post(API + "/sipaccounts", headers=auth, data={"username": "bob"}),
            http.put(API + "/sipaccounts/2", headers=auth, data={"name": "Alice A", "mwi_account": "alice@vm"}),
            http.delete(API + "/sipaccounts/3", headers=auth),
            http.get(API + "/sipaccounts/2/status", headers=auth),
            http.delete(API + "/externalscripts/1", headers=auth),
            http.post(API + "/externalscripts", headers=auth, data={"url": "https://example.com/a.xml", "name": "a"}),
        ]
        violations = http.get("/__admin/violations").json()["total"]
        upstream_reads = reads(direct, login(direct))
        assert proxy.recorder is not None
        path = proxy.recorder.write(tmp_path)

    assert [change.status_code for change in changes] == CHANGE_STATUSES[style]
    assert violations == 0
    with serve(create_app(load_fixtures(path), response_style=style)) as replayed:
        again = client(replayed)
        replayed_reads = reads(again, login(again, "local-client", PLACEHOLDER_SECRET))

    assert list(replayed_reads) == list(upstream_reads)
    assert [account["id"] for account in upstream_reads["/sipaccounts"].json()] == ["1", "2"]
    assert [script["id"] for script in upstream_reads["/externalscripts"].json()] == ["2"]
    for read, answer in upstream_reads.items():
        assert replayed_reads[read].status_code == answer.status_code == 200, read
        assert without_generated(replayed_reads[read].json()) == without_generated(answer.json()), read


def test_deletes_and_not_founds_take_resources_out_of_the_recording() -> None:
    recorder = Recorder("https://upstream.example")
    account = {"id": "7", "name": "", "sip": {"username": "alice", "password": "p"}, "callerid": {}, "voicemail": {}}
    script = {"id": "3", "name": "", "url": "https://example.com/a.xml"}
    recorder.observe("c", "getAccessToken", {}, 200, {}, {"expires_in": "3599"})
    recorder.observe("c", "listSipAccounts", {}, 200, {}, [account, {**account, "id": "8", "sip": {"username": "bob"}}])
    recorder.observe("c", "deleteSipAccount", {"id": "7"}, 200, {}, [account])
    recorder.observe("c", "getSipAccount", {"id": "8"}, 404, {}, None)
    recorder.observe("c", "createExternalScript", {}, 201, {}, [script])
    recorder.observe("c", "getExternalScript", {"id": "3"}, 404, {}, None)
    recorder.observe(None, "listSipAccounts", {}, 200, {}, [account])  # a token the proxy never saw issued
    recorder.observe("stranger", "getAccessToken", {}, 401, {}, {"error": "invalid_client"})

    document, notes = recorder.document()
    assert document == {
        "token_lifetime_seconds": 3599,
        "clients": [{"client_id": "c", "client_secret": PLACEHOLDER_SECRET}],
    }
    assert notes == []


def test_values_the_emulator_would_refuse_are_left_out_and_named(tmp_path: Path) -> None:
    # Seed files are checked against the lenient create schemas (KPN's contract and the emulator's storage bounds),
    # so a value only --strict refuses (a caller id with letters, a username with a space) is recorded as seen.
    recorder = Recorder("https://upstream.example")
    accounts = [
        {
            "id": "12",
            "name": "Front desk",
            "sip": {"username": "desk", "password": "p"},
            "callerid": {"internal_name": "Desk", "internal_number": "1" * 65, "external_number": "+31201234567"},
            "voicemail": {"mwi_account": ""},
        },
        {"id": "13", "name": "", "sip": {"username": "u" * 129}},
        {"id": "x" * 80, "name": "", "sip": {"username": "longid"}},
        {"id": "11", "name": "", "sip": {"username": "front desk"}, "callerid": {"internal_number": "anonymous"}},
    ]
    recorder.observe("c", "getAccessToken", {}, 200, {}, {"expires_in": "3599"})
    recorder.observe(
        "c",
        "listSipAccounts",
        {},
        200,
        {"quota-limit": "0", "quota-interval": "1", "quota-time-unit": "minute"},
        accounts,
    )

    document, notes = recorder.document()
    assert document["clients"][0]["sip_accounts"] == [
        {"username": "desk", "name": "Front desk", "external_caller_id_number": "+31201234567"},
        {"username": "longid"},
        {"username": "front desk", "internal_caller_id_number": "anonymous"},
    ]
    assert document["clients"][0]["ids"] == {"sip_accounts": {"desk": "12", "front desk": "11"}}
    assert "quota" not in document["clients"][0]  # a limit of 0 is no quota the emulator can keep
    assert [note.split(":")[0] for note in notes] == [
        "client 'c', SIP account '12'",
        "client 'c', SIP account '12'",
        "client 'c', SIP account '13'",
        "client 'c', SIP account '13'",
        f"client 'c', SIP account '{'x' * 80}'",
    ]
    assert f"internal_caller_id_number {'1' * 65!r} left out" in notes[0]
    assert "is longer than 64 characters" in notes[0]
    assert "callerid.internal_name differs from name" in notes[1]
    assert f"username {'u' * 129!r} left out" in notes[2]
    assert 'not recorded (body: "username" is a required property)' in notes[3]
    path = recorder.write(tmp_path)
    assert load_fixtures(path).clients[0].sip_account_ids == {"desk": "12", "longid": "13", "front desk": "11"}
    assert f"#   - client 'c', SIP account '12': internal_caller_id_number {'1' * 65!r} left out" in path.read_text()
