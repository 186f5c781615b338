"""The site design, stated as rules over the rendered prod configs of the fixture inventory
(not the goldens): each test reads every device that should carry a control and fails naming
the first device and line that lacks it. Goldens show what changed; these say what must hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Network

import pytest

from estate.build.capacity import CapacitySettings, site_capacity
from estate.build.device_model import Role, build_site
from estate.build.poe import draw, usable_budget
from estate.build.render import WLC_SITE_BACKUP_FILE, Artifact, render_environment
from estate.build.validate import load_inventory
from estate.build.wlc_pairs import pair_loads, usable
from estate.inventory.inventory import Inventory
from estate.paths import PROJECT_ROOT
from tests.render.config_tree import Node, parse, sections

ENV = "prod"
FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "project" / "network_configs"
USER_PORTS = ("Phone ", "Desktop ", "Printer ", "BWV dock ")
POLICE_RANGES = [IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("100.64.0.0/10")]


@dataclass(frozen=True)
class Rendered:
    inventory: Inventory
    artifacts: list[Artifact]
    trees: dict[str, Node]  # by relpath

    def of(self, *roles: Role) -> Iterator[tuple[Artifact, Node]]:
        for artifact in self.artifacts:
            if artifact.role in roles:
                yield artifact, self.trees[artifact.relpath]

    def wlcs(self) -> Iterator[tuple[str, Node]]:
        """Each WLC's own part (pairs and the guest anchor)."""
        for artifact, tree in self.of(Role.WLC_GLOBAL):
            yield artifact.hostname, tree


@pytest.fixture(scope="module")
def prod() -> Rendered:
    inventory = load_inventory(FIXTURE)
    artifacts = render_environment(inventory, ENV)
    return Rendered(inventory, artifacts, {a.relpath: parse(a.text) for a in artifacts})


def _interfaces(tree: Node) -> list[Node]:
    return sections(tree, "interface ")


def _description(interface: Node) -> str:
    found = interface.child("description ")
    return found.text.removeprefix("description ") if found else ""


def _user_ports(tree: Node) -> Iterator[Node]:
    return (i for i in _interfaces(tree) if _description(i).startswith(USER_PORTS))


def _control_policies(tree: Node) -> dict[str, Node]:
    prefix = "policy-map type control subscriber "
    return {n.text.removeprefix(prefix): n for n in sections(tree, prefix)}


def _critical_templates(policy: Node) -> list[str] | None:
    """The service templates the policy activates when RADIUS is dead for an unauthorised host,
    or None when it has no such branch (or the branch does not authorise)."""
    for event in policy.children:
        if not event.text.startswith("event authentication-failure"):
            continue
        for klass in event.children:
            if " class AAA_SVR_DOWN_UNAUTHD_HOST " in f" {klass.text} ":
                actions = klass.lines()
                if not any(a.split(maxsplit=1)[1] == "authorize" for a in actions):
                    return None
                return [a.split()[-1] for a in actions if "activate service-template" in a]
    return None


def test_every_user_port_has_critical_authorisation_for_data_and_voice(prod: Rendered) -> None:
    checked = 0
    for artifact, tree in prod.of(Role.CORE, Role.ACCESS):
        policies = _control_policies(tree)
        templates = {n.text.split()[1]: n.lines() for n in sections(tree, "service-template ")}
        for port in _user_ports(tree):
            where = f"{artifact.hostname} {port.text}"
            applied = [line.split()[-1] for line in port.lines()
                       if line.startswith("service-policy type control subscriber ")]
            assert len(applied) == 1, f"{where}: no control policy"
            assert "access-session port-control auto" in port.lines(), where
            critical = _critical_templates(policies[applied[0]])
            assert critical, f"{where}: policy {applied[0]} does not authorise when RADIUS is dead"
            lines = [line for name in critical for line in templates[name]]
            assert any(line.startswith("vlan ") for line in lines), f"{where}: no critical data VLAN"
            if _description(port).startswith("Phone "):
                assert "voice vlan" in lines, f"{where}: phones lose voice when RADIUS is dead"
            checked += 1
    assert checked > 10_000  # every user port of 500 sites, not a handful


def test_radius_dead_detection_probes_every_server(prod: Rendered) -> None:
    for artifact, tree in prod.of(Role.CORE, Role.ACCESS):
        servers = sections(tree, "radius server ")
        assert servers, artifact.hostname
        for server in servers:
            assert any(line.startswith("automate-tester username ") and line.endswith("probe-on")
                       for line in server.lines()), f"{artifact.hostname} {server.text}"
        top = tree.lines()
        assert any(line.startswith("radius-server dead-criteria ") for line in top), artifact.hostname


def test_ap_ports_are_authenticated_restricted_trunks(prod: Rendered) -> None:
    checked = 0
    for artifact, tree in prod.of(Role.CORE, Role.ACCESS):
        model = build_site(prod.inventory, ENV, prod.inventory.sites[str(artifact.site_id)])
        ap_vlans = {model.addressing.subnet("ap_mgmt").vlan_id}  # type: ignore[union-attr]
        ap_vlans |= {v.vlan_id for v in model.wlc.vlans} if model.wlc else set()
        for port in _interfaces(tree):
            if not _description(port).startswith("AP "):
                continue
            lines = port.lines()
            where = f"{artifact.hostname} {port.text}"
            assert "access-session port-control auto" in lines and "mab" in lines, where
            allowed = next(line for line in lines if line.startswith("switchport trunk allowed vlan "))
            vlans = _vlan_ids(allowed.rsplit(" ", 1)[1])
            assert vlans <= ap_vlans, f"{where}: trunk carries {sorted(vlans - ap_vlans)} beyond AP and WiFi VLANs"
            checked += 1
    assert checked > 1_000


def _vlan_ids(text: str) -> set[int]:
    found: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        found.update(range(int(first), int(last or first) + 1))
    return found


def _mgmt_acl_ok(tree: Node, name: str, prefixes: list[IPv4Network]) -> bool:
    acl = next((n for n in sections(tree, f"ip access-list standard {name}")), None)
    if acl is None:
        return False
    entries = [line.split(maxsplit=1)[1] for line in acl.lines()]
    permits = [IPv4Network(_net(e)) for e in entries if e.startswith("permit ")]
    return sorted(permits) == sorted(prefixes) and entries[-1] == "deny any log"


def _net(entry: str) -> str:
    _, address, wildcard = entry.split()
    mask = ".".join(str(255 - int(octet)) for octet in wildcard.split("."))
    return f"{address}/{mask}"


def _every_device(prod: Rendered) -> Iterator[tuple[str, Node]]:
    for artifact, tree in prod.of(Role.CORE, Role.ACCESS, Role.EDGE):
        yield artifact.hostname, tree
    yield from prod.wlcs()


def test_every_vty_has_an_access_class_from_the_management_prefixes(prod: Rendered) -> None:
    prefixes = list(prod.inventory.estate.services.management_prefixes)
    devices = 0
    for hostname, tree in _every_device(prod):
        vtys = sections(tree, "line vty ")
        assert vtys, hostname
        for vty in vtys:
            acl = next((line.split()[1] for line in vty.lines() if line.startswith("access-class ")), None)
            assert acl is not None, f"{hostname} {vty.text}: no access-class"
            assert _mgmt_acl_ok(tree, acl, prefixes), f"{hostname}: {acl} is not the management prefixes"
            assert "transport input ssh" in vty.lines(), f"{hostname} {vty.text}"
        devices += 1
    assert devices > 1_000


def test_management_plane_baseline_on_every_switch_router_and_wlc(prod: Rendered) -> None:
    prefixes = list(prod.inventory.estate.services.management_prefixes)
    for hostname, tree in _every_device(prod):
        top = tree.lines()
        assert "ntp authenticate" in top, hostname
        assert any(line.startswith("ntp trusted-key ") for line in top), hostname
        servers = [line for line in top if line.startswith("ntp server ")]
        assert servers and all(" key " in line for line in servers), hostname
        assert any(line.startswith("login block-for ") for line in top), hostname
        assert "no ip http server" in top, hostname
        assert any(line.startswith("snmp-server enable traps") for line in top), hostname
        assert any(line.startswith("logging trap ") for line in top), hostname
        assert any(line.startswith("logging source-interface ") for line in top), hostname
        groups = [line for line in top if line.startswith("snmp-server group ")]
        assert groups, hostname
        for group in groups:
            acl = group.split(" access ")[1] if " access " in group else ""
            assert _mgmt_acl_ok(tree, acl, prefixes), f"{hostname}: {group}"
        archive = next(iter(sections(tree, "archive")), None)
        assert archive is not None and archive.child("log config") is not None, hostname
        assert any(line.startswith("banner login") for line in top), hostname


def test_every_sites_wan_is_shaped_at_its_edge_router_to_its_circuit_with_voice_llq(prod: Rendered) -> None:
    """One place shapes the WAN: each carrier interface of the site's edge router, to the circuit,
    with the capacity model's voice rate as the LLQ policer."""
    step = prod.inventory.estate.qos.priority_step_kbps * 1000
    settings = CapacitySettings()
    checked = 0
    for artifact, tree in prod.of(Role.EDGE):
        site = prod.inventory.sites[str(artifact.site_id)]
        model = build_site(prod.inventory, ENV, site)
        policies = {n.text.removeprefix("policy-map "): n for n in sections(tree, "policy-map ")}
        carriers = {c.interface for c in model.edge.mpls}
        shaped = []
        for port in _interfaces(tree):
            name = port.text.removeprefix("interface ")
            output = [line for line in port.lines() if line.startswith("service-policy output ")]
            if name in carriers:
                assert len(output) == 1, f"{artifact.hostname} {name}: carrier interface not shaped"
                shaped.append(policies[output[0].split()[-1]])
            else:
                assert not output, f"{artifact.hostname} {name}: only carrier interfaces shape"
        assert len(shaped) == len(carriers) >= 1, artifact.hostname
        for policy in shaped:
            default = policy.child("class class-default")
            assert default is not None
            shape = next(line for line in default.lines() if line.startswith("shape average "))
            assert int(shape.split()[2]) == site.wan_mbps * 1_000_000, artifact.hostname
            child = policies[next(line for line in default.lines() if line.startswith("service-policy ")).split()[-1]]
            priority = next(c for c in child.children if "priority level 1" in c.lines())
            cir = int(next(line for line in priority.lines() if line.startswith("police cir ")).split()[2])
            voice_bps = site_capacity(site, settings).voice_kbps_ipsec * 1000
            assert voice_bps <= cir < voice_bps + step, f"{artifact.hostname}: LLQ {cir} for voice {voice_bps:.0f}"
            assert cir <= site.wan_mbps * 1_000_000 * prod.inventory.estate.qos.priority_max_share
        checked += 1
    assert checked == len(prod.inventory.env_sites(ENV))


def test_the_cores_wan_port_is_a_plain_routed_link_to_the_edge_router(prod: Rendered) -> None:
    for artifact, tree in prod.of(Role.CORE):
        model = build_site(prod.inventory, ENV, prod.inventory.sites[str(artifact.site_id)])
        routed = [port for port in _interfaces(tree) if "no switchport" in port.lines()]
        assert len(routed) == 1, f"{artifact.hostname}: {len(routed)} routed ports"
        lines = routed[0].lines()
        where = f"{artifact.hostname} {routed[0].text}"
        assert not [line for line in lines if line.startswith("service-policy")], f"{where}: the edge router shapes"
        assert f"ip address {model.addressing.wan_local} 255.255.255.252" in lines, where
        assert model.edge.hostname in _description(routed[0]), where
        shapers = [c for n in sections(tree, "policy-map ") for c in n.walk() if c.text.startswith("shape average")]
        assert not shapers, where
        assert f"ip route 0.0.0.0 0.0.0.0 {model.addressing.wan_peer} name WAN-DEFAULT" in tree.lines(), where


def test_voice_is_trusted_only_from_the_voice_subnet(prod: Rendered) -> None:
    for artifact, tree in prod.of(Role.CORE, Role.ACCESS):
        model = build_site(prod.inventory, ENV, prod.inventory.sites[str(artifact.site_id)])
        voice = model.addressing.subnet("voice")
        assert voice is not None
        acl = next(iter(sections(tree, "ip access-list extended QOS-VOICE-MEDIA")))
        for entry in acl.lines():
            words = entry.split()
            assert words[1] == "permit" and IPv4Network(f"{words[3]}/{_mask(words[4])}") == voice.network, \
                f"{artifact.hostname}: {entry}"
        for port in _user_ports(tree):
            lines = port.lines()
            assert any(line.startswith("service-policy input ") for line in lines), f"{artifact.hostname} {port.text}"
            assert any(line.startswith("service-policy output ") for line in lines), f"{artifact.hostname} {port.text}"


def _mask(wildcard: str) -> str:
    return ".".join(str(255 - int(octet)) for octet in wildcard.split("."))


def test_layer2_protection_on_every_port_that_needs_it(prod: Rendered) -> None:
    for artifact, tree in prod.of(Role.CORE, Role.ACCESS):
        top = tree.lines()
        host = artifact.hostname
        assert any(line.startswith("ip dhcp snooping database ") for line in top), host
        assert "ip arp inspection validate src-mac dst-mac ip" in top, host
        causes = {line.split()[-1] for line in top if line.startswith("errdisable recovery cause ")}
        assert {"bpduguard", "dhcp-rate-limit", "arp-inspection"} <= causes, host
        assert any(line.startswith("errdisable recovery interval ") for line in top), host
        for port in _user_ports(tree):
            lines, where = port.lines(), f"{host} {port.text}"
            for needed in ("ip verify source", "spanning-tree bpduguard enable", "spanning-tree portfast"):
                assert needed in lines, f"{where}: {needed}"
            for prefix in ("ip dhcp snooping limit rate ", "ip arp inspection limit rate ",
                           "storm-control broadcast level ", "device-tracking attach-policy "):
                assert any(line.startswith(prefix) for line in lines), f"{where}: {prefix}"
        for port in _interfaces(tree):
            lines, description = port.lines(), _description(port)
            if description.startswith("AP "):
                assert "ip arp inspection trust" in lines, f"{host} {port.text}"
                assert any(line.startswith("storm-control broadcast level ") for line in lines), f"{host} {port.text}"
            if description.startswith(("Uplink to ", "Downlink to ")) and port.text.startswith("interface Ten"):
                assert "udld port aggressive" in lines, f"{host} {port.text}"
            if artifact.role is Role.CORE and port.text.startswith("interface Port-channel"):
                assert "spanning-tree guard root" in lines, f"{host} {port.text}: no root guard towards access"


def test_every_switch_poe_draw_is_within_budget(prod: Rendered) -> None:
    estate = prod.inventory.estate
    powered = 0
    for site in prod.inventory.env_sites(ENV):
        for switch in build_site(prod.inventory, ENV, site).switches:
            used = draw((p.kind for p in switch.ports), estate)
            if used:
                powered += 1
                assert used <= usable_budget(switch.model, estate), f"{switch.hostname}: {used} W"
    assert powered > 1_000


def test_no_wlc_pair_exceeds_its_ap_or_client_limits(prod: Rendered) -> None:
    wireless = prod.inventory.environment(ENV).wireless
    model = prod.inventory.estate.wireless.models[wireless.model]
    limit = usable(model, prod.inventory.estate.wireless.headroom)
    shares: dict[str, int] = {}
    backups: dict[str, int] = {}
    for artifact, _ in prod.of(Role.WLC_SITE):
        held = backups if artifact.relpath.endswith(WLC_SITE_BACKUP_FILE) else shares
        held[artifact.hostname] = held.get(artifact.hostname, 0) + prod.inventory.sites[str(artifact.site_id)].aps
    loads = {load.hostname: load for load in pair_loads(prod.inventory, ENV, prod.inventory.env_sites(ENV))}
    assert set(shares) == set(loads)  # every pair serves sites, and only pairs serve sites
    for hostname, aps in shares.items():
        assert aps == loads[hostname].aps, hostname  # the rendered shares are the model's loads
        assert aps <= limit.aps and loads[hostname].clients <= limit.clients, hostname
        assert aps + loads[hostname].failover_aps <= model.max_aps, f"{hostname} after a pair fails"
        # the sites it backs up are held there too (their shares), and are what failover brings
        assert backups[hostname] >= loads[hostname].failover_aps, hostname


def test_guest_traffic_never_enters_a_site_or_the_police_routing_domain(prod: Rendered) -> None:
    anchor = prod.inventory.environment(ENV).wireless.guest_anchor
    assert anchor is not None
    guest = next(s for s in prod.inventory.estate.ssids if s.guest)
    for artifact, tree in prod.of(Role.CORE, Role.ACCESS):
        vlans = {int(n.text.split()[1]) for n in sections(tree, "vlan ")}
        assert anchor.vlan.id not in vlans, artifact.hostname
        assert f"Vlan{anchor.vlan.id}" not in artifact.text, artifact.hostname
    for hostname, tree in prod.wlcs():
        profile = next(n for n in sections(tree, "wireless profile policy ") if n.text.endswith(f"PP-{guest.name}"))
        lines = profile.lines()
        assert not any(line.startswith("vlan ") and hostname != _anchor_name(prod) for line in lines), hostname
        assert "no central-switching" not in lines, f"{hostname}: guest switched locally at the site"
        if hostname == _anchor_name(prod):
            assert "mobility anchor" in lines
            for svi in sections(tree, f"interface Vlan{anchor.vlan.id}"):
                for line in svi.lines():
                    if line.startswith("ip address "):
                        address = line.split()[2]
                        assert not any(IPv4Network(f"{address}/32").subnet_of(r) for r in POLICE_RANGES)
        else:
            assert f"mobility anchor {anchor.address} priority 1" in lines, hostname
        wlan = next(n for n in sections(tree, "wlan ") if n.text.split()[1] == guest.name)
        assert "peer-blocking drop" in wlan.lines(), hostname


def _anchor_name(prod: Rendered) -> str:
    anchor = prod.inventory.environment(ENV).wireless.guest_anchor
    assert anchor is not None
    return f"{prod.inventory.estate.site_id_prefix.lower()}-{ENV}-{anchor.name}"


def test_voice_peak_fits_the_priority_share_at_every_site(prod: Rendered) -> None:
    estate = prod.inventory.estate
    for site in prod.inventory.env_sites(ENV):
        voice_kbps = site_capacity(site, CapacitySettings()).voice_kbps_ipsec
        policed = math.ceil(voice_kbps / estate.qos.priority_step_kbps) * estate.qos.priority_step_kbps
        assert policed <= site.wan_mbps * 1000 * estate.qos.priority_max_share, site.site_id
