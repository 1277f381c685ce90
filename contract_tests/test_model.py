"""The hypothesis state machine of ``model.py`` against the target of this run (in-process or live).

In-process it runs once more against the emulator in the other response style, with fewer examples: the model's
rules do not depend on the style, only how each answer is read does.
"""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from contract_tests import profiles
from contract_tests import settings as env
from contract_tests.model import ApiModel
from contract_tests.target import DEFAULT_STYLE, OTHER_STYLES, shared_target


def run_model(style: str, examples: int) -> None:
    class Model(ApiModel):
        make_target = staticmethod(lambda: shared_target(style))

    run_state_machine_as_test(
        Model,
        settings=settings(
            profiles.hypothesis_settings(), max_examples=examples, stateful_step_count=profiles.budget().model_steps
        ),
    )


def test_api_model() -> None:
    run_model(DEFAULT_STYLE, profiles.budget().model_examples)


@pytest.mark.skipif(not env.IN_PROCESS, reason="live, the target answers in its one style")
@pytest.mark.parametrize("style", OTHER_STYLES)
def test_api_model_in_other_response_styles(style: str) -> None:
    run_model(style, max(5, profiles.budget().model_examples // 3))
