"""``/__admin/calls``: play a simulated inbound call against a script and answer its transcript."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.http import JSONResponse, body_fields
from mock_server.scripts.fetch import CALL_FIELDS, CallParameters, FetchPolicy, ScriptFetcher
from mock_server.scripts.simulator import MAX_FETCHES, CallScript, simulate
from mock_server.spec import ADMIN_SPEC, operations


def call_script(fields: dict[str, Any]) -> CallScript:
    """A ``CallRequest``, already checked against the contract, as the simulator's input."""
    given = {name: fields[name] for name in CALL_FIELDS if name in fields}
    return CallScript(
        url=fields["url"],
        parameters=CallParameters(**given, extra=fields.get("params", {})),
        dtmf=fields.get("dtmf", ""),
        dial=fields.get("dial", []),
        max_fetches=fields.get("max_fetches", MAX_FETCHES),
    )


def routes(policy: FetchPolicy) -> list[Route]:
    call_op = operations(ADMIN_SPEC)["adminSimulateCall"]
    fetcher = ScriptFetcher(policy)

    async def call(request: Request) -> Response:
        script = call_script(await body_fields(request, call_op))
        return JSONResponse({"events": await simulate(script, fetcher)})

    return [Route("/__admin/calls", call, methods=["POST"])]
