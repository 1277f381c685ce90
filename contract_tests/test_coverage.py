"""Which operations the suite covers: each must be answered with a 2xx at least once, or this test fails.

A short in-process run (schemathesis' examples and stateful phases, then the state machine) goes through a recorder;
every recorded answer is mapped to the operation of the contract it belongs to. An operation added to the contract
without links or model rules that reach it shows up here as missing.
"""

from __future__ import annotations

import re
from collections import defaultdict

from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.engine import from_schema

from contract_tests import profiles
from contract_tests.client import in_process_target
from contract_tests.model import ApiModel
from contract_tests.recorder import Recorder
from contract_tests.schema import contract_operations, load_schema, operation_ids
from mock_server.app import create_app


def operation_patterns() -> dict[str, tuple[str, re.Pattern[str]]]:
    """operationId -> (method, path pattern) for every operation of the contract."""
    return {
        operation_id: (method, re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", path) + "$"))
        for operation_id, method, path in contract_operations()
    }


def operation_of(method: str, path: str, operations: dict[str, tuple[str, re.Pattern[str]]]) -> str | None:
    # The literal "/externalscripts/test" also matches "/externalscripts/{id}": prefer the pattern without a gap.
    matches = [op for op, (m, pattern) in operations.items() if m == method and pattern.match(path)]
    matches.sort(key=lambda op: operations[op][1].pattern.count("[^/]+"))
    return matches[0] if matches else None


def test_every_operation_is_covered() -> None:
    emulator = create_app()
    recorder = Recorder(emulator)

    schema = load_schema(recorder, max_examples=5, seed=1)
    assert operation_ids(schema) == set(operation_patterns()), "schemathesis must see every operation"
    schema.config.phases.update(phases=["examples", "stateful"])
    for _ in from_schema(schema).execute():
        pass

    target = in_process_target(emulator, recorder)

    class Model(ApiModel):
        make_target = staticmethod(lambda: target)

    run_state_machine_as_test(
        Model,
        settings=settings(profiles.hypothesis_settings(), max_examples=10, phases=[Phase.generate]),
    )

    operations = operation_patterns()
    answered: dict[str, set[int]] = defaultdict(set)
    for method, path, status in recorder.seen:
        operation = operation_of(method, path, operations)
        if operation is not None:
            answered[operation].add(status)
    report = "\n".join(f"  {op:24} {sorted(answered.get(op, ()))}" for op in sorted(operations))
    print(f"operations and the statuses they answered:\n{report}")
    missing = sorted(op for op in operations if not any(200 <= status < 300 for status in answered.get(op, ())))
    assert not missing, f"never answered with a 2xx: {missing}\n{report}"
