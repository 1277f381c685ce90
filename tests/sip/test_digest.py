"""The server's half of digest authentication: known answers, algorithm choice and nonce states."""

from __future__ import annotations

import pytest

from mock_server.sip.digest import Credentials, Nonces, NonceState, algorithms

# RFC 7616 section 3.9.1: the same request answered with MD5 and with SHA-256.
RFC7616 = (
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm={algorithm}, '
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, '
    'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="{response}", '
    'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
)


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_the_rfc_7616_examples_verify(algorithm: str, response: str) -> None:
    credentials = Credentials.parse(RFC7616.format(algorithm=algorithm, response=response), ("MD5", "SHA-256"))
    assert credentials is not None
    assert credentials.match("GET", "Circle of Life")
    assert not credentials.match("GET", "Circle of Death")


def test_credentials_for_an_algorithm_not_offered_are_not_used() -> None:
    value = RFC7616.format(algorithm="SHA-256", response="0" * 64)
    assert Credentials.parse(value, ("MD5",)) is None


@pytest.mark.parametrize(
    "value",
    [
        "Basic dXNlcjpwYXNz",
        'Digest realm="r", nonce="n", uri="u", response="x"',  # no username
        'Digest username="u", realm="r", nonce="n", uri="u", response="x", qop=auth-int, nc=1, cnonce=c',
        'Digest username="u", realm="r", nonce="n", uri="u", response="x", qop=auth',  # qop without nc and cnonce
    ],
)
def test_unusable_headers_are_no_credentials(value: str) -> None:
    assert Credentials.parse(value, ("MD5",)) is None


def test_algorithm_lists_keep_their_order_and_refuse_unknown_names() -> None:
    assert algorithms("sha-256, MD5") == ("SHA-256", "MD5")
    assert algorithms("MD5,md5") == ("MD5",)
    with pytest.raises(ValueError, match="SHA-512"):
        algorithms("SHA-512")
    with pytest.raises(ValueError, match="digest algorithms"):
        algorithms(" , ")


def test_nonces_are_fresh_then_stale_and_foreign_ones_are_told_apart() -> None:
    now = [1000.0]
    nonces = Nonces(lambda: now[0], lifetime=300)
    nonce = nonces.issue()
    assert nonces.check(nonce) is NonceState.FRESH
    now[0] = 1300.0
    assert nonces.check(nonce) is NonceState.FRESH
    now[0] = 1300.5
    assert nonces.check(nonce) is NonceState.STALE
    now[0] = 999.0  # the clock moved back past the nonce's issue
    assert nonces.check(nonce) is NonceState.STALE
    assert Nonces(lambda: 1000.0, 300).check(nonce) is NonceState.FOREIGN  # another key: another emulator
    assert nonces.check("not base64 at all!") is NonceState.FOREIGN
    assert nonces.check(nonce[:-2]) is NonceState.FOREIGN
