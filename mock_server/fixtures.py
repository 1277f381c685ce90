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
from mock_server.spec import component_schema, operations, whole_numbers

DEFAULT_FIXTURES = "default.yaml"
SECRET = "client_secret"  # noqa: S105 (the field's name)


class FixtureError(ValueError):
    """A seed file that cannot be loaded; the message names the file and the place."""


@dataclass(frozen=True)
class ClientSeed:
    client: Client
    sip_accounts: list[dict[str, str]] = field(default_factory=list)
    external_script: dict[str, str] | None = None
    # The id of every SIP account by username when the seed names any (``ids``), else empty: numbered in order.
    sip_account_ids: dict[str, str] = field(default_factory=dict)
    external_script_id: str | None = None


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
    domain = definition.get("domain", domain_for(client_id))
    return Client(
        client_id, definition[SECRET], domain, quota, definition.get("response_style"), definition.get("strict")
    )


def parse_fixtures(document: Any, source: str = "fixtures") -> Fixtures:
    document = {} if document is None else whole_numbers(copy.deepcopy(document))  # None: an empty file
    problems = component_schema("SeedFile").problems(document)
    if problems:
        raise FixtureError("\n".join(f"{source}: {problem.pointer}: {problem.message}" for problem in problems))
    # What no schema can say: ids and usernames that must differ, and no field the API would ignore (its bodies are
    # open, as form parameters are; in a seed file such a field is a typo).
    account_fields = operations()["createSipAccount"].body_fields
    script_fields = operations()["createExternalScript"].body_fields
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
        for place, fields, known in [
            *((f"sip_accounts/{i}", account, account_fields) for i, account in enumerate(accounts)),
            ("external_script", entry.get("external_script") or {}, script_fields),
        ]:
            unknown = sorted(set(fields) - known)
            if unknown:
                raise FixtureError(
                    f"{where}/{place}: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(known))})"
                )
        ids = entry.get("ids", {})
        if "external_script" in ids and "external_script" not in entry:
            raise FixtureError(f"{where}/ids/external_script: the client has no external_script")
        seeds.append(
            ClientSeed(
                client_from(entry, default_quota),
                accounts,
                entry.get("external_script"),
                _account_ids(where, usernames, ids.get("sip_accounts", {})),
                ids.get("external_script"),
            )
        )
    return Fixtures(seeds, document.get("token_lifetime_seconds", 3599), default_quota)


def _account_ids(where: str, usernames: list[str], given: dict[str, str]) -> dict[str, str]:
    """Every account's id when ``given`` names some: those named keep theirs, the rest follow the highest number."""
    if not given:
        return {}
    unknown = sorted(set(given) - set(usernames))
    if unknown:
        raise FixtureError(f"{where}/ids/sip_accounts: no SIP account has the username {unknown[0]!r}")
    if len(set(given.values())) != len(given):
        raise FixtureError(f"{where}/ids/sip_accounts: two SIP accounts share an id")
    next_id = 1 + max((int(value) for value in given.values() if value.isascii() and value.isdigit()), default=0)
    ids: dict[str, str] = {}
    for username in usernames:
        if username in given:
            ids[username] = given[username]
        else:
            ids[username] = str(next_id)
            next_id += 1
    return ids


def load_fixtures(path: Path | None = None) -> Fixtures:
    path = path or fixtures_dir() / DEFAULT_FIXTURES
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FixtureError(f"{path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise FixtureError(f"{path}: not valid YAML: {exc}") from None
    return parse_fixtures(document, str(path))
