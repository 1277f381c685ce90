"""Errors in the API's own shape.

Every 4xx/5xx the emulated API sends is KPN's ``ErrorResponse``: ``{transactionId, status, name, message, info}``,
all strings. Domain code raises an :class:`ApiError` subclass; the one function :func:`error_body` renders it, and both
the app's exception handlers and the refusing middleware call it, so no handler writes an error dict by hand.

The token endpoint speaks OAuth (RFC 6749 section 5.2) instead: :class:`OAuthError` and :func:`oauth_error_body`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class ApiError(Exception):
    """Base of every error the emulated API answers with ``ErrorResponse``."""

    status: int = 500
    name: str = "InternalServerError"
    message: ClassVar[str] = "The emulator failed to handle this request."

    def __init__(self, message: str | None = None, info: str = "", headers: Mapping[str, str] | None = None):
        self.detail = message or self.message
        self.info = info
        self.headers = dict(headers or {})
        super().__init__(self.detail)


class InvalidRequest(ApiError):
    status, name, message = 400, "InvalidRequest", "The request does not match the API contract."


class MalformedBody(ApiError):
    status, name, message = 400, "MalformedBody", "The request body could not be parsed."


class MissingToken(ApiError):
    status, name = 401, "MissingToken"
    message = "No access token: send 'Authorization: Bearer <token>' from POST /oauth/client_credential/accesstoken."


class InvalidToken(ApiError):
    status, name, message = 401, "InvalidToken", "The access token is unknown, malformed or expired."


class Forbidden(ApiError):
    status, name, message = 403, "Forbidden", "This client may not call this operation."


class HostNotAllowed(Forbidden):
    name = "HostNotAllowed"
    message = (
        "The control plane answers requests addressed to loopback (localhost, 127.0.0.1, [::1]) or to the host it "
        "was started on: a web page that reached it under another name (DNS rebinding) may not drive it."
    )


class OriginNotAllowed(Forbidden):
    name = "OriginNotAllowed"
    message = "The control plane refuses calls from a web page of another origin (cross-site requests)."


class NotFound(ApiError):
    status, name, message = 404, "NotFound", "No such resource or path."


class SipAccountNotFound(NotFound):
    name, message = "SipAccountNotFound", "No SIP account with this id exists for your client."


class ExternalScriptNotFound(NotFound):
    name, message = "ExternalScriptNotFound", "No external script with this id exists for your client."


class CallNotFound(NotFound):
    name, message = "CallNotFound", "No call with this id is in the call log (it keeps the most recent calls)."


class ClientNotFound(NotFound):
    name, message = "ClientNotFound", "No OAuth client with this id is registered."


class MethodNotAllowed(ApiError):
    status, name, message = 405, "MethodNotAllowed", "This method is not allowed on this path."


class Conflict(ApiError):
    status, name, message = 409, "Conflict", "The request conflicts with the current state."


class SipAccountAlreadyExists(Conflict):
    name, message = "SipAccountAlreadyExists", "A SIP account with this username already exists."


class ExternalScriptAlreadyExists(Conflict):
    name = "ExternalScriptAlreadyExists"
    message = (
        "Only one external script is allowed per domain: update the existing one with "
        "PUT /externalscripts/{id} instead."
    )


class ClientAlreadyExists(Conflict):
    name, message = "ClientAlreadyExists", "An OAuth client with this id is already registered."


class PayloadTooLarge(ApiError):
    status, name, message = 413, "PayloadTooLarge", "The request body is too large."


class UnsupportedMediaType(ApiError):
    status, name = 415, "UnsupportedMediaType"
    message = "Send the body as application/x-www-form-urlencoded or application/json."


class QuotaExceeded(ApiError):
    status, name, message = 429, "QuotaExceeded", "The quota of API calls for this window is used up."


class SpikeArrest(ApiError):
    status, name, message = 429, "SpikeArrestViolation", "Too many calls in this second."


class FaultUnavailable(ApiError):
    status, name = 503, "FaultUnavailable"
    message = (
        "This server cannot cut connections, so the 'drop' and 'truncate' faults cannot run here: serve the "
        "emulator with apidaze-mock, mock_server.testing or its in-process transport."
    )


class HttpError(ApiError):
    """An HTTP error Starlette raised itself (other than 404 and 405), with the status and text it chose."""

    def __init__(self, status: int, name: str, message: str, info: str = "", headers: Mapping[str, str] | None = None):
        super().__init__(message, info, headers)
        self.status = status
        self.name = name


class BadGateway(ApiError):
    """``apidaze-mock proxy``: the upstream could not be reached, broke the exchange or failed TLS."""

    status, name, message = 502, "BadGateway", "The upstream API did not answer properly."


class ContractViolation(ApiError):
    """``apidaze-mock proxy --fail-on-violation``: the call broke the contract; ``info`` names each rule."""

    status, name, message = 502, "ContractViolation", "The call broke the API contract."


class GatewayTimeout(ApiError):
    """``apidaze-mock proxy``: the upstream took longer than ``--timeout``."""

    status, name, message = 504, "GatewayTimeout", "The upstream API did not answer in time."


class AdminTokenRequired(ApiError):
    status, name = 401, "AdminTokenRequired"
    message = "The control plane wants 'Authorization: Bearer <admin token>' (the --admin-token value)."


def error_body(status: int, name: str, message: str, info: str, transaction_id: str) -> dict[str, str]:
    """The one place an ``ErrorResponse`` body is built."""
    return {
        "transactionId": transaction_id,
        "status": str(status),
        "name": name,
        "message": message,
        "info": info,
    }


def api_error_body(error: ApiError, transaction_id: str) -> dict[str, str]:
    return error_body(error.status, error.name, error.detail, error.info, transaction_id)


class OAuthError(Exception):
    """An RFC 6749 section 5.2 error of the token endpoint."""

    def __init__(self, status: int, error: str, description: str, headers: Mapping[str, str] | None = None):
        self.status = status
        self.error = error
        self.description = description
        self.headers = dict(headers or {})
        super().__init__(description)


def oauth_error_body(error: OAuthError) -> dict[str, Any]:
    return {"error": error.error, "error_description": error.description}
