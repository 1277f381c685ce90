"""Path parameters are checked against the contract; valid ones are remembered, up to a bound, invalid ones never."""

from __future__ import annotations

import pytest

from mock_server.errors import InvalidRequest
from mock_server.spec import Operation, operations


def fresh() -> Operation:
    return Operation("getSipAccount", path=operations()["getSipAccount"].path)


def test_an_invalid_id_is_refused_every_time_even_after_valid_ones() -> None:
    operation = fresh()
    operation.check_path({"id": "7"})
    operation.check_path({"id": "7"})
    for _ in range(2):
        with pytest.raises(InvalidRequest, match=r"path\.id"):
            operation.check_path({"id": "9" * 65})


def test_remembered_paths_are_bounded_and_later_ones_still_checked() -> None:
    operation = fresh()
    for number in range(5000):
        operation.check_path({"id": str(number)})
    assert len(operation._valid_paths) == 4096
    with pytest.raises(InvalidRequest):
        operation.check_path({"id": "x" * 65})
    operation.check_path({"id": "4999"})
