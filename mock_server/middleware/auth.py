"""Bearer tokens on the API: the caller into ``scope["apidaze.client_id"]`` and ``scope["apidaze.client"]``, or 401."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.domain.clients import Client, ClientRegistry
from mock_server.domain.tokens import TokenStore
from mock_server.errors import ApiError, InvalidToken, MissingToken
from mock_server.http import error_response

# KPN's pages say "Bearer"; Apigee Edge classically says "BearerToken", and some clients send that. Take both.
_SCHEMES = ("bearer", "bearertoken")
_REALM = 'Bearer realm="apidaze"'


class AuthMiddleware:
    def __init__(self, app: ASGIApp, tokens: TokenStore, clients: ClientRegistry, protected_prefix: str) -> None:
        self.app = app
        self.tokens = tokens
        self.clients = clients
        self.prefix = protected_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        try:
            client = self._client(scope)
        except ApiError as error:
            await error_response(error, scope)(scope, receive, send)
            return
        scope["apidaze.client_id"] = client.client_id
        scope["apidaze.client"] = client
        await self.app(scope, receive, send)

    def _client(self, scope: Scope) -> Client:
        header = Headers(scope=scope).get("authorization")
        if header is None:
            raise MissingToken(info="Authorization header missing", headers={"WWW-Authenticate": _REALM})
        scheme, _, credentials = header.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() not in _SCHEMES or not credentials:
            raise InvalidToken(
                "The Authorization header must be 'Bearer <access_token>'.",
                info="malformed Authorization header",
                headers={"WWW-Authenticate": _challenge("invalid_request", "malformed Authorization header")},
            )
        token = self.tokens.lookup(credentials)
        # A client removed at run time takes its tokens with it, even one revoked too late for this request.
        client = self.clients.get(token.client_id) if token is not None else None
        if client is None:
            raise InvalidToken(
                info="Get a new token from POST /oauth/client_credential/accesstoken.",
                headers={"WWW-Authenticate": _challenge("invalid_token", "unknown or expired token")},
            )
        return client


def _challenge(error: str, description: str) -> str:
    return f'{_REALM}, error="{error}", error_description="{description}"'
