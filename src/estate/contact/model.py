"""The contact-centre model: services, queues, roles, control rooms and, per environment, what
that environment's call-handling stack declares. Frozen pydantic models that reject unknown
fields, so a typo in `contact_centre.yaml` is a problem with its line, not a silent default.

Cross-references (a service naming an unknown queue, a control room on a site outside its
environment) are checked in `estate.contact.load`, where the file's lines are known.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

NAME = r"^[a-z][a-z0-9_]{0,39}$"
Name = Annotated[str, Field(pattern=NAME)]
Share = Annotated[float, Field(gt=0.0, lt=1.0)]
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CONNECT_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
ALWAYS = "always"
HOURS_PATTERN = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? "
                           r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ServiceLevel(Strict):
    """`answered` of the calls (a share, 0.9 = 90 %) answered within `within_seconds`."""

    answered: Share
    within_seconds: Annotated[int, Field(ge=0, le=3600)]


class Opening(StrEnum):
    ALWAYS = ALWAYS


class DayHours(Strict):
    """Open on `day` from `start` to `end` minutes after midnight (end 1440 = midnight)."""

    day: int  # 0 = Monday
    start: int
    end: int


def parse_hours(text: str) -> list[DayHours]:
    """`Mon-Fri 08:00-20:00` → one `DayHours` per day; ValueError with the reason otherwise."""
    found = HOURS_PATTERN.match(text)
    if found is None:
        raise ValueError(f"'{text}' is not like 'Mon-Fri 08:00-20:00' or 'Sat 09:00-17:00'")
    first, last, h1, m1, h2, m2 = found.groups()
    start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
    if end > 1440 or end <= start:
        raise ValueError(f"'{text}': the end must be after the start, at most 24:00")
    days = range(DAYS.index(first), DAYS.index(last or first) + 1)
    if not days:
        raise ValueError(f"'{text}': the days run backwards")
    return [DayHours(day=d, start=start, end=end) for d in days]


class Queue(Strict):
    description: str
    skill: Name = Field(description="the skill the WFM rosters for this queue")
    service_level: ServiceLevel
    talk_seconds: Annotated[float, Field(gt=0, le=7200)] = Field(description="talk + hold time per call")
    after_call_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(description="after-call work per call")
    hours: Opening | list[str] = Field(description="'always', or day ranges like 'Mon-Fri 08:00-20:00'")
    max_contacts: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        None, description="calls waiting before the queue counts as over capacity (fallback)")
    overflow_only: bool = Field(False, description="takes only overflow: no forecast of its own")

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: Opening | list[str]) -> Opening | list[str]:
        if isinstance(value, list):
            if not value:
                raise ValueError("give at least one opening, or 'always'")
            for text in value:
                parse_hours(text)
        return value

    @property
    def handle_seconds(self) -> float:
        return self.talk_seconds + self.after_call_seconds

    def openings(self) -> list[DayHours]:
        if self.hours == Opening.ALWAYS:
            return [DayHours(day=d, start=0, end=1440) for d in range(7)]
        assert isinstance(self.hours, list)
        return [o for text in self.hours for o in parse_hours(text)]

    def is_open(self, day: int, minute: int) -> bool:
        return any(o.day == day and o.start <= minute < o.end for o in self.openings())


class Service(Strict):
    description: str
    queue: Name = Field(description="the queue the entry flow routes to")
    fallback_queue: Name | None = Field(None, description="where calls go when the queue is closed or full")
    closed_message: str = Field(description="played when neither queue can take the call")
    entry: Annotated[str, Field(pattern=r"^(phone_number|transfer)$")] = Field(
        "phone_number", description="phone_number: a DID claimed in Connect; transfer: reached from another flow")


class Role(Strict):
    """A control-room role: one routing profile (queues in priority order) and security profile."""

    description: str
    queues: Annotated[list[Name], Field(min_length=1)]
    security_profile: Name


class ControlRoom(Strict):
    site: Annotated[str, Field(pattern=r"^[A-Z]{2,5}-\d{4}$")]
    staffs: dict[Name, Annotated[float, Field(gt=0.0, le=100.0)]] = Field(
        description="queue → weight: the share of that queue's agents this room provides, by weight")
    shrinkage: Annotated[float, Field(ge=0.0, lt=1.0)] | None = None


class ConnectSettings(Strict):
    default_concurrent_calls: Annotated[int, Field(ge=1)] = Field(
        10, description="the account's default 'concurrent active calls per instance' quota")
    headroom: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        0.2, description="extra concurrency above the staffing peak")


class Environment(Strict):
    instance_alias: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{2,44}[a-z0-9]$")]
    saml_provider_arn: Annotated[str, Field(pattern=r"^arn:aws:iam::\d{12}:saml-provider/[\w+=,.@-]{1,128}$")]
    services: Annotated[list[Name], Field(min_length=1)]
    control_rooms: Annotated[list[Name], Field(min_length=1)]
    forecast_scale: Annotated[float, Field(gt=0.0, le=10.0)] = Field(
        1.0, description="multiplies the forecast (pilot environments take a slice of the demand)")
    claim_phone_numbers: bool = Field(True, description="claim DIDs for services with entry phone_number")


class ContactCentre(Strict):
    time_zone: str = "Europe/London"
    interval_minutes: Annotated[int, Field(ge=15, le=60, multiple_of=15)] = 30
    forecast: str = Field("forecast.csv", description="the demand forecast, beside this file")
    shrinkage: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        description="share of paid time agents are not available to take calls (breaks, training, leave)")
    connect: ConnectSettings = ConnectSettings()
    security_profiles: dict[Name, Annotated[list[str], Field(min_length=1)]]
    roles: dict[Name, Role]
    queues: dict[Name, Queue]
    services: dict[Name, Service]
    control_rooms: dict[Name, ControlRoom]
    environments: dict[Name, Environment]

    def env_queues(self, env: str) -> list[str]:
        """The queues an environment declares: those its services route to, in model order."""
        wanted = set()
        for name in self.environments[env].services:
            service = self.services[name]
            wanted.add(service.queue)
            if service.fallback_queue:
                wanted.add(service.fallback_queue)
        return [q for q in self.queues if q in wanted]

    def env_roles(self, env: str) -> list[str]:
        queues = set(self.env_queues(env))
        return [name for name, role in self.roles.items() if queues.intersection(role.queues)]

    def room_shrinkage(self, room: str) -> float:
        own = self.control_rooms[room].shrinkage
        return self.shrinkage if own is None else own


class Forecast(Strict):
    """Calls offered per queue and interval over a typical week, Monday 00:00 first."""

    interval_minutes: int
    calls: dict[str, tuple[float, ...]]

    @property
    def intervals(self) -> int:
        return 7 * 24 * 60 // self.interval_minutes

    def label(self, index: int) -> tuple[str, str]:
        """(day, 'HH:MM') of interval `index`."""
        minutes = index * self.interval_minutes
        day, minute = divmod(minutes, 1440)
        return DAYS[day], f"{minute // 60:02d}:{minute % 60:02d}"


class ContactCentreData(Strict):
    model: ContactCentre
    forecast: Forecast
