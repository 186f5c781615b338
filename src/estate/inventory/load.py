"""Load `network_configs/` into an `Inventory`, collecting every problem on the way.

Layout of an inventory folder:
- `estate.yaml`: standards and environments (`EstateFile`);
- `sites.csv`: one row per site, the columns of `Site` except the override-only ones;
- `sites/<SITE-ID>.yaml`: optional per-site overrides of any `Site` field but `site_id`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from estate.inventory.models import SITE_ID_PATTERN, EstateFile, Site
from estate.inventory.yaml_source import YamlDocument, YamlSyntaxError, parse_yaml
from estate.problems import Problem

ESTATE_FILE = "estate.yaml"
SITES_FILE = "sites.csv"
OVERRIDES_DIR = "sites"
CSV_COLUMNS = tuple(name for name in Site.model_fields if name not in {"guest", "notes"})


@dataclass(frozen=True)
class RawEstate:
    """What was read, before cross-checks: the parts that parsed, and the problems so far."""

    estate: EstateFile | None
    estate_doc: YamlDocument | None
    sites: dict[str, Site]
    site_lines: dict[str, tuple[str, int]]
    problems: list[Problem]
    sites_readable: bool  # False when sites.csv is missing or its header is wrong



def read_inventory(root: Path) -> RawEstate:
    problems: list[Problem] = []
    estate, doc = _read_estate(root, problems)
    sites, lines, readable = _read_sites(root, problems)
    if readable:
        _apply_overrides(root, sites, lines, problems)
    return RawEstate(estate, doc, sites, lines, problems, readable)


def _read_text(path: Path, label: str, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(label, "file not found", hint=f"create {label} in the inventory folder"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(label, f"cannot read the file: {exc}"))
    return None


def _read_estate(root: Path, problems: list[Problem]) -> tuple[EstateFile | None, YamlDocument | None]:
    text = _read_text(root / ESTATE_FILE, ESTATE_FILE, problems)
    if text is None:
        return None, None
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as exc:
        problems.append(Problem(ESTATE_FILE, str(exc), line=exc.line, hint="fix the YAML syntax"))
        return None, None
    for key, line in doc.duplicate_keys:
        problems.append(Problem(ESTATE_FILE, f"key '{key}' appears twice", line=line, field=key))
    try:
        return EstateFile.model_validate(doc.data), doc
    except ValidationError as exc:
        for error in exc.errors():
            path = tuple(error["loc"])
            problems.append(
                Problem(
                    ESTATE_FILE,
                    _message(error),
                    line=doc.line_of(path),
                    field=_dotted(path),
                    hint=_hint(error),
                )
            )
        return None, doc


def _read_sites(
    root: Path, problems: list[Problem]
) -> tuple[dict[str, Site], dict[str, tuple[str, int]], bool]:
    sites: dict[str, Site] = {}
    lines: dict[str, tuple[str, int]] = {}
    text = _read_text(root / SITES_FILE, SITES_FILE, problems)
    if text is None:
        return sites, lines, False
    rows = csv.reader(text.splitlines())
    try:
        header = [name.strip() for name in next(rows)]
    except StopIteration:
        problems.append(Problem(SITES_FILE, "the file is empty", hint="the first row names the columns"))
        return sites, lines, False
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(unknown)}" if unknown else "",
            )
            if part
        )
        problems.append(
            Problem(SITES_FILE, f"header columns do not match: {detail}", line=1,
                    hint=f"the columns are: {','.join(CSV_COLUMNS)}")
        )
        return sites, lines, False
    for line, row in _numbered(rows):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                Problem(SITES_FILE, f"row has {len(row)} fields, the header has {len(header)}", line=line,
                        site=row[0].strip() or None, hint="check for a stray or missing comma")
            )
            lines.setdefault(row[0].strip(), (SITES_FILE, line))
            continue
        record = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        site_id = record["site_id"]
        if site_id in lines:
            first = lines[site_id][1]
            problems.append(
                Problem(SITES_FILE, f"duplicate site id (first defined on line {first})", line=line,
                        site=site_id, field="site_id", hint="give every site its own id")
            )
            continue
        site = _validate_site(record, SITES_FILE, line, problems, None)
        if site is not None:
            sites[site_id] = site
        lines[site_id] = (SITES_FILE, line)
    return sites, lines, True


def _numbered(rows: Any) -> Iterator[tuple[int, list[str]]]:
    for row in rows:
        yield rows.line_num, row


def _validate_site(
    record: dict[str, Any], file: str, line: int, problems: list[Problem], doc: YamlDocument | None
) -> Site | None:
    try:
        return Site.model_validate(record)
    except ValidationError as exc:
        site_id = str(record.get("site_id", "")) or None
        for error in exc.errors():
            path = tuple(error["loc"])
            where = doc.line_of(path) if doc is not None and path else line
            problems.append(
                Problem(file, _message(error), line=where, site=site_id, field=_dotted(path) or None,
                        hint=_hint(error))
            )
        return None


def _apply_overrides(
    root: Path, sites: dict[str, Site], lines: dict[str, tuple[str, int]], problems: list[Problem]
) -> None:
    folder = root / OVERRIDES_DIR
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.yaml")):
        label = f"{OVERRIDES_DIR}/{path.name}"
        site_id = path.stem
        if site_id not in lines:
            problems.append(
                Problem(label, f"override file for site {site_id}, which is not in {SITES_FILE}",
                        line=1, site=site_id, hint=f"add the site to {SITES_FILE} or remove this file")
            )
            continue
        text = _read_text(path, label, problems)
        if text is None:
            continue
        try:
            doc = parse_yaml(text)
        except YamlSyntaxError as exc:
            problems.append(Problem(label, str(exc), line=exc.line, site=site_id))
            continue
        if not isinstance(doc.data, dict):
            problems.append(Problem(label, "expected a mapping of site fields", line=1, site=site_id))
            continue
        overrides = dict(doc.data)
        if overrides.pop("site_id", None) is not None:
            problems.append(Problem(label, "site_id cannot be overridden (the file name is the id)",
                                    line=doc.line_of(("site_id",)), site=site_id, field="site_id",
                                    hint="remove the line"))
        base = sites.get(site_id)
        if base is None:
            continue  # its row already has problems reported
        merged = {**base.model_dump(), **overrides}
        site = _validate_site(merged, label, 1, problems, doc)
        if site is not None:
            sites[site_id] = site


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _message(error: Any) -> str:
    value = error.get("input")
    shown = "" if isinstance(value, (dict, list)) or value is None else f" (got {value!r})"
    return f"{error['msg']}{shown}"


def _hint(error: Any) -> str | None:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "remove the field or check its spelling"
    if kind == "missing":
        return "add the field"
    if kind == "string_pattern_mismatch" and error["loc"][-1:] == ("site_id",):
        return f"site ids look like MPS-0042 (pattern {SITE_ID_PATTERN})"
    return None
