"""What a simulated box says it is: ``show version`` in the layout IOS-XE prints for the model's
family (Catalyst 9200/9300/9500 switches, Catalyst 9800 WLCs, Catalyst 8200/8300/8500 edge and
hub routers), so that ntc-templates' ``cisco_ios_show_version`` parses version, hostname,
uptime, hardware, serial and image from it. A Catalyst 8000 router names its image
``X86_64_LINUX_IOSD-UNIVERSALK9-M`` (IOS-XE's IOSd), not a ``..._IOSXE`` one.

The model decides the family; the release decides the train name IOS prints in brackets.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DEFAULT_SOFTWARE = "17.9.4a"

# Release trains as IOS names them in "Cisco IOS Software [<train>]" (major.minor → name).
_TRAINS: dict[tuple[int, int], str] = {
    (16, 6): "Everest",
    (16, 9): "Fuji",
    (16, 12): "Gibraltar",
    (17, 3): "Amsterdam",
    (17, 6): "Bengaluru",
    (17, 9): "Cupertino",
    (17, 12): "Dublin",
    (17, 15): "IOSXE",
}


@dataclass(frozen=True)
class Family:
    """How one hardware family prints itself."""

    software: str  # the product words before the image name
    image: str  # the image name in brackets, also the stack table's "SW Image"
    cpu: str  # what follows the model in "cisco <model> (...) processor"
    stack: bool  # switches print a stack member table and per-switch details
    register: str = "0x102"  # the configuration register (routers: 0x2102)
    router: bool = False  # routers print their operating mode and interface counts


_SWITCH = Family("Catalyst L3 Switch Software", "CAT9K_IOSXE", "(X86) processor", True)
_C8000 = "X86_64_LINUX_IOSD-UNIVERSALK9-M"
_FAMILIES: tuple[tuple[str, Family], ...] = (
    ("C8200", Family("c8000be Software", _C8000, "processor", False, "0x2102", True)),
    ("C8300", Family("c8000be Software", _C8000, "processor", False, "0x2102", True)),
    ("C8500", Family("c8000aep Software", _C8000, "processor", False, "0x2102", True)),
    ("C9800", Family("C9800 Software", "C9800_IOSXE-K9", "(KATAR) processor (revision KATAR)", False)),
    ("C9200", Family("Catalyst L3 Switch Software", "CAT9K_LITE_IOSXE", "(ARM64) processor", True)),
    ("C9300", _SWITCH),
    ("C9400", _SWITCH),
    ("C9500", _SWITCH),
)


def family(model: str) -> Family:
    for prefix, found in _FAMILIES:
        if model.upper().startswith(prefix):
            return found
    return _SWITCH


def train(software: str) -> str:
    """The train name of a release (the nearest earlier known train for unlisted ones)."""
    try:
        major, minor = (int(part) for part in software.split(".")[:2])
    except ValueError:
        return "IOSXE"
    known = [key for key in _TRAINS if key <= (major, minor)]
    return _TRAINS[max(known)] if known else "IOSXE"


def padded(software: str) -> str:
    """``17.9.4a`` as the first line of ``show version`` prints it: ``17.09.04a``."""
    head, *rest = software.split(".")
    return ".".join([head, *(_two_digits(part) for part in rest)])


def _two_digits(part: str) -> str:
    number = part.rstrip("abcdefghijklmnopqrstuvwxyz")
    return number.zfill(2) + part[len(number) :]


def uptime_words(seconds: float) -> str:
    """IOS's uptime phrase: from the first non-zero unit down to minutes."""
    minutes = int(seconds) // 60
    units = (("year", 525600), ("week", 10080), ("day", 1440), ("hour", 60), ("minute", 1))
    words: list[str] = []
    for name, size in units:
        count, minutes = divmod(minutes, size)
        if count or words or name == "minute":
            words.append(f"{count} {name}{'' if count == 1 else 's'}")
    return ", ".join(words)


def base_mac(hostname: str) -> str:
    digest = hashlib.sha256(b"mac:" + hostname.encode()).hexdigest()
    return ":".join(["00", *(digest[index : index + 2] for index in range(0, 10, 2))])


def show_version(hostname: str, model: str, software: str, serial: str, uptime_seconds: float) -> str:
    box = family(model)
    uptime = uptime_words(uptime_seconds)
    major, minor = software.split(".")[:2]
    lines = [
        f"Cisco IOS XE Software, Version {padded(software)}",
        f"Cisco IOS Software [{train(software)}], {box.software} ({box.image}), Version {software}, "
        "RELEASE SOFTWARE (fc3)",
        "Technical Support: http://www.cisco.com/techsupport",
        "Copyright (c) 1986-2023 by Cisco Systems, Inc.",
        "Compiled Fri 20-Oct-23 10:44 by mcpre",
        "",
        "",
        "Cisco IOS-XE software, Copyright (c) 2005-2023 by cisco Systems, Inc.",
        "All rights reserved.  Certain components of Cisco IOS-XE software are",
        "licensed under the GNU General Public License (\"GPL\") Version 2.0.",
        "",
        "ROM: IOS-XE ROMMON",
        f"BOOTLDR: System Bootstrap, Version {major}.{minor}.1r, "
        "RELEASE SOFTWARE (P)",
        "",
        f"{hostname} uptime is {uptime}",
        f"Uptime for this control processor is {uptime}",
        "System returned to ROM by Reload Command",
        'System image file is "flash:packages.conf"',
        "Last reload reason: Reload Command",
        "",
        f"cisco {model} {_rack_units(model) + ' ' if box.router else ''}{box.cpu} with 1331521K/6147K bytes of "
        "memory.",
        f"Processor board ID {serial}",
        *(["Router operating mode: Autonomous"] if box.router else []),
        "2048K bytes of non-volatile configuration memory.",
        "8388608K bytes of physical memory.",
        "",
    ]
    if box.stack:
        lines += [
            "Switch Ports Model              SW Version        SW Image              Mode   ",
            "------ ----- -----              ----------        ----------            ----   ",
            f"*    1 {_ports(model):<5} {model:<18} {padded(software):<17} {box.image:<21} INSTALL",
            "",
            "",
            "Switch 01",
            "---------",
            f"Switch uptime                      : {uptime}",
            "",
            f"Base Ethernet MAC Address          : {base_mac(hostname)}",
            f"Model Number                       : {model}",
            f"System Serial Number               : {serial}",
            "",
        ]
    lines.append(f"Configuration register is {box.register}")
    return "\n".join(lines)


def _rack_units(model: str) -> str:
    """``(1RU)`` / ``(2RU)``, as a Catalyst 8000 prints after its model: the two-slot 8300s and
    the 8500s with QSFP ports are 2RU."""
    upper = model.upper()
    return "(2RU)" if "-2N" in upper or upper.startswith("C8500-12X4QC") else "(1RU)"


def _ports(model: str) -> int:
    """Front ports plus uplinks, as the stack table counts them (48-port boxes: 65)."""
    digits = "".join(ch for ch in model.split("-")[1] if ch.isdigit()) if "-" in model else ""
    front = int(digits) if digits else 48
    return front + 17 if front >= 24 else front + 4
