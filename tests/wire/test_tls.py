"""HTTPS (``--tls``): the local CA, the two common OAuth libraries run unchanged, and faults that cut over TLS.

requests-oauthlib refuses ``http://`` outright (``InsecureTransportError``), so "a client changes only the host"
holds for it only over HTTPS: with the base URL and the CA bundle changed, nothing else.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme
from authlib.integrations.httpx_client import OAuth2Client
from oauthlib.oauth2 import BackendApplicationClient, InsecureTransportError
from requests_oauthlib import OAuth2Session

from mock_server.testing import ApidazeMock
from mock_server.tls import CACHE_ENV, ServerCertificate, local_certificate
from tests.markdown import Block, fenced_blocks

ROOT = Path(__file__).resolve().parents[2]

ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cache directory of the module's own, so the first use (making the CA) happens here."""
    directory = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(directory))
        yield directory


@pytest.fixture(scope="module", params=["asyncio", "uvloop"])
def served(request: pytest.FixtureRequest, cache: Path) -> Iterator[ApidazeMock]:
    if request.param == "uvloop":
        pytest.importorskip("uvloop", reason="uvloop is not installed (it does not exist for Windows)")
    with ApidazeMock(loop=request.param, tls=True) as mock:
        yield mock


@pytest.fixture
def mock(served: ApidazeMock) -> ApidazeMock:
    return served.prepare()


def test_the_local_ca_is_made_once_in_the_cache_and_names_this_machine(served: ApidazeMock, cache: Path) -> None:
    assert served.base_url.startswith("https://127.0.0.1:")
    assert served.ca_bundle == str(cache / "tls" / "ca" / "ca.pem")
    assert (cache / "tls" / "ca" / "ca-key.pem").stat().st_mode & 0o077 == 0  # the CA's key: its owner's only
    assert local_certificate(cache).ca_bundle == Path(served.ca_bundle)  # the same CA on every later use
    with served.client(in_process=False) as http:
        assert http.get("/__admin/health").json()["ca_bundle"] == served.ca_bundle
    localhost = served.base_url.replace("127.0.0.1", "localhost")
    assert httpx.get(localhost + "/__admin/health", verify=ssl.create_default_context(cafile=served.ca_bundle))
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(served.base_url + "/__admin/health")  # not trusted without the bundle


def test_first_starts_at_the_same_time_agree_on_one_ca(tmp_path: Path) -> None:
    start = threading.Barrier(4)
    made: list[bytes] = []

    def first_use() -> None:
        start.wait()
        certificate = local_certificate(tmp_path)
        assert certificate.ca_bundle is not None
        made.append(certificate.ca_bundle.read_bytes())

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 4
    assert len(set(made)) == 1
    assert sorted(path.name for path in (tmp_path / "tls").iterdir()) == ["ca", "localhost.pem"]


def test_requests_oauthlib_needs_only_the_base_url_and_the_ca_bundle(mock: ApidazeMock) -> None:
    client_id, client_secret = mock.credentials
    ca = mock.ca_bundle  # requests reads REQUESTS_CA_BUNDLE over Session.verify, so it goes with each call
    session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
    with session:
        session.fetch_token(mock.token_url, client_id=client_id, client_secret=client_secret, verify=ca)
        created = session.post(mock.api_url + "/sipaccounts", data={"username": "alice"}, verify=ca)
        assert created.status_code == 200  # response style kpn, the default
        listed = session.get(mock.api_url + "/sipaccounts", verify=ca).json()
        assert [account["sip"]["username"] for account in listed] == ["alice"]
    # Over plain HTTP the library refuses to send credentials at all.
    plain = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
    with plain, pytest.raises(InsecureTransportError):
        plain.fetch_token("http://127.0.0.1:9/oauth/client_credential/accesstoken", client_secret=client_secret)


def test_authlib_needs_only_the_base_url_and_the_ca_bundle(mock: ApidazeMock) -> None:
    client_id, client_secret = mock.credentials
    verify = ssl.create_default_context(cafile=mock.ca_bundle)
    with OAuth2Client(client_id, client_secret, token_endpoint=mock.token_url, verify=verify) as client:
        client.fetch_token(grant_type="client_credentials")
        created = client.post(mock.api_url + "/sipaccounts", data={"username": "bob"})
        assert created.status_code == 200  # response style kpn, the default
        assert client.get(mock.api_url + "/sipaccounts").json()[0]["sip"]["username"] == "bob"


def test_drop_and_truncate_cut_a_tls_connection(mock: ApidazeMock) -> None:
    # Under TLS a reset reaches Python's ssl as an end without close_notify, which httpx reports as a disconnect.
    mock.faults.add(method="GET", path="/sipaccounts", action="drop", times=1)
    mock.faults.add(method="POST", path="/sipaccounts", action="truncate", times=1)
    with mock.client(in_process=False, timeout=5) as http:
        headers = {"Authorization": f"Bearer {mock.token()}"}
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            http.get(ACCOUNTS, headers=headers)
        with pytest.raises(httpx.RemoteProtocolError, match="without sending complete message body"):
            http.post(ACCOUNTS, data={"username": "carol"}, headers=headers)
        assert http.get(ACCOUNTS, headers=headers).json()[0]["sip"]["username"] == "carol"  # done, reply lost
    assert [entry["fault"] for entry in mock.journal(path="/sipaccounts", limit=3)[1:]] == [
        "rule 2: truncate",
        "rule 1: drop",
    ]
    mock.faults.assert_all_fired()


def test_a_users_own_certificate(tmp_path: Path) -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    with ApidazeMock(tls=ServerCertificate(cert, key)) as mock:
        assert mock.ca_bundle is None
        verify = ssl.create_default_context()
        ca.configure_trust(verify)
        health = httpx.get(mock.base_url + "/__admin/health", verify=verify).json()
        assert health["status"] == "ok"
        assert "ca_bundle" not in health  # the user's own CA: the emulator does not know its file


README_TLS_BLOCKS = [block for block in fenced_blocks(ROOT / "README.md") if block.info.split() == ["python", "tls"]]


@pytest.mark.parametrize("block", README_TLS_BLOCKS, ids=str)
def test_the_readmes_tls_examples_run(block: Block, served: ApidazeMock) -> None:
    served.prepare()
    env = {**os.environ, "APIDAZE_URL": served.base_url, "APIDAZE_CA_BUNDLE": str(served.ca_bundle)}
    result = subprocess.run(
        [sys.executable, "-c", block.code], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout) == (0, "200\n"), result.stderr


def test_the_readme_shows_both_libraries() -> None:
    assert ["requests_oauthlib" in README_TLS_BLOCKS[0].code, "authlib" in README_TLS_BLOCKS[1].code] == [True, True]
