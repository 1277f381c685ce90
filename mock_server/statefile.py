"""``--state-file``: a snapshot loaded at start and saved on shutdown, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from mock_server.errors import ApiError
from mock_server.spec import check_admin_body
from mock_server.state import EmulatorState


class StateFileError(ValueError):
    """A state file that cannot be loaded; the message names the file and the problem."""


def load_state_file(state: EmulatorState, path: Path) -> bool:
    """Import ``path`` into ``state`` (checked whole, as ``PUT /__admin/state``); False when it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StateFileError(f"{path}: {exc.strerror or exc}") from None
    try:
        document = json.loads(text)
        if not isinstance(document, dict):
            raise StateFileError(f"{path}: a snapshot is a JSON object")
        state.import_state(check_admin_body("adminImportState", document))
    except StateFileError:
        raise
    except ValueError as exc:
        raise StateFileError(f"{path}: not valid JSON: {exc}") from None
    except ApiError as error:
        raise StateFileError(f"{path}: {error.detail}") from None
    return True


def save_state_file(state: EmulatorState, path: Path) -> None:
    """Write the snapshot beside ``path`` and rename it over, so a crash never leaves half a file."""
    payload = json.dumps(state.export_state(), indent=2, sort_keys=True).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
