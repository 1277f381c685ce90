"""Fenced code blocks of a Markdown file, with their info strings: the README's runnable examples."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    info: str
    code: str

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def runnable(self) -> bool:
        """```` ```sh runnable ````: the README test runs it against a fresh emulator."""
        words = self.info.split()
        return self.language in {"sh", "bash", "shell", "console"} and "runnable" in words[1:]

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}"


def fenced_blocks(path: Path) -> list[Block]:
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, start = opening["fence"], index + 1
        body: list[str] = []
        index += 1
        while index < len(lines) and not re.match(rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}\s*$", lines[index]):
            body.append(lines[index])
            index += 1
        blocks.append(Block(path, start, opening["info"].strip(), "\n".join(body) + "\n"))
        index += 1
    return blocks
