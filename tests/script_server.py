"""The example script server (``examples/script_server.py``), loaded by path: tests use what users copy."""

from __future__ import annotations

from pathlib import Path

from mock_server.spec import component_schema
from tests.modules import load_module

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "fixtures" / "scripts"


example = load_module("apidaze_mock_example_script_server", REPO / "examples" / "script_server.py")
ScriptServer = example.ScriptServer


def assert_matches_schema(spec: str, schema: str, value: object) -> None:
    """``value`` obeys ``#/components/schemas/<schema>`` of the OpenAPI file ``spec``."""
    errors = [error.message for error in component_schema(schema, spec).iter_errors(value)]
    assert errors == [], errors
