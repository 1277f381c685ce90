"""``/externalscripts``: External Script List, Create, Read, Update, Delete and Test."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.errors import ExternalScriptNotFound
from mock_server.http import JSONResponse, api_body_fields, api_form_fields, query_fields
from mock_server.paths import API_PREFIX
from mock_server.routes.context import RouteContext, answer
from mock_server.scripts.directory import SipDirectory
from mock_server.scripts.fetch import CallParameters
from mock_server.scripts.isolation import ScriptRunner
from mock_server.spec import operations


def routes(context: RouteContext, runner: ScriptRunner) -> list[Route]:
    ops = operations()
    create_op, update_op = ops["createExternalScript"], ops["updateExternalScript"]
    item_op, delete_op, test_op = ops["getExternalScript"], ops["deleteExternalScript"], ops["testExternalScript"]

    async def collection(request: Request) -> Response:
        store = context.tenant(request).external_scripts
        if request.method == "POST":
            options = context.options(request)
            fields = await api_body_fields(request, create_op, strict=options.strict)
            created = store.create(fields["url"], fields.get("name", ""))
            return answer(create_op, options.response_style, created.to_api())
        return JSONResponse([script.to_api() for script in store.list()])

    async def item(request: Request) -> Response:
        script_id = request.path_params["id"]
        item_op.check_path(request.path_params)
        store = context.tenant(request).external_scripts
        options = context.options(request)
        if request.method == "PUT":
            fields = await api_body_fields(request, update_op, strict=options.strict)
            updated = store.update(script_id, fields["url"], fields.get("name"))
            return answer(update_op, options.response_style, updated.to_api())
        if request.method == "DELETE":
            return answer(delete_op, options.response_style, store.delete(script_id).to_api())
        return answer(item_op, options.response_style, store.get(script_id).to_api())

    async def test(request: Request) -> Response:
        options = context.options(request)
        # KPN's Swagger declares url as a form field of this GET, so generated clients send it in the body.
        body = await api_form_fields(request, strict=options.strict)
        params = query_fields(request, test_op, strict=options.strict, body=body)
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
        # A caller_username that is one of the client's SIP accounts makes the test call come from it.
        directory = SipDirectory.of(context.tenant(request).sip_accounts.list(), context.domain(request))
        parameters = CallParameters.from_query(params).calling_from(directory.uris)
        # In a child process within a budget: a heavy script costs its caller time, not everyone else.
        report = await runner.inspect(url, parameters)
        return answer(test_op, options.response_style, {**tested, **report.to_api()})

    base = f"{API_PREFIX}/externalscripts"
    # "/test" comes before "/{id}", or the test endpoint would read as a script with id "test".
    return [
        Route(base, collection, methods=["GET", "POST"]),
        Route(base + "/test", test, methods=["GET"]),
        Route(base + "/{id}", item, methods=["GET", "PUT", "DELETE"]),
    ]
