"""``/externalscripts``: External Script List, Create, Read, Update, Delete and Test."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.errors import ExternalScriptNotFound
from mock_server.http import JSONResponse, body_fields, query_fields
from mock_server.paths import API_PREFIX
from mock_server.routes.context import RouteContext
from mock_server.scripts.fetch import CallParameters
from mock_server.scripts.isolation import ScriptRunner
from mock_server.spec import operations


def routes(context: RouteContext, runner: ScriptRunner) -> list[Route]:
    ops = operations()
    create_op, update_op = ops["createExternalScript"], ops["updateExternalScript"]
    item_op, test_op = ops["getExternalScript"], ops["testExternalScript"]

    async def collection(request: Request) -> Response:
        store = context.tenant(request).external_scripts
        if request.method == "POST":
            fields = await body_fields(request, create_op)
            return JSONResponse([store.create(fields["url"], fields.get("name", "")).to_api()], 201)
        return JSONResponse([script.to_api() for script in store.list()])

    async def item(request: Request) -> Response:
        script_id = request.path_params["id"]
        item_op.check_path(request.path_params)
        store = context.tenant(request).external_scripts
        if request.method == "PUT":
            fields = await body_fields(request, update_op)
            return JSONResponse([store.update(script_id, fields["url"], fields.get("name")).to_api()])
        if request.method == "DELETE":
            store.delete(script_id)
            return Response(status_code=204)
        return JSONResponse([store.get(script_id).to_api()])

    async def test(request: Request) -> Response:
        params = query_fields(request, test_op)
        script = context.tenant(request).external_scripts.current
        url = params.pop("url", "") or (script.url if script else "")
        if not url:
            raise ExternalScriptNotFound(
                "You have no external script to test: pass ?url=... or create one first.", info="url: missing"
            )
        if script is not None and script.url == url:
            tested = script.to_api()
        else:
            tested = {"id": "", "name": "", "url": url, "created_at": "", "updated_at": ""}
        # In a child process within a budget: a heavy script costs its caller time, not everyone else.
        report = await runner.inspect(url, CallParameters.from_query(params))
        return JSONResponse([{**tested, **report.to_api()}])

    base = f"{API_PREFIX}/externalscripts"
    # "/test" comes before "/{id}", or the test endpoint would read as a script with id "test".
    return [
        Route(base, collection, methods=["GET", "POST"]),
        Route(base + "/test", test, methods=["GET"]),
        Route(base + "/{id}", item, methods=["GET", "PUT", "DELETE"]),
    ]
