r"""``<bind>~regex</bind>`` compiled and matched with RE2, whose matching time is linear in the input.

Python's ``re`` backtracks: ``~((\d*)*)*x`` against a dozen keys ran for over a minute and blocked the event loop.
RE2 has no backreferences or look-around, so a pattern using them is a finding (APIdaze's own engine is not
documented). Compilation is bounded too: RE2 refuses a program larger than ``MAX_REGEX_MEMORY``, so one pattern
compiles in a fraction of a millisecond. DTMF patterns (``[0-9]{4,20}``, ``(\d{3}[*#]){1,5}``, ``.{100}``) fit
easily; large Unicode classes do not (``\pN{16}``: write ``[0-9]{16}``, the keys are ASCII anyway).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

MAX_REGEX_MEMORY = 16 * 1024


def _options() -> Any:
    options = re2.Options()
    options.max_mem = MAX_REGEX_MEMORY
    options.log_errors = False  # the reason is in the finding, not on stderr
    return options


class BindRegex:
    """A compiled bind pattern (without its ``~``)."""

    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled

    def accepts(self, digits: str) -> bool:
        """Whether the whole of ``digits`` matches."""
        return self._compiled.fullmatch(digits) is not None


@lru_cache(maxsize=256)
def compile_bind(pattern: str) -> BindRegex | str:
    """The compiled ``pattern``, or why RE2 cannot compile it."""
    try:
        return BindRegex(re2.compile(pattern, _options()))
    except re2.error as error:
        reason = error.args[0] if error.args else "rejected"
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    except (OverflowError, ValueError) as error:  # a str RE2 cannot encode (a lone surrogate), huge counts
        return str(error)
