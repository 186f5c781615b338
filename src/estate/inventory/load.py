"""Load `network_configs/` into an `Inventory`, collecting every problem on the way.

Layout of an inventory folder:
- `estate.yaml`: standards and environments (`EstateFile`);
- `sites.csv`: one row per site, the columns of `Site` except the override-only ones;
- `sites/<SITE-ID>.yaml`: optional per-site overrides of any `Site` field but `site_id`;
- `access.yaml`: optional; how devices are reached (`estate.inventory.access`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from estate.inventory.access import ACCESS_FILE, AccessFile, validate_access
from estate.inventory.models import DEFAULTABLE, EstateFile, Site
from estate.inventory.partial import EstateParts, salvage
from estate.inventory.source_errors import dotted, inventory_hint, message, source_loc
from estate.inventory.yaml_source import MAX_BYTES as MAX_YAML_BYTES
from estate.inventory.yaml_source import YamlDocument, YamlSyntaxError, parse_yaml
from estate.problems import Problem, did_you_mean_id

ESTATE_FILE = "estate.yaml"
SITES_FILE = "sites.csv"
OVERRIDES_DIR = "sites"
OVERRIDE_SUFFIX = ".yaml"
CSV_COLUMNS = tuple(name for name in Site.model_fields if name not in {"guest", "notes"})
MAX_CSV_BYTES = 32 * 1024 * 1024  # the sample's 500 sites take 40 KB


@dataclass(frozen=True)
class SiteFacts:
    """What the cross-checks read of a site; None where the site's own validation failed, so a
    row with a bad count is still checked for an unknown kind."""

    site_id: str | None
    kind: str | None
    bwv_docks: int | None
    bwv_cameras: int | None

    @classmethod
    def of(cls, site: Site) -> SiteFacts:
        return cls(site.site_id, site.kind, site.bwv_docks, site.bwv_cameras)

    @classmethod
    def salvage(cls, record: dict[str, Any], failed: set[str]) -> SiteFacts:
        def valid(name: str) -> Any:
            return None if name in failed or name not in record else record[name]

        docks, cameras = valid("bwv_docks"), valid("bwv_cameras")
        return cls(valid("site_id"), valid("kind"), None if docks is None else int(docks),
                   None if cameras is None else int(cameras))


@dataclass(frozen=True)
class RawEstate:
    """What was read, before cross-checks: the parts that parsed, and the problems so far."""

    estate: EstateFile | None  # None unless the whole estate file is valid
    parts: EstateParts  # the sections of the estate file that are valid on their own
    estate_doc: YamlDocument | None
    sites: dict[str, Site]
    site_lines: dict[str, tuple[str, int]]
    problems: list[Problem]
    sites_readable: bool  # False when sites.csv is missing or its header is wrong
    rejected: dict[str, SiteFacts]  # rows that failed their own validation: what did validate
    access: AccessFile | None = None  # None when access.yaml is absent or invalid
    access_doc: YamlDocument | None = None


def read_inventory(root: Path) -> RawEstate:
    problems: list[Problem] = []
    estate, parts, doc = _read_estate(root, problems)
    sites, lines, readable, rejected = _read_sites(root, problems, parts)
    if readable:
        _apply_overrides(root, sites, lines, problems)
    access, access_doc = _read_access(root, problems)
    return RawEstate(estate, parts, doc, sites, lines, problems, readable, rejected, access, access_doc)


def _read_access(root: Path, problems: list[Problem]) -> tuple[AccessFile | None, YamlDocument | None]:
    path = root / ACCESS_FILE
    if not path.exists():
        return AccessFile(), None
    text = _read_text(path, ACCESS_FILE, problems, MAX_YAML_BYTES)
    if text is None:
        return None, None
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as exc:
        problems.append(Problem(ACCESS_FILE, str(exc), line=exc.line, hint=exc.hint))
        return None, None
    return validate_access(doc, problems), doc


def _read_text(path: Path, label: str, problems: list[Problem], limit: int, site: str | None = None) -> str | None:
    if not path.exists():
        problems.append(Problem(label, "file not found", site=site, hint=f"create {label} in the inventory folder"))
        return None
    if not path.is_file():  # a folder, a FIFO or a device would block or never end
        problems.append(Problem(label, "not a regular file", site=site, hint="replace it with a file"))
        return None
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        problems.append(Problem(label, f"cannot read the file: {exc.strerror or exc}", site=site,
                                hint="check the file's permissions"))
        return None
    if len(data) > limit:
        problems.append(Problem(label, f"the file is larger than {limit} bytes, the most estate reads from it",
                                site=site, hint="check that this is the right file"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(label, f"not UTF-8 text (byte {data[exc.start]:#04x})", line=line, site=site,
                                hint="save the file as UTF-8"))
        return None


def _read_estate(root: Path, problems: list[Problem]) -> tuple[EstateFile | None, EstateParts, YamlDocument | None]:
    text = _read_text(root / ESTATE_FILE, ESTATE_FILE, problems, MAX_YAML_BYTES)
    if text is None:
        return None, EstateParts(), None
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as exc:
        problems.append(Problem(ESTATE_FILE, str(exc), line=exc.line, hint=exc.hint))
        return None, EstateParts(), None
    for key, line in doc.duplicate_keys:
        problems.append(Problem(ESTATE_FILE, f"key '{key}' appears twice", line=line, field=key,
                                hint="keep one of them"))
    try:
        estate = EstateFile.model_validate(doc.data)
    except ValidationError as exc:
        for error in exc.errors():
            path = source_loc(error)
            problems.append(Problem(ESTATE_FILE, message(error), line=doc.line_of(path), field=dotted(path) or None,
                                    hint=inventory_hint(error)))
        return None, salvage(doc.data), doc
    return estate, EstateParts.of(estate), doc


def _read_sites(
    root: Path, problems: list[Problem], parts: EstateParts
) -> tuple[dict[str, Site], dict[str, tuple[str, int]], bool, dict[str, SiteFacts]]:
    sites: dict[str, Site] = {}
    lines: dict[str, tuple[str, int]] = {}
    rejected: dict[str, SiteFacts] = {}
    text = _read_text(root / SITES_FILE, SITES_FILE, problems, MAX_CSV_BYTES)
    if text is None:
        return sites, lines, False, rejected
    # newline="": a quoted cell may hold a line break (reported by the text rules), and only
    # \n, \r\n and \r end a row (str.splitlines would also split at \f, \x1c, \u2028...)
    text = text.removeprefix("\ufeff")  # a spreadsheet's byte order mark
    rows = _rows(text)
    header_row = next(rows, None)
    if header_row is None:
        problems.append(Problem(SITES_FILE, "the file is empty", hint="the first row names the columns"))
        return sites, lines, False, rejected
    header = [name.strip() for name in header_row[1] or []]
    if not _header_ok(header, problems):
        return sites, lines, False, rejected
    for line, row, why in rows:
        if row is None:
            _malformed(text, line, why, lines, problems)
            continue
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
        blank = _fill_blanks(record, parts, line, problems)
        site, failed = _validate_site(record, SITES_FILE, line, problems, None, reported=blank)
        failed |= blank
        if site is not None and not blank:
            sites[site_id] = site
        else:
            rejected[site_id] = SiteFacts.salvage(record, failed)
        lines[site_id] = (SITES_FILE, line)
    return sites, lines, True, rejected


def _rows(text: str) -> Iterator[tuple[int, list[str] | None, str]]:
    """(first line, cells, "") for every row, or (first line, None, why) for a row the csv module
    cannot read; reading goes on after it, so the rows below are still checked."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, None, str(exc)
        else:
            yield start, row, ""
        start = reader.line_num + 1


def _malformed(text: str, line: int, why: str, lines: dict[str, tuple[str, int]], problems: list[Problem]) -> None:
    physical = re.split(r"\r\n|\r|\n", text)
    first_cell = physical[line - 1].split(",", 1)[0].strip().strip('"') if line <= len(physical) else ""
    problems.append(Problem(SITES_FILE, f"malformed CSV: {why}", line=line, site=first_cell or None,
                            hint='quote a cell that holds a comma or a quote ("a, b"), doubling inner quotes'))
    if first_cell:
        lines.setdefault(first_cell, (SITES_FILE, line))  # the site exists, though unreadable


def _header_ok(header: list[str], problems: list[Problem]) -> bool:
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if not (missing or unknown or repeated):
        return True
    detail = "; ".join(
        part
        for part in (
            f"missing {', '.join(missing)}" if missing else "",
            f"unknown {', '.join(unknown)}" if unknown else "",
            f"repeated {', '.join(repeated)}" if repeated else "",
        )
        if part
    )
    problems.append(Problem(SITES_FILE, f"header columns do not match: {detail}", line=1,
                            hint=f"the columns are: {','.join(CSV_COLUMNS)}"))
    return False


def _fill_blanks(record: dict[str, Any], parts: EstateParts, line: int, problems: list[Problem]) -> set[str]:
    """Blank cells take the site kind's defaults (`site_kinds.<kind>.defaults`); the names of the
    blank cells that have none, each reported, and dropped from `record`."""
    kind = record.get("kind", "")
    defaults = parts.defaults.get(kind)
    unfilled: set[str] = set()
    for name in [n for n, value in record.items() if value == ""]:
        default = None if defaults is None else getattr(defaults, name, None)
        if default is not None:
            record[name] = default
            continue
        del record[name]
        unfilled.add(name)
        problems.append(Problem(SITES_FILE, f"the {name} cell is blank", line=line,
                                site=record.get("site_id") or None, field=name, hint=_blank_hint(name, kind, parts)))
    return unfilled


def _blank_hint(name: str, kind: str, parts: EstateParts) -> str:
    if name not in DEFAULTABLE:
        return f"fill it in: {name} has no default (only {', '.join(DEFAULTABLE)} take the kind's)"
    if parts.kinds is not None and kind not in parts.kinds:
        return f"fill it in: blank cells take the site kind's defaults, and kind '{kind}' is not known"
    return (f"fill it in, or give the kind a default: site_kinds.{kind}.defaults.{name} in {ESTATE_FILE}")


def _validate_site(
    record: dict[str, Any], file: str, line: int, problems: list[Problem], doc: YamlDocument | None,
    *, reported: Collection[str] = (),
) -> tuple[Site | None, set[str]]:
    """The site, or None and the names of the fields that failed (problems reported; a field in
    `reported` already has its problem)."""
    try:
        return Site.model_validate(record), set()
    except ValidationError as exc:
        site_id = str(record.get("site_id", "")) or None
        failed: set[str] = set()
        for error in exc.errors():
            path = source_loc(error)
            if path and path[0] in reported:
                continue
            # a model-level rule has no path: today's only one (_cameras_fit_docks) is about these
            failed.update([str(path[0])] if path else ["bwv_docks", "bwv_cameras"])
            where = doc.line_of(path) if doc is not None and path else line
            problems.append(
                Problem(file, message(error), line=where, site=site_id, field=dotted(path) or None,
                        hint=inventory_hint(error))
            )
        return None, failed


def _apply_overrides(
    root: Path, sites: dict[str, Site], lines: dict[str, tuple[str, int]], problems: list[Problem]
) -> None:
    folder = root / OVERRIDES_DIR
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        label = f"{OVERRIDES_DIR}/{path.name}"
        if path.name.startswith("."):
            continue  # hidden files (.gitkeep, editor state) are not overrides by convention
        if path.suffix != OVERRIDE_SUFFIX:
            stem = path.name[: -len(path.suffix)] if path.suffix else path.name
            problems.append(Problem(label, f"not read: override files are named <SITE-ID>{OVERRIDE_SUFFIX}",
                                    hint=f"rename it to {OVERRIDES_DIR}/{stem}{OVERRIDE_SUFFIX}, or remove it"))
            continue
        site_id = path.stem
        if site_id not in lines:
            problems.append(
                Problem(label, f"override file for site {site_id}, which is not in {SITES_FILE}", line=1,
                        site=site_id, hint=f"add the site to {SITES_FILE} or remove this file"
                                           f"{did_you_mean_id(site_id, lines)}")
            )
            continue
        _apply_override(path, label, site_id, sites, problems)


def _apply_override(path: Path, label: str, site_id: str, sites: dict[str, Site], problems: list[Problem]) -> None:
    text = _read_text(path, label, problems, MAX_YAML_BYTES, site=site_id)
    if text is None:
        return
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as exc:
        problems.append(Problem(label, str(exc), line=exc.line, site=site_id, hint=exc.hint))
        return
    for key, line in doc.duplicate_keys:
        problems.append(Problem(label, f"key '{key}' appears twice", line=line, site=site_id, field=key,
                                hint="keep one of them"))
    if not isinstance(doc.data, dict):
        problems.append(Problem(label, "expected a mapping of site fields", line=1, site=site_id,
                                hint="write one `field: value` per line, such as `wan_mbps: 1000`"))
        return
    overrides = dict(doc.data)
    if overrides.pop("site_id", None) is not None:
        problems.append(Problem(label, "site_id cannot be overridden (the file name is the id)",
                                line=doc.line_of(("site_id",)), site=site_id, field="site_id",
                                hint="remove the line"))
    base = sites.get(site_id)
    if base is None:
        return  # its row already has problems reported
    merged = {**base.model_dump(), **overrides}
    site, _ = _validate_site(merged, label, 1, problems, doc)
    if site is not None:
        sites[site_id] = site
