"""Replay lines that work when pasted: the command that reruns a failing test, and curl lines without secrets.

schemathesis prints every failing request as a curl command ("Reproduce with"), each value in single quotes. It is
configured (``schema.py``) to replace credentials with :data:`MARKER`; :func:`pasteable` then closes the quote around
the marker and puts an environment variable in its place (``'Authorization: Bearer '"$APIDAZE_TOKEN"''``), so the
line runs as pasted once the variables are set, and the secret is never printed. Requests made in-process go to
``http://testserver``; their lines go to ``$APIDAZE_URL`` (default ``http://127.0.0.1:8080``) instead, a served
emulator, never the contract's production server.
"""

from __future__ import annotations

import re
import shlex

from contract_tests import run, settings

MARKER = "__APIDAZE_SECRET__"
SANITIZED_KEYS = ("authorization", "proxy-authorization", "client_secret")
IN_PROCESS_HOST = "http://testserver"
IN_PROCESS_BASE = "${APIDAZE_URL:-http://127.0.0.1:8080}"

# A single-quoted shell word, or the in-process host written bare (shlex leaves a plain URL unquoted).
_WORD = re.compile(r"'[^']*'|" + re.escape(IN_PROCESS_HOST) + r"(?=[/\s]|$)")
_BEARER = re.compile(r"((?:proxy-)?authorization: )" + MARKER, re.IGNORECASE)


def _variable(name: str) -> str:
    """Closes the single quote, expands ``$name``, reopens the quote: safe inside any single-quoted word."""
    return f"'\"${name}\"'"


def _word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word == IN_PROCESS_HOST:
        return f'"{IN_PROCESS_BASE}"'
    word = _BEARER.sub(lambda found: found.group(1) + "Bearer " + _variable("APIDAZE_TOKEN"), word)
    word = word.replace(MARKER, _variable("APIDAZE_CLIENT_SECRET"))
    if word.startswith(f"'{IN_PROCESS_HOST}"):
        word = f'"{IN_PROCESS_BASE}"' + "'" + word.removeprefix(f"'{IN_PROCESS_HOST}")
    return word


def pasteable(text: str) -> str:
    """``text`` with every curl line's credentials and in-process host turned into environment variables.

    Only the command itself is rewritten, from ``curl`` to the end of its line: quotes in the prose around it (an
    apostrophe in a message) must not pair with the command's own.
    """
    lines = []
    for line in text.split("\n"):
        start = line.find("curl -X ")
        if start >= 0:
            line = line[:start] + _WORD.sub(_word, line[start:])
        lines.append(line.replace(MARKER, "$APIDAZE_TOKEN"))
    return "\n".join(lines)


def token_command() -> str:
    """Sets ``$APIDAZE_TOKEN`` for the curl lines, with the client's credentials read from the environment."""
    url = f"{IN_PROCESS_BASE}{settings.TOKEN_PATH}" if settings.IN_PROCESS else settings.TOKEN_URL
    return (
        f'export APIDAZE_TOKEN=$(curl -s -X POST "{url}?grant_type=client_credentials" '
        '--data-urlencode "client_id=$APIDAZE_CLIENT_ID" --data-urlencode "client_secret=$APIDAZE_CLIENT_SECRET" '
        "| python3 -c 'import json, sys; print(json.load(sys.stdin)[\"access_token\"])')"
    )


def credentials_line() -> str:
    """The client's credentials as the replay needs them: the id in clear, the secret only by name."""
    return f"export APIDAZE_CLIENT_ID={shlex.quote(settings.CLIENT_ID)} APIDAZE_CLIENT_SECRET=...  # your secret"


def section(nodeid: str) -> str:
    """The replay section under a failing test."""
    lines = [settings.describe(), f"replay with: {run.replay_hint(nodeid)}"]
    lines += ["curl lines above need:", f"  {credentials_line()}", f"  {token_command()}"]
    return "\n".join(lines)
