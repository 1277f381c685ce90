"""``fixtures/seed-file.schema.json``: written from admin.yaml, equal to it, and agreeing with the loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from mock_server.fixtures import FixtureError, parse_fixtures
from mock_server.seed_schema import render
from tests.markdown import fenced_blocks

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "fixtures" / "seed-file.schema.json"
validator = jsonschema_rs.validator_for(json.loads(SCHEMA_FILE.read_text()), validate_formats=True)


def test_the_committed_schema_is_what_admin_yaml_says() -> None:
    assert SCHEMA_FILE.read_text() == render(), (
        "run: python -m mock_server.seed_schema > fixtures/seed-file.schema.json"
    )


def documented_seeds() -> list[Any]:
    blocks = [block for block in fenced_blocks(ROOT / "docs" / "fixtures.md") if block.info == "yaml seed"]
    assert blocks, "docs/fixtures.md shows the format in a ```yaml seed block"
    return [yaml.safe_load(block.code) for block in blocks]


@pytest.mark.parametrize("name", ["default.yaml", "docs"])
def test_the_shipped_and_documented_seeds_pass_both(name: str) -> None:
    seeds = [yaml.safe_load((ROOT / "fixtures" / name).read_text())] if name != "docs" else documented_seeds()
    for seed in seeds:
        assert validator.is_valid(seed)
        assert parse_fixtures(seed).clients


@pytest.mark.parametrize(
    "seed",
    [
        {"clients": [{"client_id": "a"}]},
        {"clients": [{"client_id": "a", "client_secret": "s", "quota": {"time_unit": "year"}}]},
        {"clients": [{"client_id": "a b", "client_secret": "s"}]},
        {"clients": [{"client_id": "a", "client_secret": "s", "sip_accounts": [{"username": "x", "colour": "red"}]}]},
        {"clients": [{"client_id": "a", "client_secret": "s", "external_script": {"name": "no url"}}]},
        {"clients": [{"client_id": "a", "client_secret": "s", "sip_accounts": [{"username": "x" * 129}]}]},
        {"token_lifetime_seconds": 0},
        {"tenants": []},
    ],
)
def test_a_seed_the_loader_refuses_the_schema_file_refuses_too(seed: dict[str, Any]) -> None:
    with pytest.raises(FixtureError):
        parse_fixtures(seed)
    assert not validator.is_valid(seed)
