"""Paths and tokens for tests that talk to the emulator's built-in seed through an httpx client."""

from __future__ import annotations

import httpx

ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"
TOKEN = "/oauth/client_credential/accesstoken?grant_type=client_credentials"
# The built-in seed's demo client, which the README prints.
CLIENT_ID, CLIENT_SECRET = "local-client", "local-secret"


def access_token(http: httpx.Client, client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    reply = http.post(TOKEN, data={"client_id": client_id, "client_secret": secret})
    assert reply.status_code == 200, reply.text
    value: str = reply.json()["access_token"]
    return value


def bearer(http: httpx.Client, client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token(http, client_id, secret)}"}
