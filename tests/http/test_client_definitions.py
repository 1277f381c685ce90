"""A seed file and ``POST /__admin/clients`` accept and refuse exactly the same client definitions.

Both check against ``ClientDefinition`` in ``openapi/admin.yaml``; this holds them to it from the outside, with the
control plane reached over HTTP as users reach it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from mock_server.app import Emulator, create_app
from mock_server.domain.clients import TIME_UNITS, Client
from mock_server.fixtures import FixtureError, parse_fixtures
from mock_server.testing import InProcessTransport


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return create_app(parse_fixtures({}, "no clients"))


@pytest.fixture(scope="module")
def control(emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url="http://emulator.localhost", transport=InProcessTransport(emulator)) as client:
        yield client


def lengths(low: int, high: int, letter: str) -> st.SearchStrategy[str]:
    """Strings around a length bound."""
    return st.integers(low, high).map(lambda n: letter * n)


# Each field mixes values that pass with values that break one rule, so both answers come up often.
numbers = st.one_of(
    st.integers(1, 10),
    st.integers(-1, 0),
    st.integers(),
    st.just(1_000_000_001),
    st.floats(allow_nan=False, allow_infinity=False),  # JSON has neither
    st.text(max_size=2),
    st.none(),
)
quotas = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "limit": numbers,
            "interval": numbers,
            "time_unit": st.sampled_from([*TIME_UNITS, "fortnight", ""]),
            "spike_per_second": numbers,
        },
    ),
    st.just({"burst": 1}),
    st.lists(st.integers(), max_size=1),
)
definitions = st.fixed_dictionaries(
    {
        "client_id": st.one_of(
            st.from_regex(r"[A-Za-z0-9._~-]{1,12}", fullmatch=True), st.text(max_size=12), lengths(126, 130, "c")
        ),
        "client_secret": st.one_of(st.text(min_size=1, max_size=8), lengths(254, 258, "s"), st.integers(), st.just("")),
    },
    optional={
        "domain": st.one_of(st.text(min_size=1, max_size=8), lengths(251, 255, "d"), st.just(""), st.booleans()),
        "quota": quotas,
    },
)


def changed(definition: dict[str, Any], change: str | None) -> dict[str, Any]:
    if change is None:
        return definition
    if change == "colour":
        return {**definition, "colour": "red"}
    return {key: value for key, value in definition.items() if key != change}


clients = st.builds(changed, definitions, st.sampled_from([None, None, None, "client_id", "client_secret", "colour"]))


def seed_accepts(client: dict[str, Any]) -> Client | None:
    """The client a seed file makes of this definition, or None when it refuses it."""
    try:
        return parse_fixtures({"clients": [client]}, "seed").clients[0].client
    except FixtureError:
        return None


@settings(max_examples=300, deadline=None)
@given(client=clients)
@example(client={"client_id": "ci-1", "client_secret": "s", "quota": {"limit": 5, "time_unit": "hour"}})
@example(client={"client_id": "a b", "client_secret": "s"})  # the drift: seed files took ids the control plane refuses
@example(client={"client_id": "a/b", "client_secret": "s"})
def test_seed_files_and_the_control_plane_accept_the_same_clients(
    client: dict[str, Any], emulator: Emulator, control: httpx.Client
) -> None:
    seeded = seed_accepts(client)
    reply = control.post("/__admin/clients", json=client)
    event(f"control plane answered {reply.status_code}")
    try:
        assert reply.status_code in (201, 400), reply.text
        assert (reply.status_code == 201) == (seeded is not None), (reply.text, seeded)
        if seeded is not None:
            assert emulator.state.clients.get(client["client_id"]) == seeded
    finally:
        control.post("/__admin/reset")
