"""Per-device fault injection for the simulator, and loading it from a YAML/JSON file that maps
hostname → faults."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from estate.lab.state import LabError


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

    def rejects(self, line: str) -> bool:
        text = line.strip()
        for pattern in self.reject_lines:
            if text == pattern.strip():
                return True
            try:
                if re.fullmatch(pattern, text):
                    return True
            except re.error:
                continue
        return False

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
