"""Interactive documentation, offline: Swagger UI at ``/docs`` and the contract at ``/openapi.yaml`` / ``.json``.

With the control plane on, ``/docs`` offers both contracts (a selector at the top), the control plane's own at
``/__admin/openapi.yaml``, and ``GET /__admin`` lists the control plane's endpoints. ``GET /`` leads to ``/docs``.

Like the control plane, this sits beside the emulated chain: no auth, quota, faults or journal apply. Swagger UI's
assets come from the ``swagger-ui-bundle-v2`` package, so a browser with no internet still gets the whole page.

The served contract lists the emulator itself (as the request reached it) first in ``servers``. Swagger UI resolves
the relative OAuth2 ``tokenUrl`` and every "Try it out" call against the selected server, so "Authorize" with a
fixture client (``local-client`` / ``local-secret``) gets a token from this emulator and the calls carry it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from mock_server.http import JSONResponse
from mock_server.paths import ADMIN_PREFIX
from mock_server.spec import ADMIN_SPEC, both_schemas, load_spec, relocated

DOCS_PREFIX = "/docs"

# A Host header is echoed into the served contract: accept only a plain host[:port], never markup or a path.
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")

_INDEX = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>apidaze-mock: KPN CPaaS APIdaze voice API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/swagger-initializer.js"></script>
</body>
</html>
"""

API_DOCS_NAME = "KPN CPaaS APIdaze voice API"
ADMIN_DOCS_NAME = "apidaze-mock control plane (/__admin)"
ADMIN_SPEC_PATH = ADMIN_PREFIX + "/openapi.yaml"

# Served in place of the bundle's own initializer, which points at the public petstore. With more than one contract
# the standalone layout's top bar offers a selector.
_INITIALIZER = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    urls: URLS,
    "urls.primaryName": PRIMARY,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "LAYOUT"
  });
};
"""


def _initializer(admin: bool) -> str:
    urls = [{"url": "/openapi.yaml", "name": API_DOCS_NAME}]
    if admin:
        urls.append({"url": ADMIN_SPEC_PATH, "name": ADMIN_DOCS_NAME})
    return (
        _INITIALIZER.replace("URLS", orjson.dumps(urls).decode())
        .replace("PRIMARY", orjson.dumps(API_DOCS_NAME).decode())
        .replace("LAYOUT", "StandaloneLayout" if admin else "BaseLayout")
    )


def _base_url(request: Request) -> str:
    host = request.headers.get("host", "")
    if not _HOST.match(host):
        server = request.scope.get("server") or ("127.0.0.1", 8080)
        host = f"{server[0]}:{server[1]}"
    return f"{request.url.scheme}://{host}"


@lru_cache(maxsize=32)
def served_spec(base_url: str) -> dict[str, Any]:
    """The contract with this emulator first in ``servers``; the file's own entries follow, without duplicates.

    The file requires ``BearerAuth`` only: listed as an alternative, ``OAuth2`` made schemathesis treat the token as
    optional and skip its missing-token checks. Swagger UI, though, puts the token from its client-credentials
    "Authorize" only on operations that list ``OAuth2``, so the served copy offers both.
    """
    document = load_spec()
    servers = [{"url": base_url, "description": "this emulator (apidaze-mock)"}]
    servers += [server for server in document.get("servers", []) if server.get("url") != base_url]
    security = list(document.get("security", []))
    if "OAuth2" in document.get("components", {}).get("securitySchemes", {}) and {"OAuth2": []} not in security:
        security.append({"OAuth2": []})
    return {**document, "servers": servers, "security": security}


@lru_cache(maxsize=32)
def _rendered(base_url: str, kind: str) -> bytes:
    document = served_spec(base_url)
    if kind == "json":
        return orjson.dumps(document)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()


@lru_cache(maxsize=32)
def served_admin_spec(base_url: str) -> bytes:
    """``admin.yaml`` as one document (the API's schemas it uses carried along) with this emulator as its server."""
    document = relocated(load_spec(ADMIN_SPEC), "#/components/schemas/")
    document["components"]["schemas"] = both_schemas("#/components/schemas/")
    document["servers"] = [{"url": base_url, "description": "this emulator (apidaze-mock)"}]
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()


def admin_index(document: dict[str, Any]) -> dict[str, Any]:
    """What ``GET /__admin`` answers: the control plane's endpoints, read from its contract."""
    endpoints = [
        {"method": method.upper(), "path": path, "summary": operation.get("summary", "")}
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    ]
    return {"endpoints": endpoints, "openapi": ADMIN_SPEC_PATH, "docs": DOCS_PREFIX}


def admin_docs_routes() -> list[BaseRoute]:
    """``GET /__admin`` (the endpoints) and ``/__admin/openapi.yaml``: read-only, what the package ships.

    They sit beside the control plane's mount, not in it, so they answer even where the control plane wants its
    admin token: they tell how to call it, and grant nothing.
    """

    async def index(request: Request) -> Response:
        return JSONResponse(admin_index(load_spec(ADMIN_SPEC)))

    async def spec(request: Request) -> Response:
        return Response(served_admin_spec(_base_url(request)), media_type="application/yaml")

    return [
        Route(ADMIN_PREFIX, index, methods=["GET"]),
        Route(ADMIN_PREFIX + "/", index, methods=["GET"]),
        Route(ADMIN_SPEC_PATH, spec, methods=["GET"]),
    ]


def docs_routes(admin: bool = True) -> list[BaseRoute]:
    """``/docs`` (Swagger UI with its assets; both contracts when ``admin``), ``/openapi.yaml``, ``/openapi.json``
    and ``GET /``, which leads to ``/docs``.

    Swagger UI is one app mounted under ``/docs``, so an API call passes few routes here.
    """
    script = _initializer(admin)

    async def index(request: Request) -> Response:
        return HTMLResponse(_INDEX)

    async def initializer(request: Request) -> Response:
        return Response(script, media_type="text/javascript")

    async def root(request: Request) -> Response:
        return RedirectResponse(DOCS_PREFIX, status_code=302)

    async def spec_yaml(request: Request) -> Response:
        return Response(_rendered(_base_url(request), "yaml"), media_type="application/yaml")

    async def spec_json(request: Request) -> Response:
        return Response(_rendered(_base_url(request), "json"), media_type="application/json")

    swagger_ui = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/index.html", index, methods=["GET"]),
            Route("/swagger-initializer.js", initializer, methods=["GET"]),
            Mount("", StaticFiles(directory=Path(str(swagger_ui_path)))),
        ]
    )
    return [
        Route("/", root, methods=["GET"]),
        Route(DOCS_PREFIX, index, methods=["GET"]),
        Mount(DOCS_PREFIX, swagger_ui),
        Route("/openapi.yaml", spec_yaml, methods=["GET"]),
        Route("/openapi.json", spec_json, methods=["GET"]),
    ]
