"""A real IOS-XE device that took estate's config shows it in its own way: shared keys as type-6
ciphertexts of its own, no `snmp-server user` lines, and default objects estate never renders.
Such a device must review as unchanged; `rotate` re-sends exactly the rotated secret's lines."""

from __future__ import annotations

import hashlib
import re

import pytest

from estate.build.render import render_environment
from estate.change.diff import compute_diff
from estate.change.review import Target, targets_from
from estate.inventory.inventory import Inventory
from estate.secrets import SECRET_NAMES, resolve

ENV = "dev"
VALUES = {name: f"Current{name.title().replace('_', '')}9" for name in SECRET_NAMES}
DEVICE_DEFAULTS = """version 17.9
boot-start-marker
boot-end-marker
license boot level network-advantage addon dna-advantage
crypto pki trustpoint TP-self-signed-3010591178
 enrollment selfsigned
 revocation-check none
crypto pki trustpoint SLA-TrustPoint
 enrollment pkcs12
 revocation-check crl
service call-home
call-home
 contact-email-addr sch-smart-licensing@cisco.com
 profile "CiscoTAC-1"
  active
control-plane
vlan 1
 name default-renamed
"""
_CLEAR_KEY = re.compile(r"^(\s*(?:key|client \S+ server-key)) 0 (\S+)$", re.MULTILINE)
_NTP_KEY = re.compile(r"^(ntp authentication-key \d+ \S+) (\S+)$", re.MULTILINE)


def _ciphertext(device: str, value: str, line: int) -> str:
    """A stand-in for a type-6 ciphertext: different per device and per line, never the value."""
    digest = hashlib.sha256(f"{device}:{line}:{value}".encode()).hexdigest()
    return "".join(chr(ord("A") + int(digest[i:i + 2], 16) % 58) for i in range(0, 64, 2)).replace("\\", "Q")


def device_view(hostname: str, intended: str) -> str:
    """What `show running-config` gives on a real device after estate's config was pushed."""
    text = resolve(intended, VALUES)
    counter = iter(range(10_000))
    text = _CLEAR_KEY.sub(lambda m: f"{m.group(1)} 6 {_ciphertext(hostname, m.group(2), next(counter))}", text)
    text = _NTP_KEY.sub(lambda m: f"{m.group(1)} {_ciphertext(hostname, m.group(2), next(counter)).encode().hex()} 7",
                        text)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("snmp-server user "))
    return DEVICE_DEFAULTS + text + "\n"


def _switches(inventory: Inventory) -> list[Target]:
    targets = targets_from(render_environment(inventory, ENV, ["MPS-0024"]))
    return [t for t in targets if t.role.value in {"core", "access"}][:2]


@pytest.fixture(scope="module")
def switches(sample_inventory: Inventory) -> list[Target]:
    return _switches(sample_inventory)


def test_converged_real_device_shows_no_change(switches: list[Target]) -> None:
    for target in switches:
        running = device_view(target.hostname, target.intended)
        assert " key 6 " in running and "snmp-server user" not in running
        assert re.search(r"^ntp authentication-key 1 hmac-sha2-256 [0-9a-f]+ 7$", running, re.MULTILINE)
        assert "key 0 ${TACACS_KEY}" in target.intended and "snmp-server user" in target.intended
        diff = compute_diff(target.name, target.hostname, running, target.intended, secrets=VALUES)
        assert not diff.changed, diff.remediation
        assert not diff.rollback, diff.rollback
        assert diff.converged and diff.rollback_converged
        kept = {k.line for k in diff.kept}
        assert {"vlan 1", "license boot level network-advantage addon dna-advantage", "service call-home",
                "crypto pki trustpoint TP-self-signed-3010591178", "control-plane"} <= kept


@pytest.mark.parametrize("name", ["TACACS_KEY", "RADIUS_KEY", "SNMP_AUTH", "NTP_KEY"])
def test_rotation_resends_only_the_rotated_secret(switches: list[Target], name: str) -> None:
    target = switches[0]
    running = device_view(target.hostname, target.intended)
    diff = compute_diff(target.name, target.hostname, running, target.intended, secrets=VALUES,
                        rotate=frozenset({name}))
    carrying = [line.strip() for line in target.intended.splitlines() if f"${{{name}}}" in line]
    sent = [line.strip() for line in diff.remediation if "${" in line]
    assert sorted(sent) == sorted(carrying)
    assert all(f"${{{name}}}" in line for line in sent)
    assert not any(line.strip().startswith("no ") for line in diff.remediation)
    assert diff.converged and diff.rollback_converged
    for value in VALUES.values():
        assert not any(value in line for line in (*diff.remediation, *diff.rollback))
