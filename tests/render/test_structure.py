"""Structural checks over the whole rendered prod estate: what must hold on every device."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest

from estate.build.device_model import PortKind, Role, SiteModel, build_site
from estate.build.render import Artifact
from estate.inventory.inventory import Inventory
from estate.secrets import SECRET_NAMES, placeholders_in

SWITCH_ROLES = (Role.CORE, Role.ACCESS)
# interfaces a config has beyond the model's physical ports
LOGICAL = re.compile(r"^(Port-channel\d+|Vlan\d+|Loopback0|GigabitEthernet0/0)$")
SECRET_LINE = re.compile(r"(secret \d|key \d|server-key|auth sha|priv aes)")


def sections(text: str) -> dict[str, list[str]]:
    """Top-level line -> its indented children (last one wins for repeated top-level lines)."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if not line or line == "!":
            continue
        if line.startswith(" "):
            current.append(line.strip())
        else:
            current = []
            found[line] = current
    return found


@pytest.fixture(scope="module")
def models(sample_inventory: Inventory) -> dict[str, SiteModel]:
    return {s.site_id: build_site(sample_inventory, "prod", s) for s in sample_inventory.env_sites("prod")}


@pytest.fixture(scope="module")
def by_host(prod_artifacts: list[Artifact]) -> dict[str, dict[str, list[str]]]:
    return {a.hostname: sections(a.text) for a in prod_artifacts if a.role in SWITCH_ROLES}


def _allowed(children: list[str]) -> set[int]:
    for line in children:
        if line.startswith("switchport trunk allowed vlan "):
            return {int(v) for v in line.rsplit(" ", 1)[1].split(",")}
    return set()


def _access_vlans(config: dict[str, list[str]]) -> Iterator[int]:
    for header, children in config.items():
        if not header.startswith("interface ") or "shutdown" in children:
            continue
        for line in children:
            if line.startswith(("switchport access vlan ", "switchport voice vlan ")):
                yield int(line.rsplit(" ", 1)[1])
            elif line.startswith(("switchport trunk native vlan ", "switchport trunk allowed vlan ")):
                yield from (int(v) for v in line.rsplit(" ", 1)[1].split(","))


def test_the_whole_prod_estate_is_rendered(prod_artifacts: list[Artifact], models: dict[str, SiteModel]) -> None:
    switches = sum(len(m.switches) for m in models.values())
    assert Counter(a.role for a in prod_artifacts) == {
        Role.CORE: len(models), Role.ACCESS: switches - len(models), Role.WLC_GLOBAL: 1,
        Role.WLC_SITE: sum(m.wlc is not None for m in models.values()),
    }
    assert len({a.relpath for a in prod_artifacts}) == len(prod_artifacts)


def test_no_none_and_nothing_unrendered(prod_artifacts: list[Artifact]) -> None:
    for artifact in prod_artifacts:
        for bad in ("None", "{{", "}}", "{%", "%}", "{#"):
            assert bad not in artifact.text, f"{artifact.relpath} contains {bad!r}"
        assert artifact.text.endswith("end\n"), artifact.relpath


def test_only_secret_placeholders_never_values(prod_artifacts: list[Artifact]) -> None:
    for artifact in prod_artifacts:
        assert placeholders_in(artifact.text) <= set(SECRET_NAMES), artifact.relpath
        for line in artifact.text.splitlines():
            if SECRET_LINE.search(line):
                assert "${" in line, f"{artifact.relpath}: secret without placeholder: {line}"


def test_every_physical_port_appears_exactly_once(
    models: dict[str, SiteModel], prod_artifacts: list[Artifact]
) -> None:
    switches = {s.hostname: s for m in models.values() for s in m.switches}
    for artifact in prod_artifacts:
        if artifact.role not in SWITCH_ROLES:
            continue
        names = Counter(line[len("interface "):] for line in artifact.text.splitlines()
                        if line.startswith("interface "))
        physical = {n: c for n, c in names.items() if not LOGICAL.match(n)}
        expected = [p.name for p in switches[artifact.hostname].ports]
        assert physical == dict.fromkeys(expected, 1), artifact.hostname
        assert all(c == 1 for c in names.values()), artifact.hostname


def test_every_phone_port_carries_the_voice_vlan(
    models: dict[str, SiteModel], by_host: dict[str, dict[str, list[str]]], sample_inventory: Inventory
) -> None:
    voice = sample_inventory.estate.vlan(next(v.role for v in sample_inventory.estate.vlans if v.name == "VOICE")).id
    for model in models.values():
        for switch in model.switches:
            config = by_host[switch.hostname]
            for port in switch.ports_of(PortKind.PHONE):
                children = config[f"interface {port.name}"]
                assert f"switchport voice vlan {voice}" in children, f"{switch.hostname} {port.name}"
                assert "network-policy 10" in children


def test_every_access_vlan_exists_on_the_core_and_is_allowed_end_to_end(
    models: dict[str, SiteModel], by_host: dict[str, dict[str, list[str]]], sample_inventory: Inventory
) -> None:
    parking = sample_inventory.estate.parking_vlan.id
    for model in models.values():
        core = by_host[model.core.hostname]
        for switch in model.access:
            config = by_host[switch.hostname]
            used = set(_access_vlans(config)) - {parking, sample_inventory.estate.native_vlan.id}
            core_pc = next(pc for pc in model.core.port_channels if pc.peer == switch.hostname)
            ends = [config["interface Port-channel1"], core[f"interface Port-channel{core_pc.number}"]]
            ends += [config[f"interface {m}"] for m in switch.port_channels[0].members]
            ends += [core[f"interface {m}"] for m in core_pc.members]
            for vlan in used:
                assert f"vlan {vlan}" in core, f"{switch.hostname}: VLAN {vlan} missing on the core"
                assert f"interface Vlan{vlan}" in core, f"{switch.hostname}: no SVI for VLAN {vlan}"
                for end in ends:
                    assert vlan in _allowed(end), f"{switch.hostname}: VLAN {vlan} not allowed on an uplink end"
            assert all(_allowed(end) == _allowed(ends[0]) for end in ends), switch.hostname


def test_no_ip_address_is_used_twice_estate_wide(
    prod_artifacts: list[Artifact], models: dict[str, SiteModel]
) -> None:
    seen: dict[str, str] = {}
    for artifact in prod_artifacts:
        for line in artifact.text.splitlines():
            if line.startswith(" ip address "):
                address = line.split()[2]
                assert address not in seen, f"{address} on {artifact.hostname} and {seen[address]}"
                seen[address] = artifact.hostname
    # per core: Loopback0, the WAN port and one SVI per site VLAN; per access switch: its mgmt SVI
    expected = sum(2 + len(m.addressing.subnets) + len(m.access) for m in models.values())
    assert len(seen) == expected
