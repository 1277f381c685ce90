"""The example script server (``examples/script_server.py``), loaded by path: tests use what users copy."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from mock_server.spec import component_schema

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "fixtures" / "scripts"


def _load() -> ModuleType:
    name = "apidaze_mock_example_script_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "examples" / "script_server.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


example = _load()
ScriptServer = example.ScriptServer


def assert_matches_schema(spec: str, schema: str, value: object) -> None:
    """``value`` obeys ``#/components/schemas/<schema>`` of the OpenAPI file ``spec``."""
    errors = [error.message for error in component_schema(schema, spec).iter_errors(value)]
    assert errors == [], errors
