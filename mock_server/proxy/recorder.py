"""What the proxy saw, as a seed file the emulator loads (``apidaze-mock --fixtures``).

Each answer is read for the state it shows: the clients that got tokens, their quota (the ``quota-*`` headers), their
SIP domain (a status answer's ``uri``), and their SIP accounts and external script as last answered: a list replaces
what was known, a read, create or update sets one, a delete or a 404 removes it. Either response style is read: a
record alone or in a one-element array, 200 or 201 and 202, a delete with the record or without a body. The seed
keeps every id (``ids``), so a fresh emulator answers the same reads with the same ids and fields.

Nothing secret is written: each ``client_secret`` is :data:`PLACEHOLDER_SECRET`, and no token or SIP password is
kept. Timestamps are not kept either: a seed states what exists, and the emulator stamps it when it loads. A value
the lenient create schemas refuse, as seed files are checked (a caller id longer than the 64 characters the emulator
keeps, say), is left out and named in the file's header, so the file always loads; what only ``--strict`` refuses is
kept as seen.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from mock_server.fixtures import parse_fixtures
from mock_server.http import FORM
from mock_server.spec import component_schema, operations

SEED_FILE = "seed.yaml"
PLACEHOLDER_SECRET = "placeholder-secret"  # noqa: S105 (the stand-in written instead of a secret)
_MAX_TOKEN_LIFETIME = 31_536_000


@dataclass
class _Client:
    """One client as observed: resources by id in the order the upstream lists them."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    script: dict[str, Any] | None = None
    domain: str | None = None
    quota: dict[str, Any] | None = None


def _objects(document: Any) -> list[dict[str, Any]]:
    """The resources of a success body (KPN answers arrays), those with a string id."""
    items = document if isinstance(document, list) else [document]
    return [item for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _group(account: dict[str, Any], name: str) -> dict[str, Any]:
    value = account.get(name)
    return value if isinstance(value, dict) else {}


class Recorder:
    """The state the answers showed, per client; :meth:`document` renders it as a ``SeedFile``."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self._clients: dict[str, _Client] = {}
        self._token_lifetime: int | None = None

    def observe(
        self,
        client_id: str | None,
        operation_id: str,
        params: dict[str, str],
        status: int,
        headers: dict[str, str],
        document: Any,
    ) -> None:
        """One answer of ``operation_id`` to ``client_id`` (ignored when the call is not tied to a client)."""
        if client_id is None:
            return
        if operation_id == "getAccessToken":
            # A client is one that got a token; a failed login names no client.
            if status == 200 and isinstance(document, dict):
                self._clients.setdefault(client_id, _Client())
                self._note_lifetime(document.get("expires_in"))
            return
        seen = self._clients.setdefault(client_id, _Client())
        self._note_quota(seen, headers)
        resource = "accounts" if "SipAccount" in operation_id else "script" if "ExternalScript" in operation_id else ""
        if status == 404 and "id" in params:
            self._forget(seen, resource, params["id"])
        elif 200 <= status < 300 and resource == "accounts":
            self._note_accounts(seen, operation_id, params, document)
        elif 200 <= status < 300 and resource == "script" and operation_id != "testExternalScript":
            self._note_script(seen, operation_id, document)

    def _note_lifetime(self, expires_in: Any) -> None:
        if isinstance(expires_in, str) and expires_in.isascii() and expires_in.isdigit():
            self._token_lifetime = min(max(int(expires_in), self._token_lifetime or 1), _MAX_TOKEN_LIFETIME)

    @staticmethod
    def _note_quota(seen: _Client, headers: dict[str, str]) -> None:
        try:
            quota = {
                "limit": int(headers["quota-limit"]),
                "interval": int(headers["quota-interval"]),
                "time_unit": headers["quota-time-unit"],
            }
        except (KeyError, ValueError):
            return
        if not component_schema("Quota").problems(quota):
            seen.quota = quota

    @staticmethod
    def _forget(seen: _Client, resource: str, resource_id: str) -> None:
        if resource == "accounts":
            seen.accounts.pop(resource_id, None)
        elif resource == "script" and seen.script is not None and seen.script["id"] == resource_id:
            seen.script = None

    @staticmethod
    def _note_accounts(seen: _Client, operation_id: str, params: dict[str, str], document: Any) -> None:
        found = _objects(document)
        if operation_id == "listSipAccounts":
            seen.accounts = {account["id"]: account for account in found}
        elif operation_id == "deleteSipAccount":
            seen.accounts.pop(params.get("id", ""), None)
        else:
            for account in found:
                seen.accounts[account["id"]] = account
                uri = account.get("uri")
                if isinstance(uri, str) and uri.startswith("sip:") and "@" in uri:
                    seen.domain = uri.rpartition("@")[2]

    @staticmethod
    def _note_script(seen: _Client, operation_id: str, document: Any) -> None:
        if operation_id == "deleteExternalScript":
            seen.script = None
            return
        found = _objects(document)
        if operation_id == "listExternalScripts" or found:
            seen.script = found[0] if found else None

    def document(self) -> tuple[dict[str, Any], list[str]]:
        """The seed file, and notes on what it could not hold."""
        notes: list[str] = []
        clients = []
        for client_id, seen in self._clients.items():
            entry = _client_entry(client_id, seen, notes)
            if entry is not None:
                clients.append(entry)
        document: dict[str, Any] = {}
        if self._token_lifetime is not None:
            document["token_lifetime_seconds"] = self._token_lifetime
        document["clients"] = clients
        return document, notes

    def write(self, directory: Path) -> Path:
        """Write ``directory/seed.yaml`` atomically, after loading it as the emulator would; its path."""
        document, notes = self.document()
        parse_fixtures(document, "the recording")  # never a file the emulator refuses
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / SEED_FILE
        when = datetime.now(UTC).isoformat(timespec="seconds")
        header = [
            f"Recorded by apidaze-mock proxy from {self.upstream} at {when}.",
            f"Load it with: apidaze-mock --fixtures {path}",
            "Schema: openapi/admin.yaml#/components/schemas/SeedFile.",
            f"Every client_secret is the placeholder {PLACEHOLDER_SECRET!r}: put the secret your tests use instead.",
            "Not recorded: tokens, SIP passwords (the emulator makes new ones) and timestamps (set when it loads).",
            *(["Left out:"] + [f"  - {note}" for note in notes] if notes else []),
        ]
        text = "".join(f"# {' '.join(line.splitlines())}\n" for line in header)
        text += yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{SEED_FILE}.", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path


def _client_entry(client_id: str, seen: _Client, notes: list[str]) -> dict[str, Any] | None:
    entry: dict[str, Any] = {"client_id": client_id, "client_secret": PLACEHOLDER_SECRET}
    if seen.domain:
        entry["domain"] = seen.domain
    if seen.quota:
        entry["quota"] = seen.quota
    if problems := component_schema("NewClient").problems(entry):
        notes.append(f"client {client_id!r}: {'; '.join(map(str, problems))}")
        return None
    accounts, ids = _accounts(client_id, seen, notes)
    if accounts:
        entry["sip_accounts"] = accounts
    if seen.script is not None:
        script = _script(client_id, seen.script, notes)
        if script is not None:
            entry["external_script"] = script
            if _valid_id("getExternalScript", seen.script["id"]):
                ids["external_script"] = seen.script["id"]
    if ids:
        entry["ids"] = ids
    return entry


def _accounts(client_id: str, seen: _Client, notes: list[str]) -> tuple[list[dict[str, str]], dict[str, Any]]:
    accounts: list[dict[str, str]] = []
    account_ids: dict[str, str] = {}
    for account_id, account in seen.accounts.items():
        sip, callerid = _group(account, "sip"), _group(account, "callerid")
        name = _text(account.get("name"))
        fields = {
            "username": _text(sip.get("username")),
            "name": name,
            "internal_caller_id_number": _text(callerid.get("internal_number")),
            "external_caller_id_number": _text(callerid.get("external_number")),
            "mwi_account": _text(_group(account, "voicemail").get("mwi_account")),
        }
        where = f"client {client_id!r}, SIP account {account_id!r}"
        created = _creatable("createSipAccount", {key: value for key, value in fields.items() if value}, where, notes)
        if created is None:
            continue
        fields = created
        if fields["username"] in account_ids:
            notes.append(f"{where}: its username {fields['username']!r} is taken by another account")
            continue
        for group in ("internal_name", "external_name"):
            if _text(callerid.get(group)) not in ("", name):
                notes.append(f"{where}: callerid.{group} differs from name; the emulator shows the name")
        accounts.append(fields)
        if _valid_id("getSipAccount", account_id):
            account_ids[fields["username"]] = account_id
        else:
            notes.append(f"{where}: the id does not fit the contract; the emulator numbers it")
    return accounts, ({"sip_accounts": account_ids} if account_ids else {})


def _script(client_id: str, script: dict[str, Any], notes: list[str]) -> dict[str, str] | None:
    fields = {"url": _text(script.get("url")), "name": _text(script.get("name"))}
    where = f"client {client_id!r}, external script {script['id']!r}"
    return _creatable("createExternalScript", {key: value for key, value in fields.items() if value}, where, notes)


def _creatable(operation_id: str, fields: dict[str, str], where: str, notes: list[str]) -> dict[str, str] | None:
    """``fields`` as the create operation takes them: a refused field left out, or None when that is not enough."""
    schema = operations()[operation_id].body[FORM]  # the lenient reading, as seed files are checked
    for problem in schema.problems(fields):
        name = problem.location.removeprefix("body.")
        if name in fields and problem.location != "body":
            notes.append(f"{where}: {name} {fields.pop(name)!r} left out ({problem.message})")
    if problems := schema.problems(fields):
        notes.append(f"{where}: not recorded ({'; '.join(map(str, problems))})")
        return None
    return fields


def _valid_id(operation_id: str, resource_id: str) -> bool:
    """Whether the emulator can hold ``resource_id``: one the API takes in its path, and a decimal as the emulator's
    own counters hand out (``admin.yaml``'s ``ResourceId``), so a snapshot of it imports again."""
    return not operations()[operation_id].path_problems({"id": resource_id}) and not component_schema(
        "ResourceId"
    ).problems(resource_id)
