"""Change windows in Europe/London: parsing, midnight crossing, both DST edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from estate.change.windows import WindowError, in_window, next_window, parse_window


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("text", "days", "start", "end"), [
    ("Sun 02:00-05:00", {6}, 120, 300),
    ("Mon-Fri 01:00-04:00", {0, 1, 2, 3, 4}, 60, 240),
    ("Fri 22:00-02:00", {4}, 1320, 1560),  # closes Saturday 02:00
    ("Sat-Mon 20:00-24:00", {5, 6, 0}, 1200, 1440),  # a range across the week's end
])
def test_parse(text: str, days: set[int], start: int, end: int) -> None:
    window = parse_window(text)
    assert (set(window.days), window.start, window.end) == (days, start, end)


@pytest.mark.parametrize("text", ["Sun 2:00-05:00", "Sun 25:00-26:00", "Sun 24:00-02:00", "Sunday 02:00-05:00",
                                  "Sun 02:60-03:00", "Sun 02:00-05:00 extra"])
def test_refused(text: str) -> None:
    with pytest.raises(WindowError, match="change window"):
        parse_window(text)


def test_summer_time_is_followed() -> None:
    window = parse_window("Sun 02:00-05:00")
    # in June 02:00 BST is 01:00 UTC; in January 02:00 GMT is 02:00 UTC
    assert in_window(window, utc(2025, 6, 1, 1, 30)) and not in_window(window, utc(2025, 6, 1, 4, 30))
    assert in_window(window, utc(2025, 1, 5, 4, 30)) and not in_window(window, utc(2025, 1, 5, 1, 30))


def test_window_crossing_midnight() -> None:
    window = parse_window("Fri 22:00-02:00")
    assert in_window(window, utc(2025, 1, 10, 23, 0))  # Friday 23:00 GMT
    assert in_window(window, utc(2025, 1, 11, 1, 59))  # Saturday 01:59 GMT
    assert not in_window(window, utc(2025, 1, 11, 2, 0))
    assert not in_window(window, utc(2025, 1, 11, 23, 0))  # Saturday is not an opening day


def test_october_change_day_repeats_the_hour() -> None:
    """27 Oct 2024: 01:00-02:00 happens twice (BST, then GMT): the window lasts two hours."""
    window = parse_window("Sun 01:00-02:00")
    opening = next_window(window, utc(2024, 10, 26, 12))
    assert (opening.start, opening.end) == (utc(2024, 10, 27, 0), utc(2024, 10, 27, 2))
    assert opening.end - opening.start == timedelta(hours=2)
    assert in_window(window, utc(2024, 10, 27, 0, 30))  # 01:30 BST
    assert in_window(window, utc(2024, 10, 27, 1, 30))  # 01:30 GMT
    assert not in_window(window, utc(2024, 10, 27, 2, 0))
    assert opening.describe() == "Sun 2024-10-27 01:00 BST to Sun 02:00 GMT"


def test_march_change_day_skips_the_hour() -> None:
    """30 Mar 2025: clocks go from 01:00 GMT to 02:00 BST; 01:00-02:00 does not happen."""
    window = parse_window("Sun 01:00-02:00")
    opening = next_window(window, utc(2025, 3, 29, 12))
    assert opening.start == utc(2025, 4, 6, 0)  # not that day: the next Sunday, 01:00 BST
    assert not in_window(window, utc(2025, 3, 30, 0, 59))
    assert not in_window(window, utc(2025, 3, 30, 1, 0))
    # a window that starts inside the skipped hour opens when the clocks jump
    half = next_window(parse_window("Sun 01:30-03:00"), utc(2025, 3, 29, 12))
    assert (half.start, half.end) == (utc(2025, 3, 30, 1, 0), utc(2025, 3, 30, 2, 0))


def test_next_window_is_the_open_one_or_the_next() -> None:
    window = parse_window("Mon-Fri 20:00-23:00")
    monday_noon = utc(2025, 6, 2, 11)
    assert next_window(window, monday_noon).start == utc(2025, 6, 2, 19)
    assert next_window(window, utc(2025, 6, 2, 21)).start == utc(2025, 6, 2, 19)  # open now
    assert next_window(window, utc(2025, 6, 6, 22)).start == utc(2025, 6, 9, 19)  # Friday after: Monday


def test_naive_time_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        in_window(parse_window("Sun 02:00-05:00"), datetime(2025, 1, 5, 3))
