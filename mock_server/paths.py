"""Where things live on the wire: the API's prefix, the token endpoint and the control plane's prefix."""

from __future__ import annotations

API_PREFIX = "/communication/apidaze/cpaas"
TOKEN_PATH = "/oauth/client_credential/accesstoken"  # noqa: S105 (a path, not a secret)
ADMIN_PREFIX = "/__admin"
