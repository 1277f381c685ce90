from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.fixtures import FixtureError, load_fixtures, parse_fixtures


def test_default_fixtures_load_with_demo_client() -> None:
    fixtures = load_fixtures()
    ids = [seed.client.client_id for seed in fixtures.clients]
    assert ids[0] == "local-client"
    demo = fixtures.clients[0]
    assert demo.client.secret_matches("local-secret")
    assert demo.sip_accounts
    assert demo.external_script


def test_client_quota_overrides_default_field_by_field() -> None:
    fixtures = parse_fixtures(
        {
            "default_quota": {"limit": 50, "time_unit": "hour"},
            "clients": [{"client_id": "a", "client_secret": "s", "quota": {"limit": 5}}],
        }
    )
    quota = fixtures.clients[0].client.quota
    assert (quota.limit, quota.time_unit) == (5, "hour")
    assert fixtures.clients[0].client.domain == "a.apidaze.local"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"clients": [{"client_id": "a"}]}, "client_secret"),
        ({"clients": [{"client_id": "a", "client_secret": "s", "colour": "red"}]}, "colour"),
        ({"clients": [{"client_id": "a", "client_secret": "s"}, {"client_id": "a", "client_secret": "t"}]}, "twice"),
        ({"clients": [{"client_id": "a", "client_secret": "s", "sip_accounts": [{"username": ""}]}]}, "username"),
        # The API ignores a field it does not know; in a seed file it is a typo.
        (
            {"clients": [{"client_id": "a", "client_secret": "s", "sip_accounts": [{"username": "a", "nmae": "A"}]}]},
            "nmae",
        ),
        (
            {
                "clients": [
                    {"client_id": "a", "client_secret": "s", "sip_accounts": [{"username": "abc"}, {"username": "abc"}]}
                ]
            },
            "share a username",
        ),
        ({"clients": [{"client_id": "a", "client_secret": "s", "external_script": {"url": ""}}]}, "url"),
        ({"clients": [{"client_id": "a", "client_secret": "s", "external_script": {"url": "x", "id": "1"}}]}, "id"),
        ({"default_quota": {"time_unit": "fortnight"}}, "time_unit"),
        ({"default_quota": {"interval": 10**6, "time_unit": "month"}}, "interval"),
        ({"token_lifetime_seconds": 31_536_001}, "token_lifetime_seconds"),
    ],
)
def test_bad_fixtures_are_refused_with_the_place_named(document: dict[str, object], message: str) -> None:
    with pytest.raises(FixtureError, match=message):
        parse_fixtures(document)


def test_unreadable_fixture_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"missing\.yaml"):
        load_fixtures(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("clients: [", encoding="utf-8")
    with pytest.raises(FixtureError, match="not valid YAML"):
        load_fixtures(broken)


@pytest.mark.parametrize("secret", [123456789, "S3CRET" * 60])
def test_fixture_errors_never_quote_a_secret(secret: object) -> None:
    with pytest.raises(FixtureError) as error:
        parse_fixtures({"clients": [{"client_id": "a", "client_secret": secret}]})
    assert "client_secret" in str(error.value)
    assert "S3CRET" not in str(error.value)
    assert "123456789" not in str(error.value)


@pytest.mark.parametrize(
    "document",
    [
        {"clients": {"client_id": "a", "client_secret": "S3CRET"}},  # a mapping where a list belongs
        [{"client_id": "a", "client_secret": "S3CRET"}],  # the clients without the file around them
        {"clients": [{"client_id": "a b", "client_secret": "S3CRET", "colour": "red"}]},
    ],
)
def test_a_misplaced_secret_is_not_quoted_either(document: object) -> None:
    with pytest.raises(FixtureError) as error:
        parse_fixtures(document)
    assert "S3CRET" not in str(error.value)


def test_the_repositorys_seed_files_load() -> None:
    root = Path(__file__).resolve().parents[2]
    for path in (root / "fixtures" / "default.yaml", root / "benchmarks" / "fixtures.yaml"):
        assert load_fixtures(path).clients, path


@pytest.mark.parametrize("document", [[], 0, "clients"])
def test_a_file_that_is_not_a_mapping_is_refused(document: object) -> None:
    with pytest.raises(FixtureError, match='is not of type "object"'):
        parse_fixtures(document)
