"""The control plane fuzzed as ``contract_tests/`` fuzzes the API: schemathesis over ``openapi/admin.yaml``.

Every operation gets its examples, schemathesis' coverage cases and generated data, valid and not, sent in process
to one emulator whose state carries over from call to call, as a user's would. Not one answer may be a 5xx or leave
an exception behind, and every answer must match the schema ``admin.yaml`` gives for its status.

``APIDAZE_ADMIN_FUZZ_EXAMPLES`` sets the generated examples per operation (CI: 12) and ``APIDAZE_ADMIN_FUZZ_SEED``
the seed (CI: 13, so a CI failure replays exactly; any other value explores elsewhere).
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import settings

from mock_server.app import create_app
from mock_server.spec import ADMIN_SPEC, spec_path

EXAMPLES = int(os.environ.get("APIDAZE_ADMIN_FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("APIDAZE_ADMIN_FUZZ_SEED", "13"))

emulator = create_app()
config = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": EXAMPLES},
        "seed": SEED,
        # These checks only. Schemathesis' positive_data_acceptance would also flag what only the domain refuses
        # (a duplicate id in a snapshot, min > max in latency_ms): 400s the schema cannot express.
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
        },
        # Only what this file says: no .schemathesis/ state from earlier runs.
        "cache": {"enabled": False},
    }
)
schema = schemathesis.openapi.from_path(spec_path(ADMIN_SPEC), config=config)
schema.app = emulator  # what from_asgi sets; the spec is read from disk


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)
def test_no_control_plane_call_fails_on_the_server(case: schemathesis.Case) -> None:
    # In process the host is "testserver"; the control plane answers loopback names only (DNS rebinding).
    case.call_and_validate(headers={"Host": "localhost"})
    errors = emulator.state.server_errors.all()
    assert errors == [], "\n".join(map(str, errors))
