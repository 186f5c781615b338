"""Per-device fault injection for the simulator, and loading it from a YAML/JSON file that maps
hostname → faults."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from estate.lab.state import LabError


def _valid_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


def _matches(pattern: str, line: str) -> bool:
    """A line matches when it equals the pattern or the pattern (as a regex) matches all of it."""
    text = line.strip()
    if text == pattern.strip():
        return True
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False


class RejectWith(BaseModel):
    """Refuse matching config lines with a reply of the device's own wording (not applied)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line_regex: str
    reply: str = Field(min_length=1)

    _check = field_validator("line_regex")(_valid_regex)


class DropAfterChange(BaseModel):
    """What fails on the device once a config line has changed it (and stays failed while the
    running config differs from what it was just before that line)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    member: str | None = None
    """A physical port (``TenGigabitEthernet1/1/1``, ``Te1/1/1``): its link goes down, so it
    leaves its port-channel and its CDP neighbour disappears."""
    aps: int = Field(default=0, ge=0)
    """On a WLC: this many joined APs leave (the last ones in ``show ap summary`` order)."""


class ReportPlatform(BaseModel):
    """Make ``show version`` report another box than the spec's (a wrong device at the address)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,30}$")
    software: str | None = Field(default=None, pattern=r"^\d+\.\d+\.\d+[a-z]?$")


class Faults(BaseModel):
    """What goes wrong on one device. The default is a healthy device."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    refuse_connections: bool = False
    """Nothing listens on the device's address: connecting fails with ECONNREFUSED."""
    reject_auth: bool = False
    """Every password is refused."""
    reject_lines: tuple[str, ...] = ()
    """A config line equal to one of these, or fully matched by it as a regex, is answered
    with ``% Invalid input detected`` and not applied."""
    slow_seconds: float = Field(default=0.0, ge=0.0, le=600.0)
    """Delay before every reply (the typed line is still echoed at once)."""
    drop_after_config_lines: int | None = Field(default=None, ge=0)
    """Close the SSH connection abruptly once a session has sent this many config lines (the
    last one is applied, its prompt never arrives)."""
    reject_with: RejectWith | None = None
    """A config line matching ``line_regex`` is answered with ``reply`` (e.g. ``Command
    rejected: Bad mask /33 for address``) and not applied; the prompt stays in the same mode."""
    exit_to_exec_after: str | None = None
    """After a config line matching this regex is applied, the session silently leaves
    configuration mode: the next prompt is ``host#`` and later lines are read as EXEC commands."""
    cut_management_after: str | None = None
    """Once a config line matching this regex is applied, the management path is gone: that
    session gets no further reply and new connections fail (see ``cut_management_mode``) until
    the running config no longer holds the line's effect (a revert timer restored it, or the
    config was set back)."""
    cut_management_mode: Literal["blackhole", "refuse"] = "blackhole"
    """``blackhole``: connections are accepted by the kernel but no SSH banner ever comes (the
    client times out); ``refuse``: nothing listens (ECONNREFUSED)."""
    refuse_connections_for: float | None = Field(default=None, gt=0.0, le=3600.0)
    """Seconds during which new connections are refused, starting when the first session that
    applied config lines closes (once per fault setting): a rollback that cannot get in at first."""
    drop_after_change: DropAfterChange | None = None
    revert_minute_seconds: float = Field(default=60.0, gt=0.0, le=60.0)
    """How long one minute of ``configure terminal revert timer <minutes>`` lasts, in seconds
    (lab only: 2 makes a 1-minute revert timer expire after 2 s)."""
    report_platform: ReportPlatform | None = None

    _regexes = field_validator("exit_to_exec_after", "cut_management_after")(
        lambda value: None if value is None else _valid_regex(value)
    )

    def rejects(self, line: str) -> bool:
        return any(_matches(pattern, line) for pattern in self.reject_lines)

    def rejection(self, line: str) -> str | None:
        """The custom reply for a line refused by ``reject_with``, else None."""
        if self.reject_with is not None and _matches(self.reject_with.line_regex, line):
            return self.reject_with.reply
        return None

    def exits_after(self, line: str) -> bool:
        return self.exit_to_exec_after is not None and _matches(self.exit_to_exec_after, line)

    def cuts_after(self, line: str) -> bool:
        return self.cut_management_after is not None and _matches(self.cut_management_after, line)

    @property
    def healthy(self) -> bool:
        return self == Faults()


_FAULTS_FILE = TypeAdapter(dict[str, Faults])


def load_faults(path: Path) -> dict[str, Faults]:
    """Read ``{hostname: {fault: value}}`` from a ``.json``, ``.yaml`` or ``.yml`` file;
    `LabError` naming the file, host and fault for anything unreadable, unknown or out of range."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise LabError(f"cannot read faults file {path}: {detail}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise LabError(f"faults file {path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                       f"{_syntax(exc)}") from exc
    try:
        return _FAULTS_FILE.validate_python(data or {})
    except ValidationError as exc:
        raise LabError(f"faults file {path}: {_problems(exc)}") from exc


def _syntax(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.MarkedYAMLError) and mark is not None:
        return f"line {mark.line + 1}: {exc.problem}"
    return str(exc).splitlines()[0]


def _problems(exc: ValidationError) -> str:
    known = ", ".join(Faults.model_fields)
    found = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        if error["type"] == "extra_forbidden" and len(loc) == 2:
            found.append(f"{loc[0]}: unknown fault {loc[1]!r} (known: {known})")
        elif len(loc) >= 2:
            found.append(f"{loc[0]}: {'.'.join(loc[1:])}: {error['msg']}")
        else:
            found.append(f"{'.'.join(loc) or 'top level'}: {error['msg']} (expected hostname: {{fault: value}})")
    return "; ".join(found)


def dump_faults(faults: dict[str, Faults]) -> str:
    return json.dumps(
        {host: fault.model_dump(exclude_defaults=True) for host, fault in faults.items()},
        indent=2,
        sort_keys=True,
    )
