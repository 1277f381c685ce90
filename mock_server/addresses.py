"""Which host names and addresses stay on this machine."""

from __future__ import annotations

import ipaddress

ADMIN_TOKEN_ENV = "APIDAZE_ADMIN_TOKEN"  # noqa: S105 (a variable name, not a secret)
# Addresses that listen on every interface: the names clients use for the machine cannot be known.
WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # noqa: S104 (names to recognise, not to bind)


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP (127.0.0.0/8, ::1); names are not resolved."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def authority(host: str, port: int) -> str:
    """``host:port`` as a URL writes it: an IPv6 address in brackets (RFC 3986)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def unguarded_admin(host: str, admin_token: str | None, no_admin: bool) -> str | None:
    """Why ``/__admin`` may not be served as asked (listening beyond loopback with no token), or None."""
    if no_admin or admin_token or is_loopback(host):
        return None
    return (
        f"--host {host} is reachable from other machines, so the control plane (/__admin) needs "
        f"--admin-token TOKEN (or ${ADMIN_TOKEN_ENV}), or switch it off with --no-admin."
    )


def admin_hosts(host: str) -> list[str]:
    """The ``Host`` names the control plane answers besides loopback ones: the listening address, or any name when
    it listens on every address (beyond loopback the admin token is then what keeps others out)."""
    return ["*"] if host in WILDCARD_HOSTS else [host]
