"""Change windows: when a site may be changed, in the site's own time zone.

A window reads `Sun 02:00-05:00` or `Mon-Fri 01:00-04:00`: the days are the days it *opens*;
an end at or before the start means it closes the next day (`Fri 22:00-02:00`), `24:00` is the
following midnight, and a start equal to its end is a whole day. Times are wall-clock times
in Europe/London, so a window follows the clocks through both DST changes:

- in March the hour 01:00-02:00 does not exist: a window edge in it falls on the change
  itself (02:00 BST), and a window wholly inside it does not occur that day;
- in October 01:00-02:00 happens twice: a window opens at the first occurrence of its start
  and closes at the last occurrence of its end, so `Sun 01:00-02:00` lasts two real hours.

Everything is computed on real instants (UTC), never by comparing wall-clock times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SITE_TIME_ZONE = ZoneInfo("Europe/London")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WINDOW = re.compile(r"(?P<first>[A-Z][a-z]{2})(?:-(?P<last>[A-Z][a-z]{2}))? "
                     r"(?P<start>\d\d):(?P<start_m>\d\d)-(?P<end>\d\d):(?P<end_m>\d\d)")
_SEARCH_DAYS = 16  # a weekly window always opens within this, even when a DST day swallows one


class WindowError(ValueError):
    """A change window that cannot be read."""


@dataclass(frozen=True, slots=True)
class ChangeWindow:
    text: str
    days: frozenset[int]  # the weekdays it opens on, Monday = 0
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight of the opening day; may pass 24:00


@dataclass(frozen=True, slots=True)
class Opening:
    """One occurrence of a window, as real instants (timezone-aware)."""

    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def describe(self) -> str:
        start, end = self.start.astimezone(SITE_TIME_ZONE), self.end.astimezone(SITE_TIME_ZONE)
        return f"{start:%a %Y-%m-%d %H:%M %Z} to {end:%a %H:%M %Z}"


def parse_window(text: str) -> ChangeWindow:
    found = _WINDOW.fullmatch(text.strip())
    if found is None:
        raise WindowError(f"change window {text!r}: expected e.g. 'Sun 02:00-05:00' or 'Mon-Fri 01:00-04:00'")
    try:
        first = DAYS.index(found["first"])
        last = DAYS.index(found["last"] or found["first"])
    except ValueError:
        raise WindowError(f"change window {text!r}: days are {', '.join(DAYS)}") from None
    start = _minutes(text, found["start"], found["start_m"], allow_24=False)
    end = _minutes(text, found["end"], found["end_m"], allow_24=True)
    days = frozenset((first + offset) % 7 for offset in range((last - first) % 7 + 1))
    if end <= start:
        end += 24 * 60  # closes the next day (a start equal to its end: a whole day)
    return ChangeWindow(text.strip(), days, start, end)


def _minutes(text: str, hours: str, minutes: str, *, allow_24: bool) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m or not allow_24)):
        raise WindowError(f"change window {text!r}: {hours}:{minutes} is not a time of day")
    return h * 60 + m


def _instant(day: date, minutes: int, *, latest: bool) -> datetime:
    """The real instant of a wall-clock time `minutes` after local midnight of `day`. A time
    the clocks skip maps to the moment they jump; a time they repeat maps to its first
    occurrence, or its last with `latest`."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    first = wall.replace(tzinfo=SITE_TIME_ZONE, fold=0)
    second = wall.replace(tzinfo=SITE_TIME_ZONE, fold=1)
    if first.astimezone(UTC).astimezone(SITE_TIME_ZONE).replace(tzinfo=None) != wall:
        # skipped: the jump is the first instant whose wall time is past `wall`; it lies
        # between the two readings of the skipped time (at most the gap apart)
        low, high = second.astimezone(UTC), first.astimezone(UTC)
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(SITE_TIME_ZONE).replace(tzinfo=None) >= wall:
                high = middle
            else:
                low = middle
        return high.replace(microsecond=0)
    return (second if latest else first).astimezone(UTC)


def openings(window: ChangeWindow, around: datetime) -> list[Opening]:
    """The window's occurrences that open from two days before `around` to `_SEARCH_DAYS`
    after, in order; empty ones (a window inside a skipped hour) left out."""
    today = around.astimezone(SITE_TIME_ZONE).date()
    found = []
    for offset in range(-2, _SEARCH_DAYS):
        day = today + timedelta(days=offset)
        if day.weekday() not in window.days:
            continue
        start = _instant(day, window.start, latest=False)
        end = _instant(day, window.end, latest=True)
        if end > start:
            found.append(Opening(start, end))
    return found


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("a change window is checked against a timezone-aware time")
    return now


def next_window(window: ChangeWindow, now: datetime) -> Opening:
    """The occurrence open at `now`, else the next one to open."""
    now = _aware(now)
    for opening in openings(window, now):
        if opening.end > now:
            return opening
    raise WindowError(f"change window {window.text!r} never opens")  # unreachable for a weekly window


def in_window(window: ChangeWindow, now: datetime) -> bool:
    return next_window(window, now).contains(_aware(now))


def current_time() -> datetime:
    """The clock the CLI checks windows against (tests replace it)."""
    return datetime.now(UTC)


def describe_next(window_text: str, now: datetime) -> str:
    """`open now until …` or `next …`, for reviews and plans; a window that cannot be read
    says so rather than failing a review."""
    try:
        window = parse_window(window_text)
    except WindowError as exc:
        return str(exc)
    opening = next_window(window, now)
    if opening.contains(now):
        end = opening.end.astimezone(SITE_TIME_ZONE)
        return f"{window.text}: open now, until {end:%a %Y-%m-%d %H:%M %Z}"
    return f"{window.text}: next {opening.describe()}"
