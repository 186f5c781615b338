"""Backups of running configs: every device of an environment (or of chosen sites) read as it
is now and kept in `<out>/<env>/<UTC timestamp>/`, in the layout `--running-from` reads
(`<site>/<hostname>.cfg`, the WLC whole under `wlc/`).

What is written is what a push keeps before it changes a device: current secret values as
`${NAME}` placeholders, values the device hashed or encrypted under its own key kept as shown
(a restore must send them back), anything else in a secret-carrying position masked. Files are
0600 in 0700 folders; the timestamped folder is staged beside its final name and renamed into
place only when complete, so a backup folder is never half-written. Its `manifest.json` holds
each device's sha256 and names the devices that could not be read.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets as token
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from estate.change.diff import to_placeholders
from estate.change.fetch import FetchResult
from estate.files import private_dir, write_private
from estate.secrets import mask, mask_keeping_device_encrypted

MANIFEST = "manifest.json"
WLC_FOLDER = "wlc"  # where the WLC (no site of its own) goes, as in a render folder
# A value the device hashed or encrypted under its own master key: the same rule as a push's
# backups (estate.change.runs), which a restore must send back as shown.


@dataclass(frozen=True)
class Backup:
    env: str
    folder: Path
    taken_at: datetime
    saved: dict[str, str] = field(default_factory=dict)  # hostname -> sha256 of the file written
    unreadable: dict[str, str] = field(default_factory=dict)  # hostname -> why (masked)

    @property
    def ok(self) -> bool:
        return not self.unreadable


def backup_text(raw: str, secrets: Mapping[str, str]) -> str:
    """A running config as a backup keeps it: see the module's docstring."""
    return mask_keeping_device_encrypted(to_placeholders(raw, secrets), lambda text: mask(text, secrets))


def folder_name(taken_at: datetime) -> str:
    return taken_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def write_backup(
    out: Path,
    env: str,
    sites: Mapping[str, str | None],
    results: Mapping[str, FetchResult],
    secrets: Mapping[str, str],
    *,
    source: str,
    taken_at: datetime | None = None,
) -> Backup:
    """Write the devices of `sites` (hostname -> site id, None for the WLC) that `results` holds
    text for; the others are listed as unreadable. Nothing appears under its final name unless
    every file was written."""
    taken_at = taken_at or datetime.now(UTC)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)  # a user-named folder: created private, never chmodded
    parent = private_dir(out / env)
    staging = private_dir(parent / f".{folder_name(taken_at)}.{token.token_hex(4)}.partial")
    saved: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    entries = []
    try:
        for hostname, site in sorted(sites.items()):
            result = results.get(hostname) or FetchResult(hostname, None, "not read")
            if result.text is None:
                unreadable[hostname] = mask(result.error or "not read", secrets)
                continue
            text = backup_text(result.text, secrets)
            relpath = f"{site or WLC_FOLDER}/{hostname}.cfg"
            private_dir(staging / (site or WLC_FOLDER))
            write_private(staging / relpath, text)
            saved[hostname] = hashlib.sha256(text.encode()).hexdigest()
            entries.append({"device": hostname, "site": site, "path": relpath, "sha256": saved[hostname]})
        manifest = {
            "env": env,
            "taken_at": taken_at.isoformat(),
            "source": source,
            "devices": entries,
            "unreadable": [{"device": name, "site": sites[name], "error": error}
                           for name, error in sorted(unreadable.items())],
        }
        write_private(staging / MANIFEST, json.dumps(manifest, indent=1) + "\n")
        final = _free_name(parent, folder_name(taken_at))
        staging.rename(final)
        _fsync_folder(parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Backup(env, final, taken_at, saved, unreadable)


def _free_name(parent: Path, name: str) -> Path:
    """`name`, or `name-2`, `name-3`... when a backup was already taken in the same second."""
    candidate, number = parent / name, 1
    while candidate.exists():
        number += 1
        candidate = parent / f"{name}-{number}"
    return candidate


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
