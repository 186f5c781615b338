"""Erlang C for one queue: probability of waiting, service level, average speed of answer,
occupancy, and the fewest agents that meet a service-level target.

P(wait) comes from the Erlang B recurrence, C = B / (1 - rho*(1 - B)) with rho = A/N, so no
factorial or power is ever formed: the textbook formula overflows floats beyond ~170 agents, the
recurrence stays within [0, 1] at every step. Traffic and handle time are in the same unit as
the answer time (seconds here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from estate.build.capacity import erlang_b


class ErlangError(ValueError):
    """A question Erlang C cannot answer (negative traffic, a target outside (0, 1))."""


@dataclass(frozen=True, slots=True)
class QueueResult:
    agents: int
    service_level: float  # share answered within the target time
    asa_seconds: float  # average speed of answer (inf when the queue is unstable)
    occupancy: float
    wait_probability: float


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a call waits, for `traffic` Erlang offered to `agents` agents (1 when
    agents <= traffic: the queue grows without bound)."""
    if traffic < 0 or agents < 0:
        raise ErlangError("traffic and agents must not be negative")
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(traffic, agents)
    return _c_from_b(blocking, traffic / agents)


def _c_from_b(blocking: float, rho: float) -> float:
    return blocking / (1.0 - rho * (1.0 - blocking))


def evaluate(traffic: float, agents: int, handle_seconds: float, answer_seconds: float) -> QueueResult:
    """Service level, ASA and occupancy of `agents` agents serving `traffic` Erlang."""
    if handle_seconds <= 0 or answer_seconds < 0:
        raise ErlangError("handle time must be positive and the answer time not negative")
    wait = erlang_c(traffic, agents)
    return _result(traffic, agents, wait, handle_seconds, answer_seconds)


def _result(traffic: float, agents: int, wait: float, handle: float, answer: float) -> QueueResult:
    if traffic == 0:
        return QueueResult(agents, 1.0, 0.0, 0.0, 0.0)
    if agents <= traffic:
        return QueueResult(agents, 0.0, math.inf, 1.0, 1.0)
    spare = agents - traffic
    level = 1.0 - wait * math.exp(-spare * answer / handle)
    return QueueResult(agents, level, wait * handle / spare, traffic / agents, wait)


def agents_for(traffic: float, handle_seconds: float, target: float, answer_seconds: float,
               limit: int = 100_000) -> QueueResult:
    """The fewest agents whose service level reaches `target` within `answer_seconds`.

    Walks the Erlang B recurrence once from 0 to the answer: every candidate N costs one step,
    so the search is O(N) however far above the traffic the answer lies.
    """
    if not 0.0 < target < 1.0:
        raise ErlangError(f"service-level target {target} is not between 0 and 1")
    if traffic < 0 or not math.isfinite(traffic):
        raise ErlangError("traffic must be a finite number, not negative")
    if handle_seconds <= 0 or answer_seconds < 0:
        raise ErlangError("handle time must be positive and the answer time not negative")
    if traffic == 0:
        return QueueResult(0, 1.0, 0.0, 0.0, 0.0)
    agents = math.floor(traffic) + 1
    blocking = erlang_b(traffic, agents)
    while True:
        wait = _c_from_b(blocking, traffic / agents)
        result = _result(traffic, agents, wait, handle_seconds, answer_seconds)
        if result.service_level >= target:
            return result
        if agents >= limit:
            raise ErlangError(f"more than {limit} agents would be needed for {traffic:.1f} Erlang")
        agents += 1
        blocking = traffic * blocking / (agents + traffic * blocking)
