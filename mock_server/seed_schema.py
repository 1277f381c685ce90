"""The seed file's JSON Schema, as one file editors and other tools can read: ``fixtures/seed-file.schema.json``.

The rules live once, in ``openapi/admin.yaml`` (``SeedFile``, with the client and quota definitions it shares with
the control plane and the SIP account and script fields it borrows from the API's contract); this module writes them
out as a self-contained JSON Schema (draft 2020-12). A test keeps the committed file equal to what it writes:

    python -m mock_server.seed_schema > fixtures/seed-file.schema.json
"""

from __future__ import annotations

import json
from typing import Any

from mock_server.spec import API_SCHEMA_PREFIX, both_schemas

DEFS = "#/$defs/"
# The API's request bodies are open (a field the contract does not name is ignored, as KPN's form parameters are),
# but in a seed file such a field is a typo, and the loader refuses it: closed here by naming the fields the
# contract's own schema names, so the file and the loader agree.
_CLOSED = {"sip_accounts": "SipAccountCreate", "external_script": "ExternalScriptCreate"}


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(DEFS)} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(value) for value in node))
    return set()


def seed_file_schema() -> dict[str, Any]:
    """``SeedFile`` and every schema it reaches, under ``$defs``."""
    schemas = both_schemas(DEFS)
    needed, pending = set(), ["SeedFile"]
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending.extend(_references(schemas[name]))
    for field, name in _CLOSED.items():
        fields = sorted(schemas[API_SCHEMA_PREFIX + name]["properties"])
        place = schemas["SeedClient"]["properties"][field]
        closed = {"propertyNames": {"enum": fields}}
        if "items" in place:
            place["items"] = {**place["items"], **closed}
        else:
            place.update(closed)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "apidaze-mock seed file",
        "description": "Written from openapi/admin.yaml#/components/schemas/SeedFile; see docs/fixtures.md.",
        "$ref": DEFS + "SeedFile",
        "$defs": {name: schemas[name] for name in sorted(needed)},
    }


def render() -> str:
    return json.dumps(seed_file_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
