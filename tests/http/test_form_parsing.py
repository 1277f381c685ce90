"""``parse_form`` follows ``parse_qsl``'s strict rules exactly, errors included, and refuses repeated fields."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.errors import MalformedBody
from mock_server.http import parse_form


def reference(raw: bytes) -> dict[str, str]:
    """The implementation parse_form replaced (for speed), kept here as the rule it must follow."""
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw), errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedBody(info=f"form body: {exc}") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise MalformedBody(f"Field {key!r} is given more than once.", info=f"body.{key}: repeated")
        fields[key] = value
    return fields


def outcome(raw: bytes) -> tuple[object, ...]:
    try:
        return ("ok", parse_form(raw))
    except MalformedBody as error:
        return ("error", error.detail, error.info)


def expected(raw: bytes) -> tuple[object, ...]:
    try:
        return ("ok", reference(raw))
    except MalformedBody as error:
        return ("error", error.detail, error.info)


PIECES = ["a", "b", "=", "&", "+", "%", "%2B", "%41", "%C3%A9", "%FF", "%zz", "%2", "é", " ", ";"]


@given(st.lists(st.sampled_from(PIECES), max_size=10), st.booleans())
def test_parse_form_matches_parse_qsl(pieces: list[str], bad_utf8: bool) -> None:
    raw = "".join(pieces).encode() + (b"\xff" if bad_utf8 else b"")
    assert outcome(raw) == expected(raw)


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        (b"", {}),
        (b"username=alice&name=Alice+Example", {"username": "alice", "name": "Alice Example"}),
        (b"number=%2B31201234567&empty=", {"number": "+31201234567", "empty": ""}),
        (b"caf%C3%A9=1", {"café": "1"}),
    ],
)
def test_parse_form_reads_fields(raw: bytes, fields: dict[str, str]) -> None:
    assert parse_form(raw) == fields


@pytest.mark.parametrize("raw", [b"a=1&a=2", b"a=1&&b=2", b"novalue", b"a=%FF", b"\xff=1"])
def test_parse_form_refuses_malformed_bodies(raw: bytes) -> None:
    with pytest.raises(MalformedBody):
        parse_form(raw)


def test_a_malformed_field_wins_over_an_earlier_repeat() -> None:
    # As parse_qsl did: the whole body is parsed before repeats are looked at.
    assert outcome(b"a=1&a=2&broken") == expected(b"a=1&a=2&broken")
    assert outcome(b"a=1&a=2&broken")[2] == "form body: bad query field: 'broken'"
    assert outcome(b"a=1&b=2&a=3&b=4")[2] == "body.a: repeated"
