"""Generate the Postman collection and environment from ``openapi/apidaze-cpaas.yaml``, as KPN's pages teach.

    (cd postman && npm ci) && APIDAZE_NODE_TOOLS=postman python postman/generate.py

openapi-to-postmanv2 converts the contract (requests named as on KPN's pages: "SIP Account List", ...). Then, so
that the collection runs in order against a fresh emulator (newman in CI) and a person can send any request:

* every request carries ``Authorization: Bearer {{access_token}}``; a collection pre-request script fetches a token
  with ``client_id``/``client_secret`` from the environment when there is none or it has expired, and "Get an access
  token" stores what it gets in the environment too;
* ids flow between requests: a create or a list stores ``sip_account_id`` / ``external_script_id``, which the
  requests on one resource use;
* bodies hold one working example, other optional fields are present but switched off;
* the converter's random parts (item ids, example answers made from the schemas) are left out, so the same
  contract always gives the same files, and a test can tell when the committed ones are out of date.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi" / "apidaze-cpaas.yaml"
COLLECTION = ROOT / "postman" / "apidaze-cpaas.postman_collection.json"
ENVIRONMENT = ROOT / "postman" / "apidaze-mock.postman_environment.json"
TOKEN_REQUEST = "Get an access token"  # noqa: S105 (a request's name)
CONVERTER_OPTIONS = "folderStrategy=Tags,requestParametersResolution=Example,exampleParametersResolution=Example"

# The order a run goes in, so every request finds what it needs: an account is created before it is read, and the
# demo client's one external script is read, changed and deleted before a create can succeed.
ORDER = [
    TOKEN_REQUEST,
    "SIP Account List",
    "SIP Account Create",
    "SIP Account Read",
    "SIP Account Update",
    "SIP Account Status",
    "SIP Account Delete",
    "External Script List",
    "External Script Read",
    "External Script Update",
    "External Script Test",
    "External Script Delete",
    "External Script Create",
]
# Body fields sent (others stay in the request, switched off).
BODIES = {
    "SIP Account Create": {"username": "alice", "name": "Alice"},
    "SIP Account Update": {"name": "Alice (desk)"},
    "External Script Create": {"url": "http://127.0.0.1:8081/ivr.xml", "name": "ivr"},
    "External Script Update": {"url": "http://127.0.0.1:8081/ivr.xml", "name": "ivr, updated"},
    TOKEN_REQUEST: {"client_id": "{{client_id}}", "client_secret": "{{client_secret}}"},
}
ID_VARIABLES = {"sipaccounts": "sip_account_id", "externalscripts": "external_script_id"}
# Which requests store an id for those that follow: a create stores what it made, a list the first it shows.
STORES = {
    "SIP Account Create": "sip_account_id",
    "External Script List": "external_script_id",
    "External Script Create": "external_script_id",
}

STATUS_TEST = 'pm.test("answers 2xx", function () { pm.response.to.be.success; });'
STORE_ID = """var items = pm.response.json();
if (Array.isArray(items) && items.length > 0) { pm.environment.set("VARIABLE", items[0].id); }"""
STORE_TOKEN = """var answer = pm.response.json();
pm.environment.set("access_token", answer.access_token);
pm.environment.set("access_token_expires_at", String(Date.now() + 1000 * (Number(answer.expires_in) - 60)));"""  # noqa: S105
# Runs before every request: a token when there is none, or the one there has (nearly) expired.
FETCH_TOKEN = """if (pm.info.requestName === "TOKEN_REQUEST") { return; }
var expires = Number(pm.environment.get("access_token_expires_at") || 0);
if (pm.environment.get("access_token") && Date.now() < expires) { return; }
pm.sendRequest({
    url: pm.environment.replaceIn("{{baseUrl}}/oauth/client_credential/accesstoken?grant_type=client_credentials"),
    method: "POST",
    header: {"Content-Type": "application/x-www-form-urlencoded"},
    body: {mode: "urlencoded", urlencoded: [
        {key: "client_id", value: pm.environment.get("client_id")},
        {key: "client_secret", value: pm.environment.get("client_secret")}
    ]}
}, function (error, response) {
    if (error || response.code !== 200) { throw new Error("no access token: " + (error || response.text())); }
    var answer = response.json();
    pm.environment.set("access_token", answer.access_token);
    pm.environment.set("access_token_expires_at", String(Date.now() + 1000 * (Number(answer.expires_in) - 60)));
});""".replace("TOKEN_REQUEST", TOKEN_REQUEST)


def node_tool(name: str) -> str:
    """A node tool (``openapi2postmanv2``, ``newman``) from ``$APIDAZE_NODE_TOOLS`` (where ``.ci/run`` installs them)
    or PATH; '' when missing."""
    tools = os.environ.get("APIDAZE_NODE_TOOLS")
    path = os.pathsep.join(
        filter(None, [str(Path(tools) / "node_modules" / ".bin") if tools else "", os.environ["PATH"]])
    )
    return shutil.which(name, path=path) or ""


def _event(listen: str, source: str) -> dict[str, Any]:
    return {"listen": listen, "script": {"type": "text/javascript", "exec": source.splitlines()}}


def _without(node: Any, keys: frozenset[str]) -> Any:
    """``node`` with every mapping's ``keys`` left out, at any depth."""
    if isinstance(node, dict):
        return {key: _without(value, keys) for key, value in node.items() if key not in keys}
    if isinstance(node, list):
        return [_without(value, keys) for value in node]
    return node


def _requests(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        if "item" in item:
            found.update(_requests(item["item"]))
        else:
            found[item["name"]] = item
    return found


def _shape(item: dict[str, Any]) -> None:
    name, request = item["name"], item["request"]
    url = request["url"]
    for variable in url.get("variable", []):
        resource = next(part for part in url["path"] if part in ID_VARIABLES)
        variable["value"] = "{{" + ID_VARIABLES[resource] + "}}"
    for parameter in url.get("query", []):
        # The test endpoint tests the client's own script when no url is given; grant_type stays as KPN sends it.
        parameter["disabled"] = parameter["key"] != "grant_type"
    body = request.get("body") or {}
    wanted = BODIES.get(name, {})
    fields = [
        field for field in body.get("urlencoded", []) if not (name == TOKEN_REQUEST and field["key"] == "grant_type")
    ]
    for field in fields:
        field["disabled"] = field["key"] not in wanted
        field["value"] = wanted.get(field["key"], "")
    if fields:
        body["urlencoded"] = fields
    tests = [STATUS_TEST]
    if name == TOKEN_REQUEST:
        request["auth"] = {"type": "noauth"}
        tests.append(STORE_TOKEN)
    if name in STORES:
        tests.append(STORE_ID.replace("VARIABLE", STORES[name]))
    item["event"] = [_event("test", "\n".join(tests))]


def collection_from(converted: dict[str, Any]) -> dict[str, Any]:
    """The converter's collection, made to run in order and to fetch its own token (see the module docstring)."""
    # The converter's random parts out: ids, and the example answers it makes up from the schemas.
    document = _without(converted, frozenset({"id", "response"}))
    requests = _requests(document["item"])
    missing = set(ORDER) ^ set(requests)
    if missing:
        raise SystemExit(f"the contract's operations and ORDER differ: {sorted(missing)}")
    for item in requests.values():
        _shape(item)
    folders = {item["name"]: item for item in document["item"]}
    for folder in folders.values():
        folder["item"].sort(key=lambda request: ORDER.index(request["name"]))
    document["item"] = sorted(folders.values(), key=lambda folder: min(ORDER.index(r["name"]) for r in folder["item"]))
    document["info"]["_postman_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "apidaze-mock/postman/collection"))
    document["auth"] = {"type": "bearer", "bearer": [{"key": "token", "value": "{{access_token}}", "type": "string"}]}
    document["event"] = [_event("prerequest", FETCH_TOKEN)]
    return document


def environment() -> dict[str, Any]:
    """The emulator's environment: its address, the demo client, and the values the collection keeps."""
    values = [
        ("baseUrl", "http://127.0.0.1:8080", "default"),
        ("client_id", "local-client", "default"),
        ("client_secret", "local-secret", "secret"),
        ("access_token", "", "secret"),
        ("access_token_expires_at", "", "default"),
        ("sip_account_id", "", "default"),
        ("external_script_id", "", "default"),
    ]
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "apidaze-mock/postman/environment")),
        "name": "apidaze-mock (local emulator)",
        "values": [{"key": key, "value": value, "type": kind, "enabled": True} for key, value, kind in values],
        "_postman_variable_scope": "environment",
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def generate(tool: str) -> tuple[str, str]:
    """The collection and the environment, as file contents."""
    with tempfile.TemporaryDirectory() as scratch:
        spec = Path(scratch) / "contract.json"
        # No additionalProperties: for a body that allows unnamed fields (they are ignored) the converter makes up a
        # random number of key_N fields, and the collection would change on every run.
        contract = _without(yaml.safe_load(SPEC.read_text(encoding="utf-8")), frozenset({"additionalProperties"}))
        spec.write_text(json.dumps(contract))
        output = Path(scratch) / "converted.json"
        subprocess.run(  # noqa: S603 (the converter, on the contract file)
            [tool, "-s", str(spec), "-o", str(output), "-O", CONVERTER_OPTIONS],
            check=True,
            capture_output=True,
            timeout=120,
        )
        converted = json.loads(output.read_text(encoding="utf-8"))
    return render(collection_from(converted)), render(environment())


def main() -> int:
    tool = node_tool("openapi2postmanv2")
    if not tool:
        print("openapi2postmanv2 not found: npm install openapi-to-postmanv2 (see .ci/run)", file=sys.stderr)
        return 2
    collection, env = generate(tool)
    COLLECTION.write_text(collection, encoding="utf-8")
    ENVIRONMENT.write_text(env, encoding="utf-8")
    print(f"wrote {COLLECTION.relative_to(ROOT)} and {ENVIRONMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
