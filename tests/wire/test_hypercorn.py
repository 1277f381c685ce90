"""The emulator is a plain ASGI app: served by a second server (hypercorn), every answer keeps its contract.

Each answer is checked against what ``openapi/apidaze-cpaas.yaml`` declares for its operation and status: every
required header present, the body valid against the declared schema. The faults that need to cut a connection
cannot run under hypercorn; they answer 503 ``FaultUnavailable`` instead, in the API's shape.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from mock_server.app import Emulator, create_app
from mock_server.domain.clients import Client, QuotaPolicy
from mock_server.paths import API_PREFIX, TOKEN_PATH
from mock_server.spec import match_path

hypercorn_asyncio = pytest.importorskip("hypercorn.asyncio")
hypercorn_config = pytest.importorskip("hypercorn.config")


class HypercornThread:
    """hypercorn serving ``app`` on a free loopback port, in a thread with its own event loop."""

    def __init__(self, app: Emulator) -> None:
        self.app = app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.started = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None

    async def _serve(self) -> None:
        config = hypercorn_config.Config()
        config.bind = [f"fd://{self.sock.detach()}"]  # hypercorn owns and closes it from here
        config.accesslog = None
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self.loop.call_soon(self.started.set)
        await hypercorn_asyncio.serve(self.app, config, shutdown_trigger=self.stopping.wait)

    def __enter__(self) -> str:
        self.thread.start()
        assert self.started.wait(10)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        assert self.loop is not None
        assert self.stopping is not None
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(10)


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return create_app()


@pytest.fixture(scope="module")
def http(emulator: Emulator) -> Iterator[httpx.Client]:
    with HypercornThread(emulator) as base_url, httpx.Client(base_url=base_url, timeout=5) as client:
        yield client


@pytest.fixture(autouse=True)
def clean(emulator: Emulator) -> None:
    emulator.state.reset()


def assert_contract(response: httpx.Response, path: str, method: str) -> None:
    """``response`` is what the contract documents for its operation and status: headers, media type, body.

    Read with the same contract binding the emulator and the proxy use (``mock_server.spec``).
    """
    matched = match_path(response.request.url.path)
    assert matched is not None, path
    assert matched.template == path, (matched.template, path)
    operation = matched.operations[method.upper()]
    headers = {name.lower(): value for name, value in response.headers.items()}
    problems = operation.answer_problems(response.status_code, headers, response.content)
    assert problems == [], f"{method.upper()} {path} {response.status_code}: {[str(p) for p in problems]}"


def token(http: httpx.Client, client_id: str = "local-client") -> dict[str, str]:
    reply = http.post(
        TOKEN_PATH,
        params={"grant_type": "client_credentials"},
        data={"client_id": client_id, "client_secret": "local-secret"},
    )
    assert_contract(reply, TOKEN_PATH, "post")
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


ACCOUNTS = f"{API_PREFIX}/sipaccounts"
ACCOUNT = f"{API_PREFIX}/sipaccounts/{{id}}"


def test_success_answers_keep_their_contract(http: httpx.Client) -> None:
    bearer = token(http)
    created = http.post(ACCOUNTS, data={"username": "alice", "name": "Alice"}, headers=bearer)
    assert created.status_code == 200  # response style kpn: KPN's Swagger
    assert_contract(created, ACCOUNTS, "post")
    account_id = created.json()[0]["id"]
    for response, path, method in [
        (http.get(ACCOUNTS, headers=bearer), ACCOUNTS, "get"),
        (http.get(f"{ACCOUNTS}/{account_id}", headers=bearer), ACCOUNT, "get"),
        (http.put(f"{ACCOUNTS}/{account_id}", data={"name": "A"}, headers=bearer), ACCOUNT, "put"),
        (http.get(f"{ACCOUNTS}/{account_id}/status", headers=bearer), ACCOUNT + "/status", "get"),
        (http.delete(f"{ACCOUNTS}/{account_id}", headers=bearer), ACCOUNT, "delete"),
    ]:
        assert response.status_code == 200, response.text
        assert_contract(response, path, method)
    assert (
        http.get(ACCOUNTS, headers={**bearer, "Origin": "https://app.example"}).headers["access-control-allow-origin"]
        == "https://app.example"
    )


def test_error_answers_keep_their_contract(http: httpx.Client) -> None:
    bearer = token(http)
    cases = [
        (http.get(ACCOUNTS), 401, ACCOUNTS, "get"),
        (http.get(f"{ACCOUNTS}/999", headers=bearer), 404, ACCOUNT, "get"),
        (http.post(ACCOUNTS, data={"name": "x"}, headers=bearer), 400, ACCOUNTS, "post"),
        (http.patch(ACCOUNTS, headers=bearer), 405, ACCOUNTS, "get"),
        (http.post(ACCOUNTS, content=b"<a/>", headers={**bearer, "Content-Type": "text/xml"}), 415, ACCOUNTS, "post"),
        (http.post(TOKEN_PATH, data={"client_id": "local-client"}), 400, TOKEN_PATH, "post"),
    ]
    for response, status, path, method in cases:
        assert response.status_code == status, (path, response.text)
        assert_contract(response, path, method)
    assert "GET" in http.patch(ACCOUNTS, headers=bearer).headers["allow"]


def test_throttling_and_injected_faults_keep_their_contract(http: httpx.Client, emulator: Emulator) -> None:
    bearer = token(http)
    emulator.state.faults.add({"path": "/sipaccounts", "status": 503, "times": 1})
    failed = http.get(ACCOUNTS, headers=bearer)
    assert (failed.status_code, failed.json()["name"]) == (503, "ServiceUnavailable")
    assert_contract(failed, ACCOUNTS, "get")
    emulator.state.faults.clear()
    emulator.state.add_client(Client("tiny", "tiny-secret", "tiny.example", QuotaPolicy(limit=1)))
    reply = http.post(TOKEN_PATH, params={"grant_type": "client_credentials"}, auth=("tiny", "tiny-secret"))
    limited = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    answers = [http.get(ACCOUNTS, headers=limited) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 429]
    assert_contract(answers[1], ACCOUNTS, "get")


@pytest.mark.parametrize("action", ["drop", "truncate"])
def test_faults_that_need_the_socket_say_they_cannot_run_here(
    http: httpx.Client, emulator: Emulator, action: str
) -> None:
    bearer = token(http)
    emulator.state.faults.add({"path": "/sipaccounts", "action": action})
    created = http.post(ACCOUNTS, data={"username": "bob"}, headers=bearer)
    assert created.status_code == 503
    assert created.json()["name"] == "FaultUnavailable"
    assert action in created.json()["info"]
    assert_contract(created, ACCOUNTS, "post")
    emulator.state.faults.clear()
    # Not carried out: a truncate would have created the account and lost the answer.
    assert "bob" not in [account["sip"]["username"] for account in http.get(ACCOUNTS, headers=bearer).json()]
    assert emulator.state.server_errors.all() == []
