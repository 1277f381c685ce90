"""``/__admin/calls``: simulate an inbound call against a script, and list the calls run so far.

Simulated calls and calls from softphones (the SIP side) share one record, the call log: both show here with their
events, newest first; a softphone's call shows while it runs.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.clock import Clock
from mock_server.domain.calls import CallLog, CallRecord
from mock_server.errors import CallNotFound, ClientNotFound
from mock_server.http import JSONResponse, body_fields, query_fields
from mock_server.scripts.directory import SipDirectory
from mock_server.scripts.fetch import CALL_FIELDS, CallParameters
from mock_server.scripts.isolation import ScriptRunner
from mock_server.scripts.simulator import MAX_FETCHES, CallScript
from mock_server.spec import ADMIN_SPEC, operations
from mock_server.state import EmulatorState


def call_script(fields: dict[str, Any], directory: SipDirectory | None = None) -> CallScript:
    """A ``CallRequest``, already checked against the contract, as the simulator's input.

    ``params`` and the call's own fields make one query, split by ``CallParameters.from_query`` as the test
    endpoint splits its query string; a call field given at the top level wins over the same name in ``params``.
    ``directory`` is the SIP accounts of the call's client, when it names one.
    """
    own = {name: fields[name] for name in CALL_FIELDS if name in fields}
    parameters = CallParameters.from_query({**fields.get("params", {}), **own})
    return CallScript(
        url=fields["url"],
        parameters=parameters if directory is None else parameters.calling_from(directory.uris),
        dtmf=fields.get("dtmf", ""),
        dial=fields.get("dial", []),
        # JSON Schema's "integer" accepts 2.0; the bound is counted, and shown in events, as an int.
        max_fetches=int(fields.get("max_fetches", MAX_FETCHES)),
        directory=directory,
    )


def sip_directory(state: EmulatorState, client_id: str) -> SipDirectory:
    """The SIP accounts of ``client_id`` as a call sees them, taken now."""
    client = state.clients.get(client_id)
    if client is None:
        raise ClientNotFound(info=f"client_id={client_id!r}")
    return SipDirectory.of(state.backends[client_id].sip_accounts.list(), client.domain)


def routes(state: EmulatorState, runner: ScriptRunner, log: CallLog, clock: Clock) -> list[Route]:
    ops = operations(ADMIN_SPEC)
    call_op, list_op = ops["adminSimulateCall"], ops["adminListCalls"]

    async def calls(request: Request) -> Response:
        if request.method == "GET":
            query = query_fields(request, list_op)
            found = log.list(client_id=query.get("client_id"), origin=query.get("origin"), limit=query.get("limit"))
            return JSONResponse({"capacity": log.capacity, "calls": [record.to_api() for record in found]})
        fields = await body_fields(request, call_op)
        directory = sip_directory(state, fields["client_id"]) if "client_id" in fields else None
        script = call_script(fields, directory)
        started = clock.now()
        record = log.add(CallRecord(script.parameters.uuid, "control", script.url, started, fields.get("client_id")))
        # In a child process, within an overall deadline and a CPU budget (scripts.isolation); the log shows the
        # call as running until its transcript comes back, or until the work fails (a 500): never running forever.
        try:
            record.events.extend(await runner.simulate(script))
        finally:
            record.ended_at = clock.now()
        return JSONResponse({"id": record.id, "events": record.events})

    async def one(request: Request) -> Response:
        record = log.get(request.path_params["id"])
        if record is None:
            raise CallNotFound(info=f"id={request.path_params['id']!r}")
        return JSONResponse(record.to_api())

    return [Route("/calls", calls, methods=["GET", "POST"]), Route("/calls/{id}", one, methods=["GET"])]
