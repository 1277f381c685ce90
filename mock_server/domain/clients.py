"""OAuth clients: who may ask for a token, their SIP domain, their quota and how the API treats them."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

TIME_UNITS = ("minute", "hour", "day", "week", "month")


@dataclass(frozen=True)
class QuotaPolicy:
    """``limit`` calls per ``interval`` x ``time_unit``; ``spike_per_second`` caps bursts when set."""

    limit: int = 6000
    interval: int = 1
    time_unit: str = "minute"
    spike_per_second: int | None = None

    def __post_init__(self) -> None:
        if self.limit < 1 or self.interval < 1:
            raise ValueError("quota limit and interval must be at least 1")
        if self.time_unit not in TIME_UNITS:
            raise ValueError(f"quota time_unit must be one of {', '.join(TIME_UNITS)}")
        if self.spike_per_second is not None and self.spike_per_second < 1:
            raise ValueError("quota spike_per_second must be at least 1")


@dataclass(frozen=True)
class ApiOptions:
    """How the API treats a client: the response style it answers in, and whether it holds requests to the letter.

    The run's (``--response-style``, ``--strict``) are the defaults; a client may set its own.
    """

    response_style: str = "kpn"
    strict: bool = False


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str = field(repr=False)
    domain: str
    quota: QuotaPolicy = field(default_factory=QuotaPolicy)
    # None: the run's default (ApiOptions); set, this client's own.
    response_style: str | None = None
    strict: bool | None = None

    def options(self, defaults: ApiOptions) -> ApiOptions:
        """This client's API options, the run's ``defaults`` where it sets none."""
        if self.response_style is None and self.strict is None:
            return defaults
        return ApiOptions(
            defaults.response_style if self.response_style is None else self.response_style,
            defaults.strict if self.strict is None else self.strict,
        )

    def secret_matches(self, candidate: str) -> bool:
        # Constant time, so response timing tells nothing about how much of a guessed secret was right.
        return hmac.compare_digest(self.client_secret.encode(), candidate.encode())


class ClientRegistry:
    """The clients the token endpoint knows, by id."""

    def __init__(self) -> None:
        self._clients: dict[str, Client] = {}

    def add(self, client: Client) -> None:
        self._clients[client.client_id] = client

    def remove(self, client_id: str) -> bool:
        return self._clients.pop(client_id, None) is not None

    def get(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def authenticate(self, client_id: str, client_secret: str) -> Client | None:
        client = self._clients.get(client_id)
        if client is None:
            # Compare anyway so an unknown id costs the same time as a wrong secret.
            hmac.compare_digest(b"unknown-client", client_secret.encode())
            return None
        return client if client.secret_matches(client_secret) else None

    def all(self) -> list[Client]:
        return list(self._clients.values())

    def clear(self) -> None:
        self._clients.clear()
