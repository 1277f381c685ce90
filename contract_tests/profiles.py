"""Hypothesis profiles of the contract tests: ``ci`` (the default here) and ``fuzz``.

``ci`` (hypothesis' built-in profile) is fast and derandomized: the same examples on every run, so CI is green or
red for a reason.
``fuzz`` runs long with a seed: pass ``--hypothesis-profile=fuzz`` and, to replay a run, ``--hypothesis-seed=N``
(the seed is printed in the pytest header and under every failure).
Example counts can be raised without editing code: ``APIDAZE_MAX_EXAMPLES``, ``APIDAZE_STATEFUL_EXAMPLES`` and
``APIDAZE_MODEL_EXAMPLES``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, settings

CI = "ci"
FUZZ = "fuzz"


@dataclass(frozen=True)
class Budget:
    """How much each kind of test generates under one profile."""

    max_examples: int  # fuzzing cases per operation (schemathesis adds examples and coverage cases on top)
    stateful_examples: int  # schemathesis link-walking scenarios
    stateful_steps: int  # calls per scenario
    model_examples: int  # runs of the hypothesis state machine
    model_steps: int  # rules per run


BUDGETS = {
    CI: Budget(max_examples=20, stateful_examples=25, stateful_steps=6, model_examples=30, model_steps=25),
    FUZZ: Budget(max_examples=500, stateful_examples=300, stateful_steps=10, model_examples=300, model_steps=50),
}

# ``ci`` is hypothesis' own profile (derandomize, no database, no deadline, print_blob), which hypothesis loads when
# the CI variable is set. It is not registered again here: that would reload it and change the example counts of
# every other hypothesis test in the session. The counts of the contract tests come from BUDGETS instead.
settings.register_profile(
    FUZZ,
    derandomize=False,
    database=None,
    deadline=None,
    print_blob=True,
    max_examples=BUDGETS[FUZZ].model_examples,
    stateful_step_count=BUDGETS[FUZZ].model_steps,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def active() -> str:
    """``fuzz`` when that profile is loaded (``--hypothesis-profile=fuzz``), else ``ci``."""
    return FUZZ if settings.get_current_profile_name() == FUZZ else CI


def budget() -> Budget:
    base = BUDGETS[active()]
    return Budget(
        max_examples=int(os.environ.get("APIDAZE_MAX_EXAMPLES", base.max_examples)),
        stateful_examples=int(os.environ.get("APIDAZE_STATEFUL_EXAMPLES", base.stateful_examples)),
        stateful_steps=base.stateful_steps,
        model_examples=int(os.environ.get("APIDAZE_MODEL_EXAMPLES", base.model_examples)),
        model_steps=base.model_steps,
    )


def hypothesis_settings() -> settings:
    """The active profile's settings, for tests that must not depend on the session's default profile."""
    return settings.get_profile(active())
