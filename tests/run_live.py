"""``python -m tests.run_live COMMAND...``: run COMMAND against ``$APIDAZE_BASE_URL``, or a fresh emulator.

With ``APIDAZE_BASE_URL`` set (the real API, or an emulator you run), COMMAND just runs. Unset, a fresh
``python -m mock_server`` is started on a free loopback port, ``APIDAZE_BASE_URL`` points at it for COMMAND, and
it is stopped afterwards. ``tox -e contract-live`` uses this to run the contract suite live.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

from contract_tests.served import serve_emulator


def main(command: Sequence[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    if os.environ.get("APIDAZE_BASE_URL"):
        return subprocess.call(command)
    with serve_emulator("--log-level", "warning") as url:
        return subprocess.call(command, env={**os.environ, "APIDAZE_BASE_URL": url})


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
