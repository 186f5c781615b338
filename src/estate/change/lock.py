"""One change at a time per environment: `<runs-dir>/<env>.lock`, held with `flock`.

Why flock and not a create-exclusive lock file: the kernel drops an flock when its process
dies, however it dies, so a lock is stale exactly when nobody holds the flock. Stale detection
needs no guess from pids or clocks and can never break a live lock (a pid can be reused, a
clock can jump). The file is never deleted: unlinking a locked file lets a third process lock
a fresh inode while the second still waits on the old one.

The file holds the owner record (user, pid, host, start time, run id, command) while the lock
is held and is emptied on a clean release, so a non-empty file found by a new owner is the
record of a run that died holding it: the takeover is reported to the caller.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import re
import socket
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_ENV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class LockOwner:
    user: str
    pid: int
    host: str
    since: str  # ISO 8601, UTC
    run_id: str
    command: str

    @classmethod
    def current(cls, run_id: str, command: Sequence[str]) -> LockOwner:
        return cls(user=_user(), pid=os.getpid(), host=socket.gethostname(),
                   since=datetime.now(UTC).isoformat(timespec="seconds"), run_id=run_id,
                   command=" ".join(command))

    @classmethod
    def parse(cls, text: str) -> LockOwner | None:
        try:
            data = json.loads(text)
            return cls(**{name: data[name] for name in cls.__dataclass_fields__})
        except (ValueError, TypeError, KeyError):
            return None

    def describe(self) -> str:
        return (f"run {self.run_id} by {self.user} (pid {self.pid} on {self.host}, since {self.since}): "
                f"{self.command}")


class LockHeldError(Exception):
    """Another live run holds the environment's lock."""

    def __init__(self, env: str, path: Path, owner: LockOwner | None) -> None:
        who = owner.describe() if owner is not None else "a run that has not written its owner record yet"
        super().__init__(f"environment {env} is locked by {who}; wait for it to finish "
                         f"(lock file {path})")
        self.owner = owner


class EnvironmentLock:
    """Held from `acquire` to `release`; `taken_over` is the owner record of a dead run whose
    lock this one took, if any."""

    def __init__(self, runs_dir: Path, env: str) -> None:
        if not _ENV_NAME.fullmatch(env):
            raise ValueError(f"not an environment name: {env!r}")
        self.env = env
        self.path = runs_dir / f"{env}.lock"
        self.taken_over: LockOwner | None = None
        self._fd: int | None = None

    def acquire(self, owner: LockOwner) -> EnvironmentLock:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LockHeldError(self.env, self.path, LockOwner.parse(_read(fd))) from None
            previous = _read(fd)
            if previous.strip():
                self.taken_over = LockOwner.parse(previous) or LockOwner("?", 0, "?", "?", "?", previous[:200])
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(asdict(owner)) + "\n").encode(), 0)
            os.fsync(fd)
        except BaseException:
            os.close(fd)  # closing drops the flock too
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # empty = released cleanly; the next owner reports no takeover
        finally:
            os.close(fd)

    def __enter__(self) -> EnvironmentLock:
        return self

    def __exit__(self, *_: Any) -> None:
        self.release()


def _read(fd: int) -> str:
    return os.pread(fd, 4096, 0).decode("utf-8", errors="replace")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
