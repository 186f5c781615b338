"""The WFM feed: Amazon Connect agent events → interval adherence records.

Input: agent-event-stream records as Connect writes them to Kinesis (JSON objects with
`AgentARN`, `EventType`, `EventTimestamp` and `CurrentAgentSnapshot`). Each event gives the
agent's state from its timestamp until the agent's next event; the last event of a batch closes
nothing (its state continues into the next batch, where the heartbeat repeats it).

Output (`ADHERENCE_COLUMNS`, one row per agent and interval, UTC, the CSV the rostering system
imports):
- `agent`: Connect username; `routing_profile`: the agent's routing profile (role);
- `interval_start`: ISO 8601 UTC start of the interval; `interval_minutes`;
- `logged_in_seconds`: not offline; `available_seconds`: routable and not on a contact;
- `on_contact_seconds`: connected or on hold; `after_contact_seconds`: after-contact work;
- `custom_seconds` and `custom_state`: in a non-routable state (break, training...) and the one
  held longest;
- `scheduled_activity` and `adherent_seconds`: when a schedule is given, the activity the roster
  planned (`available`, `custom:<state>` or `offline`) and the seconds the agent matched it
  (`available` matches available, on-contact and after-contact time); empty otherwise.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

ADHERENCE_COLUMNS = ("agent", "routing_profile", "interval_start", "interval_minutes", "logged_in_seconds",
                     "available_seconds", "on_contact_seconds", "after_contact_seconds", "custom_seconds",
                     "custom_state", "scheduled_activity", "adherent_seconds")
ON_CONTACT = {"CONNECTED", "CONNECTED_ONHOLD", "CONNECTING", "INCOMING", "PENDING"}
AFTER_CONTACT = {"ENDED", "MISSED", "ERROR", "REJECTED"}
WORKING = ("available", "on_contact", "after_contact")


class AgentEventError(ValueError):
    """An agent event without the fields the transformer needs."""


@dataclass(frozen=True, slots=True)
class State:
    at: datetime
    agent: str
    routing_profile: str
    activity: str  # available | on_contact | after_contact | custom | offline
    custom: str = ""


@dataclass
class Interval:
    agent: str
    routing_profile: str
    start: datetime
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    custom: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise AgentEventError(f"timestamp {text!r} has no time zone")
    return value.astimezone(UTC)


def state_of(event: Mapping[str, Any]) -> State:
    try:
        snapshot = event.get("CurrentAgentSnapshot") or {}
        config = snapshot.get("Configuration") or {}
        agent = str(config.get("Username") or event["AgentARN"])
        profile = str((config.get("RoutingProfile") or {}).get("Name", ""))
        at = parse_time(str(event["EventTimestamp"]))
    except KeyError as exc:
        raise AgentEventError(f"agent event without {exc.args[0]}") from None
    status = snapshot.get("AgentStatus") or {}
    contacts = [str(c.get("State", "")) for c in snapshot.get("Contacts") or []]
    if event.get("EventType") == "LOGOUT" or status.get("Type") == "OFFLINE" or not status:
        return State(at, agent, profile, "offline")
    if any(c in ON_CONTACT for c in contacts):
        return State(at, agent, profile, "on_contact")
    if any(c in AFTER_CONTACT for c in contacts):
        return State(at, agent, profile, "after_contact")
    if status.get("Type") == "ROUTABLE":
        return State(at, agent, profile, "available")
    return State(at, agent, profile, "custom", str(status.get("Name", "custom")))


def _interval_start(at: datetime, minutes: int) -> datetime:
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(minutes=(at - midnight) // timedelta(minutes=minutes) * minutes)


def adherence(events: Iterable[Mapping[str, Any]], interval_minutes: int = 30,
              schedule: Mapping[tuple[str, datetime], str] | None = None) -> list[dict[str, Any]]:
    """Interval records (`ADHERENCE_COLUMNS`) from agent events; `schedule` maps (agent,
    interval start) to the planned activity."""
    by_agent: dict[str, list[State]] = defaultdict(list)
    for event in events:
        if event.get("EventType") == "HEART_BEAT" and not event.get("CurrentAgentSnapshot"):
            continue
        state = state_of(event)
        by_agent[state.agent].append(state)
    step = timedelta(minutes=interval_minutes)
    intervals: dict[tuple[str, datetime], Interval] = {}
    for states in by_agent.values():
        states.sort(key=lambda s: s.at)
        for state, following in pairwise(states):
            at = state.at
            while at < following.at:
                start = _interval_start(at, interval_minutes)
                until = min(start + step, following.at)
                record = intervals.setdefault((state.agent, start), Interval(state.agent, state.routing_profile, start))
                record.seconds[state.activity] += (until - at).total_seconds()
                if state.activity == "custom":
                    record.custom[state.custom] += (until - at).total_seconds()
                at = until
    return [_row(intervals[key], interval_minutes, schedule) for key in sorted(intervals)]


def _row(record: Interval, minutes: int, schedule: Mapping[tuple[str, datetime], str] | None) -> dict[str, Any]:
    s = record.seconds
    planned = (schedule or {}).get((record.agent, record.start), "")
    adherent: float | str = ""
    if planned:
        if planned == "available":
            adherent = sum(s[a] for a in WORKING)
        elif planned.startswith("custom:"):
            adherent = record.custom.get(planned.removeprefix("custom:"), 0.0)
        else:
            adherent = minutes * 60 - sum(v for k, v in s.items() if k != "offline")
    custom = max(record.custom, key=lambda name: (record.custom[name], name)) if record.custom else ""
    return {"agent": record.agent, "routing_profile": record.routing_profile,
            "interval_start": record.start.strftime("%Y-%m-%dT%H:%M:%SZ"), "interval_minutes": minutes,
            "logged_in_seconds": round(sum(v for k, v in s.items() if k != "offline")),
            "available_seconds": round(s["available"]), "on_contact_seconds": round(s["on_contact"]),
            "after_contact_seconds": round(s["after_contact"]), "custom_seconds": round(s["custom"]),
            "custom_state": custom, "scheduled_activity": planned,
            "adherent_seconds": adherent if isinstance(adherent, str) else round(adherent)}


def to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ADHERENCE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
