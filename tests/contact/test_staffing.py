"""Staffing per queue, control room and skill: monotone in demand and in the service-level
target, shrinkage applied once, positions flagged, Connect concurrency sized from the peak."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from estate.contact.erlang import agents_for
from estate.contact.model import ContactCentreData, ServiceLevel
from estate.contact.staffing import plan_staffing
from estate.inventory.inventory import Inventory


@given(calls=st.floats(min_value=0, max_value=600), more=st.floats(min_value=0, max_value=300),
       handle=st.floats(min_value=30, max_value=900), target=st.floats(min_value=0.5, max_value=0.98))
def test_more_demand_never_needs_fewer_agents(calls: float, more: float, handle: float, target: float) -> None:
    erlang = calls * handle / 1800
    busier = (calls + more) * handle / 1800
    assert agents_for(busier, handle, target, 20).agents >= agents_for(erlang, handle, target, 20).agents


@given(erlang=st.floats(min_value=0.1, max_value=120), low=st.floats(min_value=0.5, max_value=0.97),
       step=st.floats(min_value=0, max_value=0.02), answer=st.integers(min_value=1, max_value=60),
       shorter=st.integers(min_value=0, max_value=20))
def test_a_stricter_service_level_never_needs_fewer_agents(erlang: float, low: float, step: float, answer: int,
                                                           shorter: int) -> None:
    base = agents_for(erlang, 300, low, answer).agents
    assert agents_for(erlang, 300, min(low + step, 0.99), answer).agents >= base
    assert agents_for(erlang, 300, low, max(answer - shorter, 0)).agents >= base


@settings(max_examples=10, deadline=None)
@given(scale=st.floats(min_value=0.2, max_value=1.0), extra=st.floats(min_value=0.0, max_value=0.5))
def test_the_whole_plan_is_monotone_in_demand(contact_data: ContactCentreData, contact_inventory: Inventory,
                                               scale: float, extra: float) -> None:
    def scaled(factor: float) -> ContactCentreData:
        env = contact_data.model.environments["staging"].model_copy(update={"forecast_scale": factor})
        model = contact_data.model.model_copy(update={"environments": {"staging": env}})
        return contact_data.model_copy(update={"model": model})

    low = plan_staffing(scaled(scale), contact_inventory, "staging")
    high = plan_staffing(scaled(scale + extra), contact_inventory, "staging")
    assert all(h.agents >= lo.agents for lo, h in zip(low.queues, high.queues, strict=True))
    assert all(h.rostered >= lo.rostered for lo, h in zip(low.rooms, high.rooms, strict=True))
    # Connect's concurrency (agents + expected waiting calls) is NOT monotone: a little more
    # demand can add an agent, and that agent shortens the queue by more than a call (hypothesis
    # found scale 1.0 -> 1.016: 156 -> 155). What holds: every agent on the phones has a call
    # slot, and the requested limit covers the peak with its headroom.
    for report in (low, high):
        busiest = max(sum(q.agents for q in report.queues if (q.day, q.start) == (d, s))
                      for d, s in {(q.day, q.start) for q in report.queues})
        assert report.peak_concurrent_calls >= busiest
        assert report.concurrency_limit >= report.peak_concurrent_calls


def test_the_whole_plan_is_monotone_in_the_target(contact_data: ContactCentreData,
                                                  contact_inventory: Inventory) -> None:
    queue = contact_data.model.queues["non_emergency"]
    stricter = queue.model_copy(update={"service_level": ServiceLevel(answered=0.9, within_seconds=60)})
    model = contact_data.model.model_copy(update={"queues": {**contact_data.model.queues, "non_emergency": stricter}})
    base = plan_staffing(contact_data, contact_inventory, "prod")
    strict = plan_staffing(contact_data.model_copy(update={"model": model}), contact_inventory, "prod")
    pairs = list(zip(base.queues, strict.queues, strict=True))
    assert all(s.agents >= b.agents for b, s in pairs)
    assert any(s.agents > b.agents for b, s in pairs if b.queue == "non_emergency")


def test_every_interval_meets_its_target(contact_data: ContactCentreData, contact_inventory: Inventory) -> None:
    report = plan_staffing(contact_data, contact_inventory, "prod")
    assert len(report.queues) == 4 * 336  # the overflow-only queue has no forecast
    for row in report.queues:
        target = contact_data.model.queues[row.queue].service_level.answered
        assert row.service_level >= target
        assert row.calls == 0 or row.occupancy < 1


def test_rooms_share_by_weight_and_apply_shrinkage(contact_data: ContactCentreData,
                                                   contact_inventory: Inventory) -> None:
    report = plan_staffing(contact_data, contact_inventory, "prod")
    emergency = next(q for q in report.queues if q.queue == "emergency" and q.day == "Sat" and q.start == "18:30")
    rows = {r.control_room: r for r in report.rooms
            if r.skill == "emergency_call_handling" and r.index == emergency.index}
    # weights east 2, west 1, north 1
    assert rows["east"].agents == math.ceil(emergency.agents * 2 / 4 - 1e-9)
    assert rows["west"].agents == math.ceil(emergency.agents / 4 - 1e-9)
    assert rows["east"].rostered == math.ceil(emergency.agents * 2 / 4 / (1 - 0.35) - 1e-9)
    assert rows["north"].rostered == math.ceil(emergency.agents / 4 / (1 - 0.38) - 1e-9)


def test_positions_flagged_where_the_site_has_too_few_phones(contact_data: ContactCentreData,
                                                            contact_inventory: Inventory) -> None:
    report = plan_staffing(contact_data, contact_inventory, "prod")
    summaries = {s.control_room: s for s in report.summaries}
    assert summaries["north"].positions == 30  # MPS-0113 in the fixture
    assert summaries["north"].intervals_over_positions > 0
    assert summaries["east"].intervals_over_positions == 0
    flagged = {(r.control_room, r.index) for r in report.flagged}
    assert flagged and all(room == "north" for room, _ in flagged)
    for room, index in flagged:
        seated = sum(r.agents for r in report.rooms if r.control_room == room and r.index == index)
        assert seated > 30


def test_concurrency_from_the_peak(contact_data: ContactCentreData, contact_inventory: Inventory) -> None:
    report = plan_staffing(contact_data, contact_inventory, "prod")
    peak_agents = max(sum(q.agents for q in report.queues if q.index == i) for i in range(336))
    assert report.peak_concurrent_calls >= peak_agents
    assert report.concurrency_limit == math.ceil(report.peak_concurrent_calls * 1.2 - 1e-9)
    assert report.over_quota and report.default_quota == 10
    dev = plan_staffing(contact_data, contact_inventory, "dev")
    assert dev.concurrency_limit < report.concurrency_limit
