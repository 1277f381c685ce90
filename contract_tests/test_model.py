"""The hypothesis state machine of ``model.py`` against the target of this run (in-process or live)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from contract_tests import profiles
from contract_tests.model import ApiModel
from contract_tests.target import shared_target


class Model(ApiModel):
    make_target = staticmethod(shared_target)


def test_api_model() -> None:
    budget = profiles.budget()
    run_state_machine_as_test(
        Model,
        settings=settings(
            profiles.hypothesis_settings(),
            max_examples=budget.model_examples,
            stateful_step_count=budget.model_steps,
        ),
    )
