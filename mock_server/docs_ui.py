"""Interactive documentation, offline: Swagger UI at ``/docs`` and the contract at ``/openapi.yaml`` / ``.json``.

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
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from mock_server.spec import load_spec

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

# Served in place of the bundle's own initializer, which points at the public petstore.
_INITIALIZER = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.yaml",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout"
  });
};
"""


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


def docs_routes() -> list[BaseRoute]:
    """``/docs`` (Swagger UI with its assets), ``/openapi.yaml`` and ``/openapi.json``.

    Swagger UI is one app mounted under ``/docs``, so an API call passes three routes here, not seven.
    """

    async def index(request: Request) -> Response:
        return HTMLResponse(_INDEX)

    async def initializer(request: Request) -> Response:
        return Response(_INITIALIZER, media_type="text/javascript")

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
        Route(DOCS_PREFIX, index, methods=["GET"]),
        Mount(DOCS_PREFIX, swagger_ui),
        Route("/openapi.yaml", spec_yaml, methods=["GET"]),
        Route("/openapi.json", spec_json, methods=["GET"]),
    ]
