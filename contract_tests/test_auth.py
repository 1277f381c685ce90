"""The token handling of the suite: fetched once, reused, fetched again on expiry or when a 401 says so."""

from __future__ import annotations

import pytest
from hypothesis import Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import Case, GenerationMode

from contract_tests import run, settings
from contract_tests.auth import TokenError, TokenSource, fetch_token
from contract_tests.client import in_process_target
from contract_tests.recorder import Recorder
from contract_tests.schema import load_schema
from mock_server.app import create_app

API = settings.API_PREFIX


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_source_fetches_once_then_again_before_expiry() -> None:
    emulator = create_app()
    recorder = Recorder(emulator)
    clock = FakeClock()
    tokens = TokenSource(recorder, clock=clock)
    first = tokens.token()
    assert tokens.token() == first
    clock.now = 3599 - 31  # KPN's lifetime, less the margin: still good
    assert tokens.token() == first
    clock.now = 3599 - 29
    assert tokens.token() != first
    assert recorder.count("POST", settings.TOKEN_PATH, 200) == 2


def test_state_machine_client_refreshes_a_revoked_token() -> None:
    emulator = create_app()
    target = in_process_target(emulator)
    assert target.request("GET", f"{API}/sipaccounts").status == 200
    emulator.state.tokens.revoke_client(settings.CLIENT_ID)
    assert target.request("GET", f"{API}/sipaccounts").status == 200
    assert target.tokens.fetches == 2


def test_schemathesis_auth_refetches_after_401() -> None:
    emulator = create_app()
    recorder = Recorder(emulator)
    schema = load_schema(recorder, max_examples=1)
    operation = schema.find_operation_by_label(f"GET {API}/sipaccounts")
    assert operation is not None

    # Cases must come from schemathesis' strategy: that is where the auth provider puts the token on them.
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @hypothesis_settings(max_examples=1, phases=[Phase.generate], database=None, derandomize=True)
    def call(case: Case) -> None:
        case.call_and_validate()

    call()
    emulator.state.tokens.revoke_client(settings.CLIENT_ID)
    call()  # 401, a new token, the request replayed: passes
    assert recorder.count("POST", settings.TOKEN_PATH, 200) == 2
    assert recorder.count("GET", f"{API}/sipaccounts", 200) == 2


def test_wrong_secret_is_reported_without_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "CLIENT_SECRET", "not-the-secret")
    with pytest.raises(TokenError, match="answered 401") as raised:
        fetch_token(create_app())
    assert "not-the-secret" not in str(raised.value)


def test_replay_hint_names_profile_and_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "PROFILE", "fuzz")
    monkeypatch.setattr(run, "SEED", 1234)
    assert run.replay_hint("contract_tests/test_model.py::test_api_model") == (
        "pytest contract_tests/test_model.py::test_api_model --hypothesis-profile=fuzz --hypothesis-seed=1234"
    )
