"""A run's folder, `<runs-dir>/<run-id>/`: writing it during a push, reading it afterwards.

`record.jsonl` gets one line per step. The steps that change a device (`apply`, `rollback`)
write a `started` line, flushed and fsynced, before the first config line is sent, so a run
killed outright still names every device that may be half-changed. The run's last line is
`run ok|failed|interrupted`, or `run aborted` (a second Ctrl-C) naming the devices in flight;
a run with neither was killed.

Everything written is masked first. Files are 0600, folders 0700 (a backup holds whatever the
device said); summaries and backups are written then renamed.
"""

from __future__ import annotations

import json
import os
import secrets as _random
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from estate.files import private_dir, write_private
from estate.secrets import mask, mask_keeping_device_encrypted

RECORD = "record.jsonl"
BACKUPS = "backups"
TRANSCRIPTS = "transcripts"
LOG = "push.log"  # full detail of every failure (tracebacks), masked: the terminal gets one line
CHANGING_STEPS = ("apply", "rollback")  # the steps that send config lines
# A value the device hashed or encrypted under its own master key: safe to keep in a 0600 backup,
# and what a restore must send back (the clear value may be one estate never knew)


def new_run_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{_random.token_hex(3)}"


class _Joined(Mapping[str, str]):
    """Credentials and the secrets object seen as one mapping, read live: the secrets object
    may learn values during the run (a rotated secret's old value), so it is never copied."""

    def __init__(self, credentials: Mapping[str, str], secrets: Mapping[str, str]) -> None:
        self._parts = (("credential:", credentials), ("secret:", secrets))

    def __getitem__(self, key: str) -> str:
        for prefix, part in self._parts:
            if key.startswith(prefix):
                return part[key.removeprefix(prefix)]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        for prefix, part in self._parts:
            yield from (prefix + name for name in part)

    def __len__(self) -> int:
        return sum(len(part) for _, part in self._parts)


class RunRecord:
    """The run folder being written: record.jsonl, backups/, summary.json/.txt."""

    def __init__(self, root: Path, run_id: str, secrets: Mapping[str, str],
                 credentials: Mapping[str, str] | None = None) -> None:
        self.run_id = run_id
        root.mkdir(parents=True, exist_ok=True, mode=0o700)  # a user-named folder: created private, never chmodded
        self.dir = private_dir(root / run_id)
        private_dir(self.dir / BACKUPS)
        self._secrets = secrets
        self._joined = _Joined(credentials or {}, secrets)
        self._lock = threading.Lock()
        self._in_flight: dict[str, str] = {}  # target -> the step it is in
        fd = os.open(self.dir / RECORD, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
        self._stream = os.fdopen(fd, "a", encoding="utf-8")

    def mask(self, text: str) -> str:
        # longest value first across both, then the secrets object on its own, in case it
        # masks values it does not list (see estate.secrets)
        return mask(mask(text, self._joined), self._secrets)

    def write(self, target: str, step: str, result: str, seconds: float = 0.0, *, durable: bool = False,
              **extra: Any) -> None:
        row = {"at": datetime.now(UTC).isoformat(), "target": target, "step": step, "result": result,
               "seconds": round(seconds, 3), **extra}
        line = self.mask(json.dumps(row, default=str)) + "\n"
        with self._lock:
            self._append(line, durable)

    def _append(self, line: str, durable: bool) -> None:
        if self._stream.closed:
            return
        self._stream.write(line)
        self._stream.flush()
        if durable:
            os.fsync(self._stream.fileno())

    def started(self, target: str, step: str, **extra: Any) -> None:
        """A step that changes the device begins: on disk before anything is sent."""
        self.entering(target, step)
        self.write(target, step, "started", durable=True, **extra)

    def entering(self, target: str, step: str) -> None:
        """Where a device in flight is (kept in memory, named by `aborted`)."""
        self._in_flight[target] = step

    def device_started(self, target: str) -> None:
        self.entering(target, "connect")

    def device_ended(self, target: str) -> None:
        self._in_flight.pop(target, None)

    def in_flight(self) -> dict[str, str]:
        return dict(self._in_flight)

    def aborted(self, timeout: float = 2.0) -> None:
        """The run stops at once: say so, naming the devices in flight. Called from a signal
        handler, which may have interrupted a write holding the lock: wait a little, then
        write anyway (a reader skips a torn line)."""
        row = {"at": datetime.now(UTC).isoformat(), "target": "-", "step": "run", "result": "aborted",
               "seconds": 0.0, "in_flight": self.in_flight()}
        got = self._lock.acquire(timeout=timeout)
        try:
            self._append("\n" + self.mask(json.dumps(row)) + "\n", durable=True)
        finally:
            if got:
                self._lock.release()

    def transcript_path(self, target: str) -> Path:
        return self.dir / TRANSCRIPTS / f"{target}.txt"

    def log(self, target: str, step: str, text: str) -> None:
        """Append a failure's full detail to the run's log (0600, masked)."""
        entry = f"--- {datetime.now(UTC).isoformat()} {target} {step}\n{text.rstrip()}\n"
        with self._lock:
            fd = os.open(self.dir / LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as stream:
                stream.write(self.mask(entry))

    def backup(self, name: str, text: str) -> Path:
        """Keep a device's config as it was, so that it can be restored: `text` holds `${NAME}`
        placeholders for the current secrets; hashes and device-encrypted values (types 5, 6,
        8, 9: one-way, or needing the device's own master key) are kept as the device showed
        them; any other secret value (clear text, type 7) is masked and cannot be restored."""
        restored = mask_keeping_device_encrypted(text, self.mask)
        path = self.dir / BACKUPS / f"{name}.cfg"
        write_private(path, restored)
        return path

    def write_text(self, name: str, text: str) -> None:
        write_private(self.dir / name, self.mask(text))

    def close(self) -> None:
        with self._lock:
            self._stream.close()


@dataclass
class OpenStep:
    """A device step that started and never ended: the device may be half-changed."""

    target: str
    step: str
    at: str
    site: str | None
    hostname: str


@dataclass
class RunInfo:
    run_id: str
    dir: Path
    env: str = "?"
    started: str = "?"
    state: str = "incomplete"  # ok, failed, interrupted, aborted, or incomplete (no end: killed)
    command: str = ""
    stopped: str | None = None
    takeover: dict[str, Any] | None = None
    kind: str = "push"  # or "rollback"
    outside_window: dict[str, Any] | None = None  # the reason and sites of a push outside its windows
    outcomes: dict[str, str] = field(default_factory=dict)  # target -> outcome
    order: list[str] = field(default_factory=list)  # targets in the order they finished
    sites: dict[str, str | None] = field(default_factory=dict)  # target -> site id
    details: dict[str, str] = field(default_factory=dict)
    open_steps: list[OpenStep] = field(default_factory=list)
    in_flight: dict[str, str] = field(default_factory=dict)  # from an `aborted` line
    torn_lines: int = 0

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    def backup_path(self, target: str) -> Path:
        return self.dir / BACKUPS / f"{target}.cfg"


def _rows(path: Path) -> tuple[list[dict[str, Any]], int]:
    rows, torn = [], 0
    with path.open(encoding="utf-8", errors="replace") as stream:
        for line in stream:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                torn += 1  # a line cut by a kill or an abort
                continue
            if isinstance(row, dict):
                rows.append(row)
    return rows, torn


def read_run(run_dir: Path) -> RunInfo:
    """What a run's folder says, whatever state the run ended in."""
    info = RunInfo(run_dir.name, run_dir)
    rows, info.torn_lines = _rows(run_dir / RECORD)
    opened: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        target, step, result = str(row.get("target")), str(row.get("step")), str(row.get("result"))
        if step == "run":
            _run_line(info, row, result)
        elif step == "result":
            info.outcomes[target] = result
            info.order.append(target)
            info.sites[target] = row.get("site")
            if row.get("detail"):
                info.details[target] = str(row["detail"])
        elif step in CHANGING_STEPS:
            if result == "started":
                opened[(target, step)] = row
            else:
                opened.pop((target, step), None)
    info.open_steps = [OpenStep(target, step, str(row.get("at")), row.get("site"), str(row.get("hostname", target)))
                       for (target, step), row in opened.items()]
    _summary_outcomes(info)
    return info


def _run_line(info: RunInfo, row: dict[str, Any], result: str) -> None:
    if result == "start":
        info.env = str(row.get("env", "?"))
        info.started = str(row.get("at", "?"))
        info.command = str(row.get("command", ""))
        info.takeover = row.get("lock_takeover")
        info.kind = str(row.get("kind", "push"))
        info.outside_window = row.get("outside_window")
    elif result == "aborted":
        info.state = "aborted"
        info.in_flight = dict(row.get("in_flight") or {})
    elif info.state != "aborted":
        info.state = result
        info.stopped = row.get("stopped")


def _summary_outcomes(info: RunInfo) -> None:
    """The summary also lists the devices never attempted (skipped), which have no record line."""
    path = info.dir / "summary.json"
    if not path.is_file():
        return
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        for unit in summary["units"]:
            for device in unit["devices"]:
                info.outcomes.setdefault(device["target"], device["outcome"])
                if device.get("detail"):
                    info.details.setdefault(device["target"], device["detail"])
    except (ValueError, KeyError, TypeError):
        return


def run_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / RECORD).is_file())


def list_runs(root: Path, env: str | None = None) -> list[RunInfo]:
    runs = [read_run(p) for p in run_dirs(root)]
    return [r for r in runs if env is None or r.env == env]
