"""Facts about this pytest run that failures print: the seed and how to replay it."""

from __future__ import annotations

SEED: int | None = None  # None: derandomized (profile ci) and no --hypothesis-seed given
PROFILE: str = "ci"


def replay_hint(nodeid: str) -> str:
    parts = [f"pytest '{nodeid}'", f"--hypothesis-profile={PROFILE}"]
    if SEED is not None:
        parts.append(f"--hypothesis-seed={SEED}")
    return " ".join(parts)
