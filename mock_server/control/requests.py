"""``/__admin/requests``: the request journal, newest first, with filters."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.domain.journal import Journal
from mock_server.http import JSONResponse, query_fields
from mock_server.spec import ADMIN_SPEC, operations


def _pair(text: str | None, separator: str) -> dict[str, str] | None:
    """``name=value`` (a query filter) or ``Name: value`` (a header filter) as a one-entry mapping."""
    if text is None:
        return None
    name, _, value = text.partition(separator)
    return {name.strip(): value.strip() if separator == ":" else value}


def routes(journal: Journal) -> list[Route]:
    list_op = operations(ADMIN_SPEC)["adminListRequests"]

    async def endpoint(request: Request) -> Response:
        if request.method == "DELETE":
            journal.clear()
            return Response(status_code=204)
        query = query_fields(request, list_op)
        entries = journal.entries(
            client_id=query.get("client_id"),
            method=query.get("method"),
            path=query.get("path"),
            status=query.get("status"),
            limit=query.get("limit"),
            body=query.get("body"),
            query=_pair(query.get("query"), "="),
            headers=_pair(query.get("header"), ":"),
        )
        return JSONResponse({"capacity": journal.capacity, "requests": entries})

    return [Route("/requests", endpoint, methods=["GET", "DELETE"])]
