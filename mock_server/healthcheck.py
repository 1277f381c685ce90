"""``python -m mock_server.healthcheck``: exit 0 when the emulator's ``/__admin/health`` answers ``ok``.

The container's ``HEALTHCHECK`` runs it (the slim image has no curl). Beyond loopback the control plane wants the
admin token, so it is sent when ``APIDAZE_ADMIN_TOKEN`` is set. ``APIDAZE_HEALTH_URL`` overrides the address.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8080/__admin/health"


def check(url: str, token: str | None, timeout: float = 2.0) -> str | None:
    """``None`` when healthy, else why not."""
    if not url.startswith(("http://", "https://")):
        return f"not an http(s) URL: {url}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            body = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"{url}: {error}"
    if not isinstance(body, dict) or body.get("status") != "ok":
        return f"{url}: unexpected answer {body!r}"
    return None


def main() -> int:
    url = os.environ.get("APIDAZE_HEALTH_URL", DEFAULT_URL)
    problem = check(url, os.environ.get("APIDAZE_ADMIN_TOKEN") or None)
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
