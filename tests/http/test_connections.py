"""Whether a request's connection can be cut, read from the ASGI scope any server gives."""

from __future__ import annotations

import asyncio

import pytest

from mock_server.connections import can_cut, cut


@pytest.mark.parametrize(
    ("server", "client"),
    [
        (["/run/apidaze.sock", None], None),  # the ASGI spec's unix socket: [path, None]
        (None, None),
        (("127.0.0.1", 8080), ("127.0.0.1", 50000)),  # no connection of apidaze-mock's server has this pair
    ],
)
def test_a_connection_no_server_of_ours_holds_cannot_be_cut(server: object, client: object) -> None:
    scope = {"type": "http", "server": server, "client": client}
    assert not can_cut(scope)
    assert asyncio.run(cut(scope, reset=True)) is False
