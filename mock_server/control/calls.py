"""``/__admin/calls``: play a simulated inbound call against a script and answer its transcript."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.http import JSONResponse, body_fields
from mock_server.scripts.fetch import CALL_FIELDS, CallParameters
from mock_server.scripts.isolation import ScriptRunner
from mock_server.scripts.simulator import MAX_FETCHES, CallScript
from mock_server.spec import ADMIN_SPEC, operations


def call_script(fields: dict[str, Any]) -> CallScript:
    """A ``CallRequest``, already checked against the contract, as the simulator's input.

    ``params`` and the call's own fields make one query, split by ``CallParameters.from_query`` as the test
    endpoint splits its query string; a call field given at the top level wins over the same name in ``params``.
    """
    own = {name: fields[name] for name in CALL_FIELDS if name in fields}
    return CallScript(
        url=fields["url"],
        parameters=CallParameters.from_query({**fields.get("params", {}), **own}),
        dtmf=fields.get("dtmf", ""),
        dial=fields.get("dial", []),
        # JSON Schema's "integer" accepts 2.0; the bound is counted, and shown in events, as an int.
        max_fetches=int(fields.get("max_fetches", MAX_FETCHES)),
    )


def routes(runner: ScriptRunner) -> list[Route]:
    call_op = operations(ADMIN_SPEC)["adminSimulateCall"]

    async def call(request: Request) -> Response:
        script = call_script(await body_fields(request, call_op))
        # In a child process, within an overall deadline and a CPU budget (scripts.isolation).
        return JSONResponse({"events": await runner.simulate(script)})

    return [Route("/calls", call, methods=["POST"])]
