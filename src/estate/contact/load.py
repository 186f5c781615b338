"""Read `contact_centre/` from the inventory folder and check it, collecting every problem.

Layout: `contact_centre/contact_centre.yaml` (the model, `ContactCentre`) and the forecast CSV
it names (`queue,day,interval,calls`: one row per queue and interval of a typical week; `day`
Mon..Sun, `interval` the start `HH:MM`, `calls` offered in that interval). Cross-checks need
the site inventory: control rooms sit on sites of their environment, environments exist.
"""

from __future__ import annotations

import csv
import math
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from estate.contact.model import DAYS, ContactCentre, ContactCentreData, Forecast
from estate.inventory.inventory import Inventory
from estate.inventory.source_errors import dotted, inventory_hint, message
from estate.inventory.yaml_source import YamlDocument, YamlSyntaxError, parse_yaml
from estate.problems import InventoryError, Problem

FOLDER = "contact_centre"
MODEL_FILE = "contact_centre.yaml"
FORECAST_COLUMNS = ("queue", "day", "interval", "calls")


def has_contact_centre(root: Path) -> bool:
    return (root / FOLDER / MODEL_FILE).is_file()


def load_contact_centre(inventory: Inventory) -> ContactCentreData:
    """The checked model and forecast, or `InventoryError` carrying every problem found."""
    data, problems = read_contact_centre(inventory)
    if problems or data is None:
        raise InventoryError(problems)
    return data


def contact_problems(inventory: Inventory) -> list[Problem]:
    """Every problem of the contact-centre model; none when the inventory has no model."""
    if not has_contact_centre(inventory.root):
        return []
    return read_contact_centre(inventory)[1]


def read_contact_centre(inventory: Inventory) -> tuple[ContactCentreData | None, list[Problem]]:
    folder = inventory.root / FOLDER
    label = f"{FOLDER}/{MODEL_FILE}"
    problems: list[Problem] = []
    model, doc = _read_model(folder / MODEL_FILE, label, problems)
    if model is None or doc is None:
        return None, problems
    problems += cross_check(model, doc, label, inventory)
    forecast_label = f"{FOLDER}/{model.forecast}"
    forecast = read_forecast(folder / model.forecast, forecast_label, model, problems)
    if problems or forecast is None:
        return None, problems
    return ContactCentreData(model=model, forecast=forecast), problems


def _read_model(path: Path, label: str, problems: list[Problem]) -> tuple[ContactCentre | None, YamlDocument | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(label, "file not found", hint=f"create {label} in the inventory folder"))
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(label, f"cannot read the file: {exc}",
                                hint="make it a readable UTF-8 text file (check its permissions and encoding)"))
        return None, None
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as exc:
        problems.append(Problem(label, str(exc), line=exc.line, hint="fix the YAML syntax"))
        return None, None
    for key, line in doc.duplicate_keys:
        problems.append(Problem(label, f"key '{key}' appears twice", line=line, field=key,
                                hint="keep one of them: YAML would silently use the last"))
    try:
        return ContactCentre.model_validate(doc.data), doc
    except ValidationError as exc:
        for error in exc.errors():
            path_ = _real_path(tuple(error["loc"]))
            problems.append(Problem(label, message(error), line=doc.line_of(path_), field=dotted(path_),
                                    hint=_hint(error)))
        return None, doc


def _real_path(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    # pydantic names the union member it tried ('hours.list[str].0'); the file has no such key
    return tuple(step for step in loc if not (isinstance(step, str) and ("[" in step or step == "literal")))


def _hint(error: Any) -> str:
    if error["type"] == "string_pattern_mismatch" and error["loc"][-1:] != ("site",):
        return "names are lower_case_with_underscores"
    if error["type"] == "string_pattern_mismatch":
        return "site ids look like MPS-0042, as in sites.csv"
    return inventory_hint(error)


def cross_check(model: ContactCentre, doc: YamlDocument, label: str, inventory: Inventory) -> list[Problem]:
    def problem(path: tuple[str | int, ...], message: str, hint: str | None = None, site: str | None = None) -> Problem:
        return Problem(label, message, line=doc.line_of(path), site=site, field=dotted(path), hint=hint)

    # a room shared by two environments would report its missing site once per environment
    found = [*_references(model, problem), *_environments(model, problem, inventory), *_time_zone(model, problem)]
    return list(dict.fromkeys(found))


def _known(kind: str, names: Any) -> str:
    return f"one of: {', '.join(sorted(names))} (or add the {kind})"


def _references(model: ContactCentre, problem: Any) -> Iterator[Problem]:
    yield from _service_references(model, problem)
    yield from _role_references(model, problem)
    yield from _room_references(model, problem)


def _service_references(model: ContactCentre, problem: Any) -> Iterator[Problem]:
    queues = model.queues
    for name, service in model.services.items():
        for key in ("queue", "fallback_queue"):
            target = getattr(service, key)
            if target is not None and target not in queues:
                yield problem(("services", name, key), f"unknown queue '{target}'", _known("queue", queues))
        if service.fallback_queue == service.queue:
            yield problem(("services", name, "fallback_queue"), "the fallback is the queue itself",
                          "name another queue, or leave the fallback out to play the closed message")


def _role_references(model: ContactCentre, problem: Any) -> Iterator[Problem]:
    queues = model.queues
    answered = set()
    for name, role in model.roles.items():
        for index, queue in enumerate(role.queues):
            answered.add(queue)
            if queue not in queues:
                yield problem(("roles", name, "queues", index), f"unknown queue '{queue}'", _known("queue", queues))
        if role.security_profile not in model.security_profiles:
            yield problem(("roles", name, "security_profile"),
                          f"unknown security profile '{role.security_profile}'",
                          _known("security profile", model.security_profiles))
    for name in queues:
        if name not in answered:
            yield problem(("queues", name), f"no role answers queue '{name}'", "add it to a role's queues")


def _room_references(model: ContactCentre, problem: Any) -> Iterator[Problem]:
    queues = model.queues
    for room_name, room in model.control_rooms.items():
        for queue in room.staffs:
            if queue not in queues:
                yield problem(("control_rooms", room_name, "staffs", queue), f"unknown queue '{queue}'",
                              _known("queue", queues))
            elif queues[queue].overflow_only:
                yield problem(("control_rooms", room_name, "staffs", queue),
                              f"queue '{queue}' takes only overflow and has no forecast to staff",
                              "remove it: overflow is answered by the roles that list the queue")


def _environments(model: ContactCentre, problem: Any, inventory: Inventory) -> Iterator[Problem]:
    known_envs = inventory.estate.environments
    for env_name, env in model.environments.items():
        where = ("environments", env_name)
        if env_name not in known_envs:
            yield problem(where, f"environment '{env_name}' is not in estate.yaml", _known("environment", known_envs))
            continue
        try:
            env_sites = {s.site_id for s in inventory.env_sites(env_name)}
        except LookupError:  # the environment names a site sites.csv lacks: reported by the inventory
            env_sites = set(inventory.sites)
        for index, service in enumerate(env.services):
            if service not in model.services:
                yield problem((*where, "services", index), f"unknown service '{service}'",
                              _known("service", model.services))
        rooms = [r for r in env.control_rooms if r in model.control_rooms]
        for index, room in enumerate(env.control_rooms):
            if room not in model.control_rooms:
                yield problem((*where, "control_rooms", index), f"unknown control room '{room}'",
                              _known("control room", model.control_rooms))
            elif model.control_rooms[room].site not in env_sites:
                site = model.control_rooms[room].site
                in_inventory = site in inventory.sites
                yield problem(("control_rooms", room, "site"),
                              f"site {site} is not in environment {env_name}" if in_inventory
                              else f"site {site} is not in sites.csv", site=site,
                              hint=f"add the site to environments.{env_name}.sites in estate.yaml, "
                                   "or pick a site of the environment" if in_inventory
                              else "name a site of sites.csv")
        if any(s not in model.services for s in env.services):
            continue
        for queue in model.env_queues(env_name):
            if model.queues[queue].overflow_only:
                continue
            if not any(queue in model.control_rooms[r].staffs for r in rooms):
                yield problem((*where, "control_rooms"), f"no control room of {env_name} staffs queue '{queue}'",
                              "add the queue to the staffs of one of the environment's control rooms")


def _time_zone(model: ContactCentre, problem: Any) -> Iterator[Problem]:
    try:
        zoneinfo.ZoneInfo(model.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        yield problem(("time_zone",), f"unknown time zone '{model.time_zone}'", "an IANA name such as Europe/London")


def read_forecast(path: Path, label: str, model: ContactCentre, problems: list[Problem]) -> Forecast | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(label, "file not found",
                                hint="create it (tools/generate_contact_forecast.py writes a sample)"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(label, f"cannot read the file: {exc}",
                                hint="make it a readable UTF-8 CSV file (check its permissions and encoding)"))
        return None
    rows = csv.reader(text.splitlines())
    header = [cell.strip() for cell in next(rows, [])]
    if tuple(header) != FORECAST_COLUMNS:
        problems.append(Problem(label, f"header is {','.join(header) or 'empty'}", line=1,
                                hint=f"the columns are: {','.join(FORECAST_COLUMNS)}"))
        return None
    step = model.interval_minutes
    count = 7 * 1440 // step
    wanted = [q for q, queue in model.queues.items() if not queue.overflow_only]
    calls: dict[str, list[float | None]] = {q: [None] * count for q in wanted}
    lines: dict[tuple[str, int], int] = {}
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        parsed = _row(row, line, label, model, problems)
        if parsed is None:
            continue
        queue, index, value = parsed
        if (queue, index) in lines:
            problems.append(Problem(label, f"duplicate interval (first on line {lines[queue, index]})", line=line,
                                    field="interval", hint="one row per queue and interval"))
            continue
        lines[queue, index] = line
        calls[queue][index] = value
    forecast = Forecast(interval_minutes=step, calls={})
    for queue in wanted:
        missing = [i for i, value in enumerate(calls[queue]) if value is None]
        if missing:
            day, start = forecast.label(missing[0])
            problems.append(Problem(label, f"queue '{queue}' has no row for {len(missing)} of the {count} "
                                    f"intervals of the week (first: {day} {start})", field="queue",
                                    hint=f"give every queue one row per {step}-minute interval, 0 where no calls"))
    if any(p.file == label for p in problems):
        return None
    return Forecast(interval_minutes=step, calls={q: tuple(v or 0.0 for v in calls[q]) for q in wanted})


def _row(row: list[str], line: int, label: str, model: ContactCentre,
         problems: list[Problem]) -> tuple[str, int, float] | None:
    if len(row) != len(FORECAST_COLUMNS):
        problems.append(Problem(label, f"row has {len(row)} fields, the header has {len(FORECAST_COLUMNS)}",
                                line=line, hint="check for a stray or missing comma"))
        return None
    queue, day, interval, text = (cell.strip() for cell in row)
    found: list[Problem] = []
    if queue not in model.queues:
        found.append(Problem(label, f"unknown queue '{queue}'", line=line, field="queue",
                             hint=_known("queue", model.queues)))
    elif model.queues[queue].overflow_only:
        found.append(Problem(label, f"queue '{queue}' takes only overflow and has no forecast", line=line,
                             field="queue", hint="remove its rows"))
    if day not in DAYS:
        found.append(Problem(label, f"unknown day '{day}'", line=line, field="day", hint=f"one of: {', '.join(DAYS)}"))
    minute = _minute(interval)
    if minute is None or minute % model.interval_minutes:
        found.append(Problem(label, f"'{interval}' is not the start of a {model.interval_minutes}-minute interval",
                             line=line, field="interval", hint="HH:MM on the interval grid, such as 00:00 or 17:30"))
    try:
        value = float(text)
        if not math.isfinite(value) or value < 0:
            raise ValueError
    except ValueError:
        found.append(Problem(label, f"calls must be a number, 0 or more (got {text!r})", line=line, field="calls",
                             hint="write the calls forecast for the interval, such as 12 or 3.5 (0 for none)"))
        value = 0.0
    if found:
        problems.extend(found)
        return None
    assert minute is not None
    day_index = DAYS.index(day)
    if value > 0 and not model.queues[queue].is_open(day_index, minute):
        problems.append(Problem(label, f"{value:g} calls forecast while queue '{queue}' is closed", line=line,
                                field="calls", hint="set the calls to 0, or open the queue then in its hours"))
        return None
    return queue, (day_index * 1440 + minute) // model.interval_minutes, value


def _minute(text: str) -> int | None:
    hours, sep, minutes = text.partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2:
        return None
    value = int(hours) * 60 + int(minutes)
    return value if int(hours) < 24 and int(minutes) < 60 else None
