"""Every operation through every schemathesis check: examples, coverage and fuzzing, then link-walking workflows.

The same bodies run in-process (default) and live (``APIDAZE_BASE_URL``); see ``settings.py``.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import settings

from contract_tests import profiles
from contract_tests import settings as env
from contract_tests.auth import live_session
from contract_tests.target import reset_tenant, schema

CALL_KWARGS: dict[str, Any] = {} if env.IN_PROCESS else {"session": live_session()}


@schema.parametrize()
@settings(profiles.hypothesis_settings(), max_examples=profiles.budget().max_examples)
def test_operation(case: schemathesis.Case) -> None:
    case.call_and_validate(**CALL_KWARGS)


class APIWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """Create, then read, update, status, test and delete, following the links in the contract."""

    def setup(self) -> None:
        reset_tenant()

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        return dict(CALL_KWARGS)

    # after_call is deliberately not overridden: the recorder behind use_after_free and
    # ensure_resource_availability lives there (an override must call super()).


TestAPIWorkflow = APIWorkflow.TestCase
TestAPIWorkflow.settings = settings(
    TestAPIWorkflow.settings,  # keep schemathesis' stateful defaults (no deadline, health checks off)
    max_examples=profiles.budget().stateful_examples,
    stateful_step_count=profiles.budget().stateful_steps,
    derandomize=profiles.active() == profiles.CI,
    database=None,
)
