"""How `estate plan --detail` shows a resource's inputs: keys sorted, nested values indented,
JSON documents (policies, flows) opened up, secrets masked, and numbers in human units (bytes as
TB/GB, seconds and days as durations, large counts with separators), so that a reviewer reads
`1,141.9 TB` where the engine holds 1141872599999998.5."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from pulumi.runtime import rpc

MASK = "<secret>"
# inputs that hold a secret whatever the program marked (provider schemas mark these secret)
SECRET_KEY = re.compile(r"(password|secret|presharedkey|privatekey|authtoken|passphrase|apikey)", re.IGNORECASE)
SECONDS = re.compile(r"(seconds$|^period$|^ttl$|gracePeriod$|^maxSessionDuration$|^interval$|^timeout$|"
                     r"^deregistrationDelay$)", re.IGNORECASE)
DAYS = re.compile(r"(days$|^days$|inDays$)", re.IGNORECASE)
HOURS = re.compile(r"(hours$|^retentionPeriod$)", re.IGNORECASE)
BYTES = re.compile(r"bytes$", re.IGNORECASE)
GIB = {"volumeSize", "allocatedStorage"}
WIDTH = 100
SINGULAR = {"years": "year", "days": "day"}


def _count(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.6g}"


def _number(value: float) -> str:
    if float(value).is_integer():
        n = int(value)
        return f"{n:,}" if abs(n) >= 100_000 else str(n)
    return f"{value:,.6g}" if abs(value) < 1e15 else f"{value:,.0f}"


def size(n: float) -> str:
    # TB is the largest unit: capacity and the README size footage in TB
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{_number(n)} bytes"


def duration(seconds: float) -> str:
    for unit, scale in (("years", 365 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if abs(seconds) >= scale and (seconds % scale == 0 or unit in ("years", "days")):
            amount = seconds / scale
            text = _number(amount) if amount.is_integer() else f"{amount:,.1f}"
            return f"{text} {SINGULAR.get(unit, unit) if text == '1' else unit}"
    return f"{_number(seconds)} s"


def human(key: str, value: float, context: Mapping[str, Any] | None = None) -> str:
    """A number as a reader wants it, judged by its key (and, for alarm thresholds, the metric)."""
    metric = str((context or {}).get("metricName", ""))
    if BYTES.search(key) or (key == "threshold" and BYTES.search(metric)):
        return size(value)
    if key in GIB:
        return f"{_number(value)} GiB"
    if SECONDS.search(key):
        return f"{_count(value)} s" + (f" ({duration(value)})" if value >= 60 else "")
    if DAYS.search(key):
        return f"{_count(value)} days" + (f" ({duration(value * 86400)})" if value >= 365 else "")
    if HOURS.search(key):
        return f"{_count(value)} h" + (f" ({duration(value * 3600)})" if value >= 24 else "")
    return _number(value)


def _opened(value: str) -> Any:
    """A JSON document inside a string, parsed, so policies show as nested keys."""
    text = value.strip()
    if text[:1] in "{[" and len(text) > 2:
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


def _scalar(key: str, value: Any, context: Mapping[str, Any] | None) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return human(key, value, context) if math.isfinite(value) else str(value)
    return str(value)


def lines(value: Any, key: str = "", depth: int = 0, context: Mapping[str, Any] | None = None) -> list[str]:
    """`key: value` lines, nested mappings and lists indented two spaces per level."""
    pad, label = "  " * depth, f"{key}: " if key else ""
    if rpc.is_rpc_secret(value) or (key and SECRET_KEY.search(key) and value not in (None, "", [], {})):
        return [f"{pad}{label}{MASK}"]
    if isinstance(value, str):
        value = _opened(value)
    if isinstance(value, Mapping):
        if not value:
            return [f"{pad}{label}{{}}"]
        head = [f"{pad}{key}:"] if key else []
        inner = depth + 1 if key else depth
        return head + [line for k in sorted(value) for line in lines(value[k], str(k), inner, value)]
    if isinstance(value, list | tuple):
        if all(not isinstance(v, Mapping | list | tuple) and not rpc.is_rpc_secret(v) for v in value):
            flat = f"{pad}{label}[{', '.join(_scalar(key, v, context) for v in value)}]"
            if len(flat) <= WIDTH:
                return [flat]
        head = [f"{pad}{key}:"] if key else []
        out = []
        for item in value:
            rendered = lines(item, "", depth + 2, context)
            first = rendered[0].lstrip()
            out += [f"{pad}  - {first}", *rendered[1:]]
        return head + out
    return [f"{pad}{label}{_scalar(key, value, context)}"]


def masked(value: Any, key: str = "") -> Any:
    """The value with secrets replaced, for `--format json`."""
    if rpc.is_rpc_secret(value) or (key and SECRET_KEY.search(key) and value not in (None, "", [], {})):
        return MASK
    if isinstance(value, Mapping):
        return {str(k): masked(v, str(k)) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [masked(v, key) for v in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value
