"""The contract, loaded for schemathesis: explicit config, auth, and the in-process or live target.

Config is always passed explicitly (``Config.from_dict``), so no ``schemathesis.toml`` found on the way up from the
working directory can change what pytest checks.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import schemathesis
import yaml
from schemathesis.specs.openapi.schemas import OpenApiSchema

from contract_tests import replay, settings
from contract_tests.auth import ClientCredentialsAuth

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@cache
def _contract() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(settings.SPEC_PATH.read_text(encoding="utf-8"))
    return document


def contract_operations() -> list[tuple[str, str, str]]:
    """``(operationId, METHOD, path)`` of every operation in the contract file, read straight from the YAML."""
    return [
        (item[method]["operationId"], method.upper(), path)
        for path, item in _contract()["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


class StyledAnswer(NamedTuple):
    status: int
    form: str  # "array" (one record in a one-element array), "object" or "none"


def style_answers() -> dict[str, dict[str, StyledAnswer]]:
    """operationId -> response style -> its success answer, as each response's ``x-apidaze-style`` says."""
    answers: dict[str, dict[str, StyledAnswer]] = {}
    for item in _contract()["paths"].values():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            operation = item[method]
            for status, response in operation["responses"].items():
                for style, form in response.get("x-apidaze-style", {}).items():
                    answers.setdefault(operation["operationId"], {})[style] = StyledAnswer(int(status), form)
    return answers


# In-process nothing throttles or loses a token: a 401, 403 or 429 for a well-formed, authorised request is a bug,
# so those statuses are left out of the lists schemathesis accepts (its defaults take them, and then a throttled
# run passes green). 401 stays acceptable for *negative* data only, because schemathesis also sends broken
# Authorization headers as negative data.
IN_PROCESS_CHECKS: dict[str, Any] = {
    "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409"]},
    "negative_data_rejection": {"expected-statuses": ["400", "401", "404", "405", "409", "413", "415", "422"]},
}
# Live, the real gateway may throttle (429) or refuse (403) for reasons outside the contract; schemathesis'
# defaults accept those, and PoliteSession waits out 429s before a check sees them.
LIVE_CHECKS: dict[str, Any] = {}

TOKEN_ENDPOINT_OVERRIDE: dict[str, Any] = {
    "include-operation-id": settings.TOKEN_OPERATION,
    # Generated client ids and secrets are well-formed but unknown (401 invalid_client), and a request with
    # grant_type in neither query nor body is valid per schema yet incomplete (400 invalid_request).
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401"]}},
}


# Every relevant built-in check, named so that a reader (and a schemathesis upgrade that changes defaults) sees it.
# None is relaxed: where a check needed help, the contract or the emulator was fixed instead (docs/decisions.md).
ENABLED_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
    "missing_required_header",
)


def _checks(in_process: bool) -> dict[str, Any]:
    checks: dict[str, Any] = {name: {"enabled": True} for name in ENABLED_CHECKS}
    for name, options in (IN_PROCESS_CHECKS if in_process else LIVE_CHECKS).items():
        checks[name] = {**checks[name], **options}
    return checks


def build_config(*, in_process: bool, max_examples: int, seed: int | None = None) -> schemathesis.Config:
    document: dict[str, Any] = {
        "generation": {"max-examples": max_examples},
        # "Reproduce with" curl lines: credentials become a marker that replay.pasteable() turns into environment
        # variables, so a pasted line works and shows no secret.
        "output": {
            "sanitization": {
                "keys-to-sanitize": list(replay.SANITIZED_KEYS),
                "sensitive-markers": list(replay.SANITIZED_KEYS),
                "replacement": replay.MARKER,
            }
        },
        "checks": _checks(in_process),
        "operations": [TOKEN_ENDPOINT_OVERRIDE],
        # No .schemathesis/ state carried between runs (crash replays, learned data): a run depends on its seed alone.
        "cache": {"enabled": False},
        "phases": {
            "stateful": {
                # Explicit links only: links inferred from the list response make scenarios depend on leftovers
                # from earlier ones, which hypothesis reports as FlakyStrategyDefinition (notes 5.7).
                "inference": {"algorithms": []},
            }
        },
    }
    if seed is not None:
        document["seed"] = seed
    if not in_process and settings.RATE_LIMIT:
        document["rate-limit"] = settings.RATE_LIMIT
    return schemathesis.Config.from_dict(document)


def load_schema(
    app: Any | None = None, *, base_url: str | None = None, max_examples: int = 25, seed: int | None = None
) -> OpenApiSchema:
    """The contract bound to ``app`` (in-process) or to ``base_url`` (live), with OAuth registered on it."""
    if (app is None) == (base_url is None):
        raise ValueError("give exactly one of app and base_url")
    config = build_config(in_process=app is not None, max_examples=max_examples, seed=seed)
    schema = schemathesis.openapi.from_path(settings.SPEC_PATH, config=config)
    if app is not None:
        # What from_asgi sets; the emulator does not serve its spec under the API paths, so load it from disk.
        schema.app = app
    else:
        schema.config.update(base_url=base_url, request_timeout=settings.REQUEST_TIMEOUT)
    schema.auth(refresh_interval=settings.TOKEN_REFRESH_SECONDS, retry_on=[401]).skip_for(
        operation_id=settings.TOKEN_OPERATION
    )(ClientCredentialsAuth)
    return schema


def operation_ids(schema: OpenApiSchema) -> set[str]:
    ids: set[str] = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        ids.add(operation.definition.raw["operationId"])
    return ids
