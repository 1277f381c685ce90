"""How deep a JSON document the emulator reads: one bound for every body it parses, and the walk that applies it.

orjson reads documents 1024 levels deep, but writes them, and jsonschema-rs describes what is wrong with one, only
to about 255 levels: a body nested between the two answered a 500, and its journal entry could no longer be shown.
The deepest document the contracts describe (a state snapshot) nests 5 levels.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_JSON_DEPTH = 64


def too_deep(document: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``document`` nests arrays and objects more than ``limit`` levels deep (a flat object is 1 level)."""
    pending = [(document, 1)]
    while pending:  # no recursion: the document may be nested 1024 levels deep
        item, level = pending.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if level > limit:
            return True
        pending.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return False
