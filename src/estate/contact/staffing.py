"""Staffing: Erlang C per queue and interval, then shrinkage, then the sum per control room
and skill, checked against the positions (phones) at each control room's site.

Order of the sums: each queue's agents come from Erlang C on that queue's own traffic (pooled
across every control room of the environment: Connect routes a queue's calls to any room's
agents); a room takes its share of each queue by weight; a room's need for a skill is the sum
over that skill's queues, rounded up; shrinkage turns agents on the phones into rostered heads.
Positions are compared with agents on the phones: staff on breaks or training hold no position.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from estate.contact.erlang import agents_for
from estate.contact.model import DAYS, ContactCentreData
from estate.inventory.inventory import Inventory

EPSILON = 1e-9  # shares that sum to a whole number must not round up past it


@dataclass(frozen=True, slots=True)
class QueueInterval:
    queue: str
    skill: str
    index: int
    day: str
    start: str
    calls: float
    erlang: float
    agents: int
    service_level: float
    asa_seconds: float
    occupancy: float
    waiting: float  # expected calls waiting (Erlang C's Lq)


@dataclass(frozen=True, slots=True)
class RoomInterval:
    control_room: str
    site: str
    skill: str
    index: int
    day: str
    start: str
    calls: float
    agents: int  # on the phones
    rostered: int  # after shrinkage
    positions: int
    over_positions: bool  # the room's agents on the phones, every skill, exceed its positions


@dataclass(frozen=True, slots=True)
class RoomSummary:
    control_room: str
    site: str
    positions: int
    shrinkage: float
    peak_agents: int
    peak_day: str
    peak_start: str
    rostered_hours_by_day: tuple[float, ...]  # Mon..Sun
    agent_hours_week: float
    rostered_hours_week: float
    intervals_over_positions: int


@dataclass(frozen=True, slots=True)
class StaffingReport:
    env: str
    interval_minutes: int
    forecast_scale: float
    queues: tuple[QueueInterval, ...]
    rooms: tuple[RoomInterval, ...]
    summaries: tuple[RoomSummary, ...]
    peak_concurrent_calls: int
    peak_day: str
    peak_start: str
    concurrency_limit: int
    default_quota: int

    @property
    def over_quota(self) -> bool:
        return self.concurrency_limit > self.default_quota

    @property
    def flagged(self) -> tuple[RoomInterval, ...]:
        return tuple(r for r in self.rooms if r.over_positions)


def plan_staffing(data: ContactCentreData, inventory: Inventory, env: str) -> StaffingReport:
    model, forecast = data.model, data.forecast
    environment = model.environments[env]
    intervals = forecast.intervals
    seconds = forecast.interval_minutes * 60
    queues = [q for q in model.env_queues(env) if not model.queues[q].overflow_only]
    results: list[QueueInterval] = []
    by_queue: dict[str, list[QueueInterval]] = {}
    for name in queues:
        queue = model.queues[name]
        level = queue.service_level
        rows = []
        for index, offered in enumerate(forecast.calls[name]):
            calls = offered * environment.forecast_scale
            erlang = calls * queue.handle_seconds / seconds
            found = agents_for(erlang, queue.handle_seconds, level.answered, level.within_seconds)
            waiting = 0.0 if erlang == 0 else found.wait_probability * erlang / (found.agents - erlang)
            day, start = forecast.label(index)
            rows.append(QueueInterval(name, queue.skill, index, day, start, calls, erlang, found.agents,
                                      found.service_level, found.asa_seconds, found.occupancy, waiting))
        by_queue[name] = rows
        results += rows
    room_rows, summaries = _rooms(data, inventory, env, queues=queues, by_queue=by_queue,
                                     intervals=intervals)
    concurrent = [sum(by_queue[q][i].agents + by_queue[q][i].waiting for q in queues) for i in range(intervals)]
    peak_index = max(range(intervals), key=lambda i: (concurrent[i], -i))
    peak = math.ceil(concurrent[peak_index] - EPSILON)
    day, start = forecast.label(peak_index)
    limit = max(1, math.ceil(peak * (1 + model.connect.headroom) - EPSILON))
    return StaffingReport(env, forecast.interval_minutes, environment.forecast_scale, tuple(results),
                          tuple(room_rows), tuple(summaries), peak, day, start, limit,
                          model.connect.default_concurrent_calls)


def _rooms(data: ContactCentreData, inventory: Inventory, env: str, *, queues: list[str],
           by_queue: dict[str, list[QueueInterval]], intervals: int) -> tuple[list[RoomInterval], list[RoomSummary]]:
    model, forecast = data.model, data.forecast
    rooms = model.environments[env].control_rooms
    weights = {q: sum(model.control_rooms[r].staffs.get(q, 0.0) for r in rooms) for q in queues}
    hours = forecast.interval_minutes / 60
    rows: list[RoomInterval] = []
    summaries: list[RoomSummary] = []
    for room_name in rooms:
        room = model.control_rooms[room_name]
        shrinkage = model.room_shrinkage(room_name)
        positions = inventory.sites[room.site].phones
        skills: dict[str, list[str]] = defaultdict(list)
        for queue in queues:
            if room.staffs.get(queue):
                skills[model.queues[queue].skill].append(queue)
        room_rows: list[RoomInterval] = []
        seated_by_interval = [0] * intervals
        per_skill: dict[str, list[tuple[float, int, int]]] = {}
        for skill, skill_queues in skills.items():
            values = []
            for index in range(intervals):
                share = sum(by_queue[q][index].agents * room.staffs[q] / weights[q] for q in skill_queues)
                calls = sum(by_queue[q][index].calls * room.staffs[q] / weights[q] for q in skill_queues)
                agents = math.ceil(share - EPSILON)
                rostered = math.ceil(share / (1 - shrinkage) - EPSILON)
                values.append((calls, agents, rostered))
                seated_by_interval[index] += agents
            per_skill[skill] = values
        for skill, values in per_skill.items():
            for index, (calls, agents, rostered) in enumerate(values):
                day, start = forecast.label(index)
                room_rows.append(RoomInterval(room_name, room.site, skill, index, day, start, calls, agents,
                                              rostered, positions, seated_by_interval[index] > positions))
        rows += room_rows
        peak_index = max(range(intervals), key=lambda i: (seated_by_interval[i], -i))
        day, start = forecast.label(peak_index)
        by_day = [0.0] * len(DAYS)
        for row in room_rows:
            by_day[DAYS.index(row.day)] += row.rostered * hours
        summaries.append(RoomSummary(
            room_name, room.site, positions, shrinkage, seated_by_interval[peak_index], day, start,
            tuple(by_day), sum(r.agents for r in room_rows) * hours, sum(by_day),
            sum(1 for seated in seated_by_interval if seated > positions)))
    rows.sort(key=lambda r: (r.index, r.control_room, r.skill))
    return rows, summaries
