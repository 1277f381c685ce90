"""Token values: KPN's shape (28 letters and digits), drawn evenly from the alphabet."""

from __future__ import annotations

import string
from collections import Counter

from mock_server.domain.tokens import TOKEN_LENGTH, random_token

ALPHABET = set(string.ascii_letters + string.digits)


def test_random_tokens_have_kpns_shape() -> None:
    values = {random_token() for _ in range(1000)}
    assert len(values) == 1000
    assert all(len(value) == TOKEN_LENGTH and set(value) <= ALPHABET for value in values)


def test_random_token_uses_every_character_evenly() -> None:
    seen = Counter("".join(random_token() for _ in range(2000)))
    assert set(seen) == ALPHABET
    expected = 2000 * TOKEN_LENGTH / len(ALPHABET)
    # Far looser than chance allows (about 4 standard deviations): only a broken mapping lands outside.
    assert all(0.8 * expected < count < 1.2 * expected for count in seen.values())


def test_random_token_of_other_lengths() -> None:
    assert len(random_token(1)) == 1
    assert len(random_token(300)) == 300
