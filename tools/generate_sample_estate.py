"""Generate the shipped sample estate's `network_configs/sites.csv`, deterministically.

Run `python tools/generate_sample_estate.py` after changing this script; the output is
committed so that a change to the data is a reviewable diff. The estate is fictional but shaped
like a metropolitan force: ~500 sites across the 32 London boroughs, ~20,000 IP phones and
~22,000 body-worn cameras docked at stations, custody suites and patrol bases.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

BOROUGHS = [
    "Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden", "Croydon", "Ealing",
    "Enfield", "Greenwich", "Hackney", "Hammersmith and Fulham", "Haringey", "Harrow", "Havering",
    "Hillingdon", "Hounslow", "Islington", "Kensington and Chelsea", "Kingston upon Thames",
    "Lambeth", "Lewisham", "Merton", "Newham", "Redbridge", "Richmond upon Thames", "Southwark",
    "Sutton", "Tower Hamlets", "Waltham Forest", "Wandsworth", "Westminster",
]

# kind: (how many, phones, desktops, printers, aps, cameras, wan_mbps, change window)
KINDS: dict[str, tuple[int, tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int],
                       tuple[int, int], int, str]] = {
    "headquarters": (2, (560, 600), (640, 700), (30, 36), (60, 70), (0, 0), 10000, "Sun 01:00-05:00"),
    "control_room": (3, (300, 340), (320, 360), (6, 10), (14, 18), (0, 0), 10000, "Tue 03:00-04:00"),
    "police_station": (112, (74, 114), (80, 124), (6, 10), (10, 16), (100, 150), 1000, "Sun 02:00-05:00"),
    "custody_suite": (30, (34, 46), (36, 50), (4, 6), (6, 9), (20, 40), 1000, "Tue 03:00-04:00"),
    "patrol_base": (60, (26, 40), (28, 42), (2, 4), (4, 7), (80, 124), 500, "Sun 02:00-05:00"),
    "specialist_unit": (18, (30, 50), (35, 55), (3, 5), (4, 8), (40, 80), 1000, "Mon-Fri 01:00-04:00"),
    "training_centre": (5, (50, 70), (80, 110), (4, 6), (10, 14), (20, 40), 1000, "Sat 08:00-18:00"),
    "neighbourhood_office": (270, (6, 14), (6, 16), (1, 2), (2, 3), (0, 0), 100, "Mon-Fri 20:00-23:00"),
}

HEADER = [
    "site_id", "name", "kind", "borough", "phones", "desktops", "printers", "aps", "bwv_docks",
    "bwv_cameras", "wan_mbps", "wan_hub", "change_window",
]
HUBS = ["hub-north", "hub-east", "hub-south", "hub-west"]
NAME_SUFFIX = {
    "headquarters": "Headquarters",
    "control_room": "Command and Control",
    "police_station": "Police Station",
    "custody_suite": "Custody Suite",
    "patrol_base": "Patrol Base",
    "specialist_unit": "Specialist Operations",
    "training_centre": "Training Centre",
    "neighbourhood_office": "Neighbourhood Office",
}
DOCK_BAYS = 8


def rows(seed: int = 20261128) -> list[list[str]]:
    rng = random.Random(seed)
    # headquarters keep the first numbers; every other kind is spread through the range, as
    # sites are numbered in the order they joined the estate, not by kind
    plan = [kind for kind, spec in KINDS.items() for _ in range(spec[0]) if kind != "headquarters"]
    rng.shuffle(plan)
    plan = ["headquarters"] * KINDS["headquarters"][0] + plan
    out: list[list[str]] = []
    for number, kind in enumerate(plan, start=1):
        _, phones, desktops, printers, aps, cameras, wan, window = KINDS[kind]
        borough = BOROUGHS[(number * 7) % len(BOROUGHS)] if kind != "headquarters" else "Westminster"
        place = borough.split(" ")[0]
        name = f"{place} {NAME_SUFFIX[kind]} {number:03d}"
        camera_count = rng.randint(*cameras)
        docks = -(-camera_count // DOCK_BAYS) + (1 if camera_count else 0)  # one spare dock
        out.append([
            f"MPS-{number:04d}", name, kind, borough,
            str(rng.randint(*phones)), str(rng.randint(*desktops)), str(rng.randint(*printers)),
            str(rng.randint(*aps)), str(docks), str(camera_count), str(wan),
            HUBS[number % len(HUBS)], window,
        ])
    return out


def main() -> int:
    target = Path(__file__).resolve().parent.parent / "network_configs" / "sites.csv"
    data = rows()
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(data)
    phones = sum(int(r[4]) for r in data)
    cameras = sum(int(r[9]) for r in data)
    sys.stdout.write(f"wrote {target}: {len(data)} sites, {phones} phones, {cameras} cameras\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
