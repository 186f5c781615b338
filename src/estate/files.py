"""Writing files so that a reader never sees half of one: write a temporary sibling, flush it
to disk, rename it over the target. Private files (anything that may hold what a device said,
a plan, a run record, lab state) are created 0600 inside 0700 folders.

Every module that writes an output goes through here: one copy of the rules.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
PUBLIC_FILE = 0o644


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700; an existing folder is narrowed to 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    path.chmod(PRIVATE_DIR)
    return path


def atomic_write(
    target: Path, data: bytes | str, *, mode: int = PRIVATE_FILE, mkdir: bool = True, durable: bool = True
) -> None:
    """Replace `target` with `data` in one rename; on any failure (ENOSPC, a signal turned into
    an exception) the old file is untouched and no temporary file is left behind. `durable`
    fsyncs before the rename (off only where a whole staged folder is synced and swapped)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if mkdir:
        target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, mode)  # mkstemp makes 0600; widen only where asked
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_new(target: Path, data: bytes, *, mode: int = PRIVATE_FILE) -> None:
    """Create `target`, which must not exist, holding `data`: for files inside a staged folder that
    is synced and swapped in whole (no reader sees the folder before then, so a temporary file
    and a rename per file would only double the metadata work). On failure nothing is left."""
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        os.fchmod(handle, mode)  # the umask may have narrowed `mode`
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def write_private(target: Path, data: bytes | str) -> None:
    """`atomic_write` at 0600 (the default, said out loud where it matters)."""
    atomic_write(target, data, mode=PRIVATE_FILE)
