"""The suite must be able to fail: each broken emulator of ``variants.py`` is caught by the check named for it.

Schemathesis variants run through schemathesis' own engine, in-process, with every phase (examples, coverage,
fuzzing, stateful) and the suite's config; the run stops at the first failure of the expected check. State-machine
variants run ``model.ApiModel``. These tests always run in-process: they break the emulator, not the real API.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import Phase, given, settings
from hypothesis import settings as hypothesis_settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import Case, GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.engine import Status, events, from_schema

from contract_tests import profiles
from contract_tests import settings as env_settings
from contract_tests.client import in_process_target
from contract_tests.model import ApiModel
from contract_tests.schema import load_schema
from contract_tests.variants import VARIANTS, Variant
from mock_server.app import create_app

SEED = 20261127  # fixed: the same cases every run, whatever the profile
# A variant is rerun (with the next seed) at most this often before it counts as missed: schemathesis' stateful
# phase varies a little between runs even under one seed. Every other variant is caught on the first run.
ATTEMPTS = 3


def failed_checks(app: object, wanted: str, variant: Variant | None = None, seed: int = SEED) -> Counter[str]:
    """Run schemathesis against ``app``; the checks that failed, stopping once ``wanted`` did."""
    schema = load_schema(app, max_examples=variant.max_examples if variant else 10, seed=seed)
    if variant is not None and variant.phases is not None:
        schema.config.phases.update(phases=list(variant.phases))
    if variant is not None and variant.positive_only:
        schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    failed: Counter[str] = Counter()
    stream = from_schema(schema).execute()
    for event in stream:
        if isinstance(event, events.FatalError):
            raise event.exception
        if isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                failed.update(node.name for node in nodes if node.status == Status.FAILURE)
            if failed[wanted]:
                stream.stop()
    return failed


def model_failure(variant: Variant) -> AssertionError | None:
    with variant.build() as (app, emulator):
        target = in_process_target(emulator, app)

        class BrokenModel(ApiModel):
            make_target = staticmethod(lambda: target)

        try:
            run_state_machine_as_test(
                BrokenModel,
                settings=settings(
                    profiles.hypothesis_settings(),
                    derandomize=True,
                    max_examples=50,
                    stateful_step_count=30,
                    phases=[Phase.generate],  # finding it is enough; shrinking would only cost time
                ),
            )
        except AssertionError as error:
            return error
    return None


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.catches != "model"], ids=lambda v: v.name)
def test_schemathesis_catches(variant: Variant) -> None:
    failed: Counter[str] = Counter()
    for attempt in range(ATTEMPTS):
        with variant.build() as (app, _):
            failed = failed_checks(app, variant.catches, variant, seed=SEED + attempt)
        if failed[variant.catches]:
            break
    assert failed[variant.catches], f"{variant.name!r} was not caught by {variant.catches}; failures: {dict(failed)}"


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.catches == "model"], ids=lambda v: v.name)
def test_model_catches(variant: Variant) -> None:
    error = model_failure(variant)
    assert error is not None, f"the state machine did not catch {variant.name!r}"
    assert "reproduce: curl -X" in str(error), "a failure must say how to replay the request"


def test_pytest_failure_shows_a_curl_command() -> None:
    """What a user sees in pytest when a check fails: the check, and a curl command that replays the request."""
    variant = next(v for v in VARIANTS if v.catches == "status_code_conformance")
    with variant.build() as (app, _):
        schema = load_schema(app, max_examples=1, seed=SEED)
        operation = schema.find_operation_by_label(f"POST {env_settings.API_PREFIX}/sipaccounts")
        assert operation is not None

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @hypothesis_settings(max_examples=1, phases=[Phase.generate], database=None, derandomize=True)
        def call(case: Case) -> None:
            case.call_and_validate()

        with pytest.raises(FailureGroup) as raised:
            call()
    message = str(raised.value) + "".join(str(e) for e in raised.value.exceptions)
    assert "ST103 Undocumented status code" in message
    assert "curl -X POST" in message


def test_sound_emulator_passes_the_same_runs() -> None:
    """The control: the unbroken emulator gives no failure in the very runs that catch the variants."""
    failed = failed_checks(create_app(), wanted="")
    assert not failed, dict(failed)
    assert model_failure(Variant("none", "model")) is None
