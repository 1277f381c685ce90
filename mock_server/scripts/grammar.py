"""The Script Reference as one declarative table: which elements exist, what they may hold and what values mean.

``GRAMMAR`` is the only place the accepted grammar is written down; ``checker.py`` walks a script against it and
has no knowledge of any particular verb. Sources: research/real-api.md section 4 (KPN's reference page, the SDK
builders and their fixtures).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from mock_server.scripts.bindregex import compile_bind

LANGUAGES = ("en-US", "fr-FR", "it-IT", "es-ES")
VOICES = ("female-a", "female-b", "female-c", "male-a", "male-b", "male-c")
DTMF_KEYS = re.compile(r"[0-9*#]+")
MAX_PATTERN_LENGTH = 200
# Timeouts and durations are whole numbers up to a signed 32-bit int: a C platform's int, far beyond any real
# timeout, and small enough that no JSON encoder or int() digit limit trips over a value.
MAX_WHOLE_NUMBER = 2**31 - 1


def shown(value: str, limit: int = 60) -> str:
    """``value`` quoted for a message, cut short: a finding should not repeat a whole hostile document."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


@dataclass(frozen=True)
class Kind:
    """A kind of value: a name for messages and a check that answers what is wrong (``None`` when fine)."""

    name: str
    problem: Callable[[str], str | None]


def _one_of(*choices: str) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        return None if value in choices else f"{shown(value)} is not one of {', '.join(choices)}"

    return problem


def whole_number(value: str) -> int | None:
    """``value`` as an int when it is ASCII digits no larger than ``MAX_WHOLE_NUMBER``, else ``None``."""
    if not (value.isascii() and value.isdigit()):
        return None
    significant = value.lstrip("0")  # compared by length first: int() of thousands of digits raises
    if len(significant) > len(str(MAX_WHOLE_NUMBER)) or int(significant or "0") > MAX_WHOLE_NUMBER:
        return None
    return int(significant or "0")


def _whole_number(value: str) -> str | None:
    if whole_number(value) is not None:
        return None
    if value.isascii() and value.isdigit():
        return f"{shown(value)} is larger than {MAX_WHOLE_NUMBER}"
    return f"{shown(value)} is not a whole number"


def _url_parts(value: str) -> SplitResult | None:
    try:
        return urlsplit(value)
    except ValueError:  # an unclosed IPv6 bracket, a netloc that NFKC-normalizes into a separator
        return None


def _absolute_url(value: str) -> str | None:
    parts = _url_parts(value)
    if parts is None:
        return f"{shown(value)} is not a valid URL"
    if parts.scheme in ("http", "https") and parts.netloc:
        return None
    return f"{shown(value)} is not an absolute http(s) URL (APIdaze fetches it as is)"


def _wav(value: str) -> str | None:
    parts = _url_parts(value)
    if parts is None:
        return f"{shown(value)} is not a valid URL"
    if parts.path.lower().endswith(".wav"):
        return None
    return f"{shown(value)} is not a .wav file (APIdaze plays WAV only)"


def _bind_pattern(value: str) -> str | None:
    if not value.startswith("~"):
        return None if DTMF_KEYS.fullmatch(value) else f"{shown(value)} is neither DTMF digits nor a '~regex'"
    if len(value) > MAX_PATTERN_LENGTH:
        return f"the regex is longer than {MAX_PATTERN_LENGTH} characters"
    compiled = compile_bind(value[1:])
    return (
        f"{shown(value)} is not a valid regex (RE2 cannot compile it: {compiled})"
        if isinstance(compiled, str)
        else None
    )


def _anything(value: str) -> str | None:
    return None


TEXT = Kind("text", _anything)
DIGITS_OR_REGEX = Kind("a digit or a ~regex", _bind_pattern)
MILLISECONDS = Kind("milliseconds", _whole_number)
SECONDS = Kind("seconds", _whole_number)
URL = Kind("absolute URL", _absolute_url)
WAV = Kind(".wav file", _wav)
LANGUAGE = Kind("language", _one_of(*LANGUAGES))
VOICE = Kind("voice", _one_of(*VOICES))
STRATEGY = Kind("strategy", _one_of("simultaneous", "sequence"))
BOOLEAN = Kind("boolean", _one_of("true", "false"))


@dataclass(frozen=True)
class Element:
    """What one element accepts.

    ``text`` is the kind of its text (``None``: it takes none); ``needs_text`` says the text may not be empty.
    ``text_or`` names an attribute that may carry the same value instead of the text (playback's ``file``).
    ``needs_child`` names what it must hold when it is useless empty (``work``, ``dial``); ``max_children`` caps
    how many children it holds.
    """

    summary: str
    attributes: Mapping[str, Kind] = field(default_factory=dict)
    children: frozenset[str] = frozenset()
    text: Kind | None = None
    needs_text: bool = False
    text_or: str | None = None
    needs_child: str | None = None
    max_children: int | None = None


VERBS = frozenset(
    {"answer", "hangup", "playback", "speak", "record", "wait", "ringback", "echo", "conference", "intercept", "dial"}
)
ROOT = "document"
_DESTINATION = {"timeout": SECONDS}

GRAMMAR: Mapping[str, Element] = {
    "document": Element("the root", children=frozenset({"work"}), needs_child="a <work>", max_children=1),
    "work": Element("the list of verbs", children=VERBS, needs_child="a verb, or APIdaze has nothing to run"),
    "answer": Element("answer the call"),
    "hangup": Element("hang up"),
    "playback": Element(
        "play a WAV file",
        attributes={"file": WAV, "input-timeout": MILLISECONDS},
        children=frozenset({"bind"}),
        text=WAV,
        needs_text=True,
        text_or="file",
    ),
    "speak": Element(
        "text to speech",
        attributes={"lang": LANGUAGE, "voice": VOICE, "input-timeout": MILLISECONDS, "digit-timeout": MILLISECONDS},
        children=frozenset({"bind"}),
        text=TEXT,
        needs_text=True,
    ),
    "bind": Element("react to DTMF", attributes={"action": URL}, text=DIGITS_OR_REGEX, needs_text=True),
    "record": Element(
        "record the call",
        attributes={"name": TEXT, "on-answered": BOOLEAN, "aleg": BOOLEAN, "bleg": BOOLEAN},
    ),
    "wait": Element("pause", text=SECONDS, needs_text=True),
    "ringback": Element("ring back tone", text=WAV),
    "echo": Element("echo the caller", text=MILLISECONDS),
    "conference": Element("join a conference room", text=TEXT, needs_text=True),
    "intercept": Element("pick up another channel", text=TEXT, needs_text=True),
    "dial": Element(
        "call destinations",
        attributes={
            "timeout": SECONDS,
            "max-call-duration": SECONDS,
            "strategy": STRATEGY,
            "action": URL,
            "answer-url": URL,
            "caller-hangup-url": URL,
        },
        children=frozenset({"number", "sipaccount", "sipuri"}),
        needs_child="a <number>, <sipaccount> or <sipuri> to call",
    ),
    "number": Element("a phone number to dial", attributes=_DESTINATION, text=TEXT, needs_text=True),
    "sipaccount": Element("a SIP account to dial", attributes=_DESTINATION, text=TEXT, needs_text=True),
    "sipuri": Element("a SIP URI to dial", attributes=_DESTINATION, text=TEXT, needs_text=True),
}


def parents_of(tag: str) -> list[str]:
    """The elements ``tag`` may appear in, for messages."""
    return sorted(name for name, element in GRAMMAR.items() if tag in element.children)
