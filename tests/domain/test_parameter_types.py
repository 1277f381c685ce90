"""Query and path values are read as the types their parameter schemas declare, then checked by the schema."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.errors import InvalidRequest
from mock_server.spec import ADMIN_SPEC, _parameters, operations


def journal_query(**params: str) -> dict[str, Any]:
    return operations(ADMIN_SPEC)["adminListRequests"].check_query(params)


def test_integers_arrive_as_integers_and_text_stays_text() -> None:
    assert journal_query(status="404", limit="5", method="get") == {"status": 404, "limit": 5, "method": "get"}


@given(st.integers(min_value=100, max_value=599), st.integers(min_value=1, max_value=1_000_000))
def test_every_integer_in_bounds_is_read_exactly(status: int, limit: int) -> None:
    assert journal_query(status=str(status), limit=str(limit)) == {"status": status, "limit": limit}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("abc", "type"),
        ("4.5", "type"),
        ("404 ", "type"),
        ("+404", "type"),
        ("1_000", "type"),
        ("\u0664\u0660\u0664", "type"),  # Arabic-Indic digits, which int() alone would read as 404
        ("", "type"),
        ("9" * 5000, "type"),  # more digits than int() reads
        ("99", "minimum"),
        ("600", "maximum"),
    ],
)
def test_a_value_that_is_not_an_allowed_integer_is_refused_naming_parameter_and_rule(text: str, rule: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        journal_query(status=text)
    assert refused.value.info == f"query.status: {rule}"


def test_limit_has_bounds() -> None:
    for text, rule in (("0", "minimum"), ("1000001", "maximum")):
        with pytest.raises(InvalidRequest) as refused:
            journal_query(limit=text)
        assert refused.value.info == f"query.limit: {rule}"


# No operation declares a number or a boolean yet; made-up parameters show how they would be read (chaos' rate is a
# number from 0 to 1).
PARAMETERS = [
    {"name": "ratio", "in": "query", "schema": {"$ref": "#/components/schemas/Chaos/properties/rate"}},
    {"name": "dry_run", "in": "query", "schema": {"type": "boolean"}},
    {"name": "either", "in": "query", "schema": {"anyOf": [{"type": "string", "maxLength": 0}, {"type": "integer"}]}},
    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
]


def test_numbers_and_booleans_are_read_through_references() -> None:
    query = _parameters(ADMIN_SPEC, PARAMETERS, "query")
    assert query is not None
    assert query.check({"ratio": "0.5", "dry_run": "true"}) == {"ratio": 0.5, "dry_run": True}
    assert query.check({"ratio": "1", "dry_run": "false"}) == {"ratio": 1, "dry_run": False}
    for bad in ({"ratio": "1e999"}, {"ratio": "NaN"}, {"ratio": "2"}, {"dry_run": "yes"}, {"dry_run": "True"}):
        with pytest.raises(InvalidRequest, match=r"query\."):
            query.check(bad)


def test_a_parameter_that_allows_a_string_keeps_its_text() -> None:
    query = _parameters(ADMIN_SPEC, PARAMETERS, "query")
    assert query is not None
    assert query.check({"either": ""}) == {"either": ""}
    with pytest.raises(InvalidRequest, match=r"query\.either"):
        query.check({"either": "5"})


def test_path_parameters_are_read_as_their_types_too() -> None:
    path = _parameters(ADMIN_SPEC, PARAMETERS, "path")
    assert path is not None
    assert path.check({"id": "7"}) == {"id": 7}
    with pytest.raises(InvalidRequest) as refused:
        path.check({"id": "0"})
    assert refused.value.info == "path.id: minimum"


def test_array_parameters_are_refused_when_the_contract_is_loaded() -> None:
    listed = [{"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}}}]
    with pytest.raises(ValueError, match="only scalar types"):
        _parameters(ADMIN_SPEC, listed, "query")
