"""Generate the sample contact-centre forecast, `network_configs/contact_centre/forecast.csv`,
deterministically.

Run `python tools/generate_contact_forecast.py` after changing this script; the output is
committed so that a change to the data is a reviewable diff. The demand is fictional but shaped
like a metropolitan force's: about 40,000 999 handovers and 45,000 101 calls a week, quiet
before dawn, an evening peak every day, later and busier Friday and Saturday nights, 101 and the
switchboard weighted to office hours on weekdays. A real forecast (the WFM system's export, or
last year's same weeks) drops in as the same CSV: `queue,day,interval,calls`.
"""

from __future__ import annotations

import csv
import math
import random
import sys
from pathlib import Path

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
INTERVAL_MINUTES = 30
SEED = 999

# queue: (calls a week, weight of the evening peak, weight of office hours, open hours per day
# or None for always, {day index: day-volume factor})
QUEUES: dict[str, tuple[int, float, float, dict[int, tuple[int, int]] | None, dict[int, float]]] = {
    "emergency": (40_000, 1.0, 0.3, None, {4: 1.12, 5: 1.18, 6: 1.02}),
    "non_emergency": (45_000, 0.6, 1.0, None, {0: 1.12, 5: 0.82, 6: 0.76}),
    "switchboard": (8_000, 0.1, 1.0, dict.fromkeys(range(5), (7 * 60, 22 * 60)) | {5: (480, 1200), 6: (480, 1200)},
                    {5: 0.45, 6: 0.35}),
    "internal": (12_000, 0.7, 0.8, None, {}),
}


def bump(hour: float, centre: float, width: float) -> float:
    """A smooth daily bump around `centre` (hours, wrapping at midnight)."""
    distance = min(abs(hour - centre), 24 - abs(hour - centre))
    return math.exp(-0.5 * (distance / width) ** 2)


def shape(day: int, hour: float, evening: float, office: float) -> float:
    late = 1.0 + (0.6 if day in (4, 5) else 0.0)  # Friday and Saturday nights run on
    night_out = bump(hour, 23.5, 2.0) * (0.8 if day in (4, 5) else 0.15)
    weekday_office = office * bump(hour, 11.5, 3.0) * (1.0 if day < 5 else 0.5)
    return 0.15 + weekday_office + evening * bump(hour, 18.5, 2.5) * late + evening * night_out


def forecast() -> list[tuple[str, str, str, int]]:
    rng = random.Random(SEED)
    rows: list[tuple[str, str, str, int]] = []
    slots = [(d, m) for d in range(7) for m in range(0, 1440, INTERVAL_MINUTES)]
    for queue, (weekly, evening, office, hours, day_factor) in QUEUES.items():
        def is_open(day: int, minute: int, hours: dict[int, tuple[int, int]] | None = hours) -> bool:
            if hours is None:
                return True
            window = hours.get(day)
            return window is not None and window[0] <= minute < window[1]

        weights = [shape(d, (m + INTERVAL_MINUTES / 2) / 60, evening, office) * day_factor.get(d, 1.0)
                   if is_open(d, m) else 0.0 for d, m in slots]
        total = sum(weights)
        for (day, minute), weight in zip(slots, weights, strict=True):
            noise = 1.0 + rng.uniform(-0.06, 0.06)
            calls = round(weekly * weight / total * noise) if weight else 0
            rows.append((queue, DAYS[day], f"{minute // 60:02d}:{minute % 60:02d}", calls))
    return rows


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    out = Path(argv[1]) if len(argv) > 1 else root / "network_configs" / "contact_centre" / "forecast.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("queue", "day", "interval", "calls"))
        writer.writerows(forecast())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
