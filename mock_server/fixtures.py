"""Seed files: clients with their quotas, and the SIP accounts and script each client starts with.

A seed file is checked whole before anything is loaded, against ``SeedFile`` in ``openapi/admin.yaml``: its clients
are the control plane's own client definition, their resources the API's own create schemas (all by ``$ref``), so a
seed file accepts exactly the clients and resources the emulator would accept at run time. A typo stops the emulator
with a message that names the place, never a half-loaded state.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from mock_server.domain.clients import Client, QuotaPolicy
from mock_server.spec import component_schema, whole_numbers

DEFAULT_FIXTURES = "default.yaml"
SECRET = "client_secret"  # noqa: S105 (the field's name)


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
    """``<client_id>.apidaze.local``, a host name (admin.yaml's ``HostName``) whatever the id: each run of characters
    a label cannot hold reads ``-`` (``my_client`` gets ``my-client.apidaze.local``)."""
    label = re.sub(r"[^A-Za-z0-9-]+", "-", client_id).strip("-")[:63].strip("-") or "client"
    return f"{label}.apidaze.local"


def client_from(definition: dict[str, Any], default_quota: QuotaPolicy) -> Client:
    """The client a schema-checked ``ClientDefinition`` (admin.yaml) describes, from a seed file or the control plane.

    Quota fields not given take ``default_quota``'s.
    """
    client_id = definition["client_id"]
    quota = replace(default_quota, **definition.get("quota", {}))
    return Client(client_id, definition[SECRET], definition.get("domain", domain_for(client_id)), quota)


def parse_fixtures(document: Any, source: str = "fixtures") -> Fixtures:
    document = {} if document is None else whole_numbers(copy.deepcopy(document))  # None: an empty file
    problems = component_schema("SeedFile").problems(document)
    if problems:
        raise FixtureError("\n".join(f"{source}: {problem.pointer}: {problem.message}" for problem in problems))
    # What no schema can say: ids and usernames that must differ.
    default_quota = QuotaPolicy(**document.get("default_quota", {}))
    seeds: list[ClientSeed] = []
    seen: set[str] = set()
    for index, entry in enumerate(document.get("clients", [])):
        where = f"{source}: /clients/{index}"
        if entry["client_id"] in seen:
            raise FixtureError(f"{where}: client_id {entry['client_id']!r} appears twice")
        seen.add(entry["client_id"])
        accounts = entry.get("sip_accounts", [])
        usernames = [account["username"] for account in accounts]
        if len(set(usernames)) != len(usernames):
            raise FixtureError(f"{where}: two SIP accounts share a username")
        seeds.append(ClientSeed(client_from(entry, default_quota), accounts, entry.get("external_script")))
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
