"""Seed files: clients with their quotas, and the SIP accounts and script each client starts with.

A seed file is checked whole before anything is loaded (a JSON schema for its shape, the API's own create rules for
each resource), so a typo stops the emulator with a message that names the place, never a half-loaded state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from mock_server.domain.clients import TIME_UNITS, Client, QuotaPolicy
from mock_server.errors import ApiError
from mock_server.spec import operations

DEFAULT_FIXTURES = "default.yaml"

_QUOTA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "limit": {"type": "integer", "minimum": 1},
        "interval": {"type": "integer", "minimum": 1},
        "time_unit": {"enum": list(TIME_UNITS)},
        "spike_per_second": {"type": ["integer", "null"], "minimum": 1},
    },
}
_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "token_lifetime_seconds": {"type": "integer", "minimum": 1},
        "default_quota": _QUOTA,
        "clients": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["client_id", "client_secret"],
                "properties": {
                    "client_id": {"type": "string", "minLength": 1, "maxLength": 128},
                    "client_secret": {"type": "string", "minLength": 1, "maxLength": 256},
                    "domain": {"type": "string", "minLength": 1, "maxLength": 253},
                    "quota": _QUOTA,
                    "sip_accounts": {"type": "array", "items": {"type": "object"}},
                    "external_script": {"type": "object"},
                },
            },
        },
    },
}
_VALIDATOR = jsonschema_rs.Draft202012Validator(_SCHEMA)


class FixtureError(ValueError):
    """A seed file that cannot be loaded; the message names the file and the place."""


@dataclass(frozen=True)
class ClientSeed:
    client: Client
    sip_accounts: list[dict[str, str]] = field(default_factory=list)
    external_script: dict[str, str] | None = None


@dataclass(frozen=True)
class Fixtures:
    clients: list[ClientSeed]
    token_lifetime_seconds: int = 3599
    default_quota: QuotaPolicy = field(default_factory=QuotaPolicy)


def fixtures_dir() -> Path:
    """``fixtures/`` of a source checkout, or its copy inside an installed wheel."""
    package = Path(__file__).resolve().parent
    installed = package / "_fixtures"
    return installed if installed.is_dir() else package.parent / "fixtures"


def domain_for(client_id: str) -> str:
    return f"{client_id}.apidaze.local"


def _problem(source: str, error: jsonschema_rs.ValidationError) -> str:
    where = "/" + "/".join(map(str, error.instance_path))
    if where.endswith("client_secret"):
        # The validator's message quotes the value; a secret must not reach a terminal or a CI log.
        return f"{source}: {where}: breaks the {error.schema_path[-1]!s} rule"
    return f"{source}: {where}: {error.message}"


def parse_fixtures(document: Any, source: str = "fixtures") -> Fixtures:
    problems = [_problem(source, error) for error in _VALIDATOR.iter_errors(document or {})]
    if problems:
        raise FixtureError("\n".join(problems))
    document = document or {}
    default_quota = QuotaPolicy(**document.get("default_quota", {}))
    create_account = operations()["createSipAccount"].body["application/json"]
    create_script = operations()["createExternalScript"].body["application/json"]
    seeds: list[ClientSeed] = []
    seen: set[str] = set()
    for index, entry in enumerate(document.get("clients", [])):
        where = f"{source}: /clients/{index}"
        if entry["client_id"] in seen:
            raise FixtureError(f"{where}: client_id {entry['client_id']!r} appears twice")
        seen.add(entry["client_id"])
        quota = replace(default_quota, **entry.get("quota", {}))
        accounts = entry.get("sip_accounts", [])
        script = entry.get("external_script")
        try:
            for account in accounts:
                create_account.check(account)
            if script is not None:
                create_script.check(script)
        except ApiError as error:
            raise FixtureError(f"{where}: {error.detail}") from None
        usernames = [account["username"] for account in accounts]
        if len(set(usernames)) != len(usernames):
            raise FixtureError(f"{where}: two SIP accounts share a username")
        client = Client(
            entry["client_id"],
            entry["client_secret"],
            entry.get("domain", domain_for(entry["client_id"])),
            quota,
        )
        seeds.append(ClientSeed(client, accounts, script))
    return Fixtures(seeds, document.get("token_lifetime_seconds", 3599), default_quota)


def load_fixtures(path: Path | None = None) -> Fixtures:
    path = path or fixtures_dir() / DEFAULT_FIXTURES
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FixtureError(f"{path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise FixtureError(f"{path}: not valid YAML: {exc}") from None
    return parse_fixtures(document, str(path))
