"""Structural checks over the whole rendered prod estate: what must hold on every device."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest

from estate.build.device_model import EDGE_KINDS, PortKind, Role, SiteModel, build_site, wlc_hostnames
from estate.build.render import Artifact
from estate.inventory.inventory import Inventory
from estate.secrets import SECRET_NAMES, placeholders_in

SWITCH_ROLES = (Role.CORE, Role.ACCESS)
# interfaces a config has beyond the model's physical ports
LOGICAL = re.compile(r"^(Port-channel\d+|Vlan\d+|Loopback0|GigabitEthernet0/0)$")
SECRET_LINE = re.compile(r"(secret \d|key \d+ \S|server-key|auth sha|priv aes)")  # `key 1` alone: an NTP key id


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


def test_the_whole_prod_estate_is_rendered(
    prod_artifacts: list[Artifact], models: dict[str, SiteModel], sample_inventory: Inventory
) -> None:
    switches = sum(len(m.switches) for m in models.values())
    assert Counter(a.role for a in prod_artifacts) == {
        Role.CORE: len(models), Role.ACCESS: switches - len(models), Role.EDGE: len(models),
        Role.WLC_GLOBAL: len(wlc_hostnames(sample_inventory, "prod")),
        # each share on the site's pair, and again on its backup pair
        Role.WLC_SITE: sum((m.wlc is not None) + (m.wlc is not None and m.wlc.backup is not None)
                           for m in models.values()),
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
            if line.startswith(" ip address ") and line != " ip address negotiated":  # the cellular modem's
                address = line.split()[2]
                assert address not in seen, f"{address} on {artifact.hostname} and {seen[address]}"
                seen[address] = artifact.hostname
    # per core: Loopback0, the WAN port and one SVI per site VLAN; per access switch: its mgmt SVI
    # per edge router: Loopback0, its LAN port, each carrier port or the cellular overlay's tunnel
    expected = sum(2 + len(m.addressing.subnets) + len(m.access) + 2 + len(m.edge.circuits) for m in models.values())
    assert len(seen) == expected


USER_KINDS = EDGE_KINDS - {PortKind.AP}


def _ports(models: dict[str, SiteModel], kinds: set[PortKind]) -> Iterator[tuple[str, str, PortKind]]:
    for model in models.values():
        for switch in model.switches:
            for port in switch.ports:
                if port.kind in kinds:
                    yield switch.hostname, port.name, port.kind


def test_every_user_port_runs_closed_nac_with_protection(
    models: dict[str, SiteModel], by_host: dict[str, dict[str, list[str]]]
) -> None:
    for host, name, kind in _ports(models, USER_KINDS):
        children = by_host[host][f"interface {name}"]
        policy = next(c.rsplit(" ", 1)[1] for c in children if c.startswith("service-policy type control subscriber "))
        assert f"policy-map type control subscriber {policy}" in by_host[host], f"{host} {name}"
        for line in ("access-session closed", "access-session port-control auto", "mab", "dot1x pae authenticator",
                     "spanning-tree portfast", "spanning-tree bpduguard enable", "ip verify source",
                     "service-policy input USER-PORT-MARKING", "service-policy output EGRESS-QUEUING"):
            assert line in children, f"{host} {name}: {line}"
        mode = "multi-domain" if kind is PortKind.PHONE else ""
        assert any(c.startswith(f"access-session host-mode {mode}") for c in children), f"{host} {name}"
        assert any(c.startswith("ip dhcp snooping limit rate ") for c in children)
        assert any(c.startswith("ip arp inspection limit rate ") for c in children)
        assert any(c.startswith("device-tracking attach-policy ") for c in children)


def test_ap_ports_are_mab_multi_host_trunks_trusted_for_arp(
    models: dict[str, SiteModel], by_host: dict[str, dict[str, list[str]]]
) -> None:
    for host, name, _ in _ports(models, {PortKind.AP}):
        children = by_host[host][f"interface {name}"]
        for line in ("switchport mode trunk", "access-session host-mode multi-host", "mab", "ip arp inspection trust",
                     "spanning-tree portfast trunk", "storm-control action trap"):
            assert line in children, f"{host} {name}: {line}"
        assert "dot1x pae authenticator" not in children
        assert not any(c.startswith("ip dhcp snooping trust") for c in children)


def test_every_switch_recovers_each_errdisable_cause_its_ports_raise(
    by_host: dict[str, dict[str, list[str]]]
) -> None:
    raised_by = {"bpduguard": "spanning-tree bpduguard enable", "udld": "udld port aggressive",
                 "dhcp-rate-limit": "ip dhcp snooping limit rate", "arp-inspection": "ip arp inspection limit rate"}
    for host, config in by_host.items():
        lines = {c for header, children in config.items() if header.startswith("interface ") for c in children}
        for cause, line in raised_by.items():
            if any(c.startswith(line) for c in lines):
                assert f"errdisable recovery cause {cause}" in config, f"{host}: {cause}"


def test_the_cores_wan_port_is_plain_and_downlinks_root_guarded(
    models: dict[str, SiteModel], by_host: dict[str, dict[str, list[str]]]
) -> None:
    for model in models.values():
        core = by_host[model.core.hostname]
        wan = next(p for p in model.core.ports if p.kind is PortKind.WAN)
        # the edge router shapes the WAN (tests/render/test_edge_routers.py)
        assert not [c for c in core[f"interface {wan.name}"] if c.startswith("service-policy")], model.core.hostname
        assert "policy-map WAN-EDGE-SHAPER" not in core
        for pc in model.core.port_channels:
            assert "spanning-tree guard root" in core[f"interface Port-channel{pc.number}"]


def test_no_guest_vlan_svi_or_acl_on_any_core(prod_artifacts: list[Artifact]) -> None:
    for artifact in prod_artifacts:
        if artifact.role is Role.CORE:
            assert "GUEST" not in artifact.text, artifact.hostname


def test_management_plane_is_locked_to_the_management_prefixes(by_host: dict[str, dict[str, list[str]]]) -> None:
    for host, config in by_host.items():
        for vty in ("line vty 0 4", "line vty 5 15"):
            assert "access-class MGMT-VTY in vrf-also" in config[vty], host
            assert "transport input ssh" in config[vty], host
        assert config["ip access-list standard MGMT-VTY"][-1].endswith("deny any log"), host
        assert "snmp-server group NMS-RO v3 priv access MGMT-SNMP" in config, host
        assert "ntp authenticate" in config and "no ip http server" in config, host
