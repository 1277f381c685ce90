"""Every operation through every schemathesis check: examples, coverage and fuzzing, then link-walking workflows.

The same bodies run in-process (default) and live (``APIDAZE_BASE_URL``); see ``settings.py``. In-process they run
against the emulator in each response style: the contract lists both answers of every operation, so both must
keep it.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import settings
from schemathesis.specs.openapi.schemas import OpenApiSchema

from contract_tests import profiles
from contract_tests import settings as env
from contract_tests.auth import live_session
from contract_tests.target import DEFAULT_STYLE, other_schemas, schema, shared_target

CALL_KWARGS: dict[str, Any] = {} if env.IN_PROCESS else {"session": live_session()}
# The other response styles get a quarter of the budget: most of what fuzzing finds does not depend on the style,
# and the answers that do are reached by the examples, coverage and stateful phases all the same.
OTHER_STYLE_EXAMPLES = max(5, profiles.budget().max_examples // 4)


def check_operation(case: schemathesis.Case) -> None:
    response = case.call_and_validate(**CALL_KWARGS)
    target = shared_target()
    if not target.can_reset:  # live without a control plane: leave the account as we found it
        for path in created_paths(case, response):
            target.request("DELETE", path)


@schema.parametrize()
@settings(profiles.hypothesis_settings(), max_examples=profiles.budget().max_examples)
def test_operation(case: schemathesis.Case) -> None:
    check_operation(case)


if "upstream" in other_schemas:

    @other_schemas["upstream"].parametrize()
    @settings(profiles.hypothesis_settings(), max_examples=OTHER_STYLE_EXAMPLES)
    def test_operation_upstream_style(case: schemathesis.Case) -> None:
        check_operation(case)


def created_paths(case: schemathesis.Case, response: Any) -> list[str]:
    """Paths of what a create answered with (a record, in a one-element array or alone), to delete after a live run."""
    if (
        case.method.upper() != "POST"
        or response.status_code not in (200, 201)
        or not case.path.startswith(env.API_PREFIX)
    ):
        return []
    body = response.json()
    return [f"{case.path}/{item['id']}" for item in (body if isinstance(body, list) else [body])]


def workflow(bound: OpenApiSchema, style: str, examples: int) -> Any:
    """The link-walking state machine of ``bound``, as a unittest case; ``style`` picks the in-process emulator."""

    class APIWorkflow(bound.as_state_machine()):  # type: ignore[misc]
        """Create, then read, update, status, test and delete, following the links in the contract.

        Every scenario must start from the same state, or hypothesis sees the same choices lead elsewhere and stops
        with FlakyStrategyDefinition. In-process, and live against the emulator, the client is reset; live against
        an API without a control plane, the scenario deletes what it created.
        """

        def setup(self) -> None:
            self.created: list[str] = []
            target = shared_target(style)
            if target.can_reset:
                target.reset()

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return dict(CALL_KWARGS)

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            # super() records the response for use_after_free and ensure_resource_availability: never leave it out.
            super().after_call(response, case)
            self.created.extend(created_paths(case, response))

        def teardown(self) -> None:
            target = shared_target(style)
            if not target.can_reset:
                for path in reversed(self.created):
                    target.request("DELETE", path)

    case = APIWorkflow.TestCase
    case.settings = settings(
        case.settings,  # keep schemathesis' stateful defaults (no deadline, health checks off)
        max_examples=examples,
        stateful_step_count=profiles.budget().stateful_steps,
        derandomize=profiles.active() == profiles.CI,
        database=None,
    )
    return case


TestAPIWorkflow = workflow(schema, DEFAULT_STYLE, profiles.budget().stateful_examples)
if "upstream" in other_schemas:
    TestAPIWorkflowUpstreamStyle = workflow(
        other_schemas["upstream"], "upstream", max(5, profiles.budget().stateful_examples // 2)
    )
