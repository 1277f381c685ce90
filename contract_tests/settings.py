"""Where the contract tests point, read once from the environment.

Without ``APIDAZE_BASE_URL`` everything runs in-process against the emulator's ASGI app: no server, no network.
With it, the same tests run over HTTP against that host (the real KPN API, or the emulator in another process).

=========================  ==========================================================================================
``APIDAZE_BASE_URL``       Host to test, without a path: ``https://api-prd.kpn.com`` or ``http://127.0.0.1:8080``.
``APIDAZE_TOKEN_URL``      Token endpoint; default ``${APIDAZE_BASE_URL}/oauth/client_credential/accesstoken``.
``APIDAZE_CLIENT_ID``      OAuth client id; default ``contract-tests`` (the emulator's fixture client).
``APIDAZE_CLIENT_SECRET``  OAuth client secret; default ``contract-tests-secret``.
``APIDAZE_RATE_LIMIT``     Live runs only: at most this many calls, e.g. ``5/s`` or ``100/m`` (default: none).
``APIDAZE_MAX_RETRY_AFTER`` Live runs only: longest ``Retry-After`` (seconds) a 429 is waited out; default 60.
``APIDAZE_TOKEN_REFRESH``  Seconds a token is reused before a new one is fetched; default 3000 (KPN's live 3599).
``APIDAZE_ADMIN_TOKEN``    Live against the emulator: the bearer token of its control plane (``--admin-token``).
``APIDAZE_UPDATE_GAP``     Live without a control plane: seconds waited before an update, so ``updated_at`` can
                           move even if the API writes whole seconds; default 1.05.
``APIDAZE_RESPONSE_STYLE`` Live only: the response style the target answers in (``kpn`` or ``upstream``), which the
                           model then holds it to; unset, either answer the contract documents is accepted.
``APIDAZE_JSON_BODIES``    Live only: ``1`` lets the model send JSON bodies (a leniency of the emulator outside
                           KPN's contract); in-process it always does, half the time.
``APIDAZE_OPERATION``      Only this operation, named as schemathesis names it (``GET /communication/...``): what a
                           replay line sets to run one failing operation again.
=========================  ==========================================================================================
"""

from __future__ import annotations

import os
from pathlib import Path

from mock_server.spec import spec_path

ROOT = Path(__file__).resolve().parents[1]
# The contract as installed with mock_server: the repository's openapi/ here, the wheel's own copy once installed.
SPEC_PATH = spec_path()
TOKEN_PATH = "/oauth/client_credential/accesstoken"
API_PREFIX = "/communication/apidaze/cpaas"
TOKEN_OPERATION = "getAccessToken"

BASE_URL = (os.environ.get("APIDAZE_BASE_URL") or "").rstrip("/") or None
IN_PROCESS = BASE_URL is None
TOKEN_URL = os.environ.get("APIDAZE_TOKEN_URL") or f"{BASE_URL or ''}{TOKEN_PATH}"
CLIENT_ID = os.environ.get("APIDAZE_CLIENT_ID", "contract-tests")
CLIENT_SECRET = os.environ.get("APIDAZE_CLIENT_SECRET", "contract-tests-secret")
RATE_LIMIT = os.environ.get("APIDAZE_RATE_LIMIT") or None
MAX_RETRY_AFTER = float(os.environ.get("APIDAZE_MAX_RETRY_AFTER", "60"))
TOKEN_REFRESH_SECONDS = int(os.environ.get("APIDAZE_TOKEN_REFRESH", "3000"))
ADMIN_TOKEN = os.environ.get("APIDAZE_ADMIN_TOKEN") or None
UPDATE_GAP_SECONDS = float(os.environ.get("APIDAZE_UPDATE_GAP", "1.05"))
RESPONSE_STYLE = os.environ.get("APIDAZE_RESPONSE_STYLE") or None
JSON_BODIES = os.environ.get("APIDAZE_JSON_BODIES") == "1"
OPERATION = os.environ.get("APIDAZE_OPERATION") or None
REQUEST_TIMEOUT = 30.0


def describe() -> str:
    """One line for the pytest header: which target, which client."""
    target = "in-process emulator (ASGI)" if IN_PROCESS else f"live {BASE_URL} (token: {TOKEN_URL})"
    only = f", operation {OPERATION!r} only" if OPERATION else ""
    return f"apidaze contract tests: {target}, client {CLIENT_ID!r}{only}"
