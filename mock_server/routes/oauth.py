"""``POST /oauth/client_credential/accesstoken``: OAuth 2.0 client credentials, as KPN's API Store answers it."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.domain.clients import ClientRegistry
from mock_server.domain.tokens import TokenStore
from mock_server.errors import MalformedBody, OAuthError, UnsupportedMediaType
from mock_server.http import FORM, JSONResponse, media_type, parse_form, read_body
from mock_server.paths import TOKEN_PATH

API_PRODUCT = "apidaze-cpaas"


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(400, "invalid_request", "Only HTTP Basic client authentication is supported here.")
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise OAuthError(400, "invalid_request", "The Basic credentials are not valid base64.") from None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "The Basic credentials are not UTF-8.") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise OAuthError(400, "invalid_request", "The Basic credentials must be 'client_id:client_secret'.")
    # RFC 6749 section 2.3.1: both parts are form-urlencoded before base64.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def routes(clients: ClientRegistry, tokens: TokenStore) -> list[Route]:
    async def access_token(request: Request) -> Response:
        raw = await read_body(request)
        if raw and media_type(request.headers) != FORM:
            raise UnsupportedMediaType(
                "Send the token request as application/x-www-form-urlencoded.",
                info=f"Content-Type: {media_type(request.headers)!r}",
            )
        try:
            form = parse_form(raw)
        except MalformedBody as exc:
            raise OAuthError(400, "invalid_request", f"{exc.detail} {exc.info}") from None
        in_query = request.query_params.getlist("grant_type")
        if len(in_query) > 1:
            raise OAuthError(400, "invalid_request", "grant_type is given more than once.")
        grant_types = set(in_query)
        if "grant_type" in form:
            grant_types.add(form["grant_type"])
        if not grant_types:
            raise OAuthError(400, "invalid_request", "Missing grant_type: send grant_type=client_credentials.")
        if grant_types != {"client_credentials"}:
            raise OAuthError(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported.")

        basic = _basic_credentials(request)
        if basic is not None and ("client_id" in form or "client_secret" in form):
            raise OAuthError(
                400,
                "invalid_request",
                "Send the client credentials either as Basic or in the body, not both.",
            )
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        if not client_id:
            raise OAuthError(400, "invalid_request", "Missing client_id.")
        # The client this call names, for the journal and the access log, whether or not it proves to be it.
        request.scope["apidaze.client_id"] = client_id
        if secret is None:
            raise OAuthError(400, "invalid_request", "Missing client_secret.")
        client = clients.authenticate(client_id, secret)
        if client is None:
            challenge = {"WWW-Authenticate": 'Basic realm="apidaze"'} if basic is not None else {}
            raise OAuthError(401, "invalid_client", "Unknown client or wrong client secret.", headers=challenge)

        token = tokens.issue(client.client_id)
        body = {
            "refresh_token_expires_in": "0",
            "api_product_list": f"[{API_PRODUCT}]",
            "api_product_list_json": [API_PRODUCT],
            "organization_name": "kpn",
            "developer_email": f"{client.client_id}@apidaze-mock.local",
            "token_type": "Bearer",
            "issued_at": str(int(token.issued_at * 1000)),
            "client_id": client.client_id,
            "access_token": token.value,
            "application_name": client.client_id,
            "scope": "",
            "expires_in": str(tokens.lifetime_seconds),
            "refresh_count": "0",
            "status": "approved",
        }
        # RFC 6749 section 5.1: token answers must not be cached.
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    return [Route(TOKEN_PATH, access_token, methods=["POST"])]
