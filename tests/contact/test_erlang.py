"""Erlang C: a published worked example, the exact textbook formula (factorials, in exact
fractions) for small N, and what the recurrence buys beyond the textbook's reach."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estate.contact.erlang import ErlangError, agents_for, erlang_c, evaluate


def textbook_erlang_c(traffic: Fraction, agents: int) -> Fraction:
    """P(wait) = (A^N/N! · N/(N-A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N-A)), exactly."""
    top = traffic ** agents / math.factorial(agents) * Fraction(agents) / (agents - traffic)
    return top / (sum(traffic ** k / math.factorial(k) for k in range(agents)) + top)


def test_call_centre_helper_worked_example() -> None:
    """Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example"
    (callcentrehelper.com): 100 calls in 30 minutes, AHT 180 s (10 Erlang), 80 % in 20 s,
    30 % shrinkage. Published: with 11 agents P(wait) 68.21 % and service level 39 %; 14 agents
    are the fewest to reach 80 % (88.8 %), ASA about 7.8 s, occupancy 71.4 %; 20 with shrinkage."""
    eleven = evaluate(10.0, 11, 180, 20)
    assert eleven.wait_probability == pytest.approx(0.6821, abs=5e-5)
    assert eleven.service_level == pytest.approx(0.39, abs=0.005)
    needed = agents_for(10.0, 180, 0.80, 20)
    assert needed.agents == 14
    assert needed.service_level == pytest.approx(0.888, abs=0.001)
    assert needed.asa_seconds == pytest.approx(7.8, abs=0.05)
    assert needed.occupancy == pytest.approx(0.714, abs=0.001)
    assert math.ceil(needed.agents / (1 - 0.30)) == 20


@given(traffic=st.fractions(min_value=Fraction(1, 10), max_value=40, max_denominator=20),
       extra=st.integers(min_value=1, max_value=25))
def test_recurrence_matches_the_textbook_formula(traffic: Fraction, extra: int) -> None:
    agents = math.floor(traffic) + extra
    assert erlang_c(float(traffic), agents) == pytest.approx(float(textbook_erlang_c(traffic, agents)), rel=1e-9)


@given(traffic=st.floats(min_value=0.05, max_value=60), target=st.floats(min_value=0.5, max_value=0.99),
       answer=st.integers(min_value=0, max_value=300))
def test_agents_for_is_the_fewest(traffic: float, target: float, answer: int) -> None:
    found = agents_for(traffic, 240, target, answer)
    assert found.service_level >= target
    fewer = evaluate(traffic, found.agents - 1, 240, answer)
    assert fewer.service_level < target


def test_far_beyond_factorials() -> None:
    # 171! overflows a float; the national 999 demand of a large force is thousands of Erlang
    found = agents_for(5000.0, 210, 0.9, 10)
    assert 5000 < found.agents < 5100
    assert 0.9 <= found.service_level < 1


def test_edges() -> None:
    assert agents_for(0.0, 180, 0.8, 20).agents == 0
    assert erlang_c(10.0, 10) == 1.0
    assert math.isinf(evaluate(10.0, 9, 180, 20).asa_seconds)
    with pytest.raises(ErlangError):
        agents_for(10.0, 180, 1.0, 20)
    with pytest.raises(ErlangError):
        agents_for(float("nan"), 180, 0.8, 20)
