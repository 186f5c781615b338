"""Risk flags of a router's change (issue 13): BGP neighbours, route filters, tunnels, crypto and
the WAN-facing interfaces, each its own kind with a severity and a plain explanation; found in
real remediations of an edge router's config, on the core's WAN port by its description, and on
every routed port of a router."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from estate.build.device_model import Role
from estate.change.diff import compute_diff
from estate.change.fetch import FetchResult
from estate.change.review import Target, review_targets
from estate.change.risk import EXPLANATION, RiskKind, RiskSettings, assess, wan_interfaces
from estate.change.ticket import SEVERITY, WAN_KINDS, Change, Severity, _changes_section

EDGE = """\
hostname mps-0001-er01
interface Loopback0
 ip address 10.1.31.242 255.255.255.255
interface GigabitEthernet0/0/0
 description WAN primary: carrier-a circuit, 1000 Mb/s
 ip address 172.30.0.10 255.255.255.252
 bfd interval 300 min_rx 300 multiplier 3
 service-policy output WAN-EDGE-SHAPER
interface TenGigabitEthernet0/0/5
 description LAN: routed link to mps-0001-cs01 TenGigabitEthernet1/1/1
 ip address 10.1.31.246 255.255.255.252
interface Tunnel100
 ip address 172.30.0.14 255.255.255.252
 tunnel source Cellular0/1/0
 tunnel protection ipsec profile WAN-OVERLAY
crypto ikev2 proposal WAN-OVERLAY
 encryption aes-gcm-256
ip prefix-list WAN-OUT-SITE seq 5 permit 10.1.0.0/19
route-map WAN-BACKUP-OUT permit 10
 set as-path prepend 4200000001 4200000001
router bgp 4200000001
 bgp router-id 10.1.31.242
 neighbor 172.30.0.9 remote-as 65100
 neighbor 172.30.0.9 fall-over bfd
 !
 address-family ipv4
  network 10.1.0.0 mask 255.255.224.0
  neighbor 172.30.0.9 activate
  neighbor 172.30.0.9 prefix-list WAN-OUT-SITE out
 exit-address-family
ntp server 10.0.0.1
"""


def _kinds(running: str, intended: str, *, router: bool = True) -> set[RiskKind]:
    diff = compute_diff("r", "r", running, intended)
    wan = wan_interfaces([*running.splitlines(), *intended.splitlines()], router=router)
    return {r.kind for r in assess(diff.remediation, diff.added, diff.removed, RiskSettings(10), wan=wan)}


@pytest.mark.parametrize(("kind", "old", "new"), [
    (RiskKind.BGP_NEIGHBOUR, " neighbor 172.30.0.9 remote-as 65100\n", " neighbor 172.30.0.9 remote-as 65200\n"),
    (RiskKind.BGP_NEIGHBOUR, " bgp router-id 10.1.31.242\n", " bgp router-id 10.1.31.243\n"),
    (RiskKind.ROUTE_FILTER, "seq 5 permit 10.1.0.0/19", "seq 5 permit 10.1.0.0/18"),
    (RiskKind.ROUTE_FILTER, "prefix-list WAN-OUT-SITE out", "prefix-list WAN-OUT-OTHER out"),
    (RiskKind.ROUTE_FILTER, "prepend 4200000001 4200000001", "prepend 4200000001"),
    (RiskKind.ROUTE_FILTER, "network 10.1.0.0 mask 255.255.224.0", "network 10.1.0.0 mask 255.255.192.0"),
    (RiskKind.TUNNEL, " tunnel source Cellular0/1/0\n", " tunnel source Cellular0/2/0\n"),
    (RiskKind.CRYPTO, " encryption aes-gcm-256\n", " encryption aes-gcm-128\n"),
    (RiskKind.WAN_INTERFACE, "multiplier 3", "multiplier 5"),
    (RiskKind.WAN_INTERFACE, "TenGigabitEthernet1/1/1\n ip address 10.1.31.246", "TenGigabitEthernet1/1/1\n"
                                                                                 " ip address 10.1.31.250"),
], ids=lambda v: v if isinstance(v, RiskKind) else None)
def test_each_wan_change_raises_its_kind(kind: RiskKind, old: str, new: str) -> None:
    assert old in EDGE
    found = _kinds(EDGE, EDGE.replace(old, new))
    assert found == {kind}, found


def test_a_change_elsewhere_on_a_router_raises_none() -> None:
    assert _kinds(EDGE, EDGE.replace("ntp server 10.0.0.1", "ntp server 10.0.0.2")) == set()


def test_removing_the_bgp_process_is_a_neighbour_risk() -> None:
    lines = ["no router bgp 4200000001"]
    assert {r.kind for r in assess(lines, 0, 1, RiskSettings())} == {RiskKind.BGP_NEIGHBOUR}


def test_the_core_wan_port_is_known_by_its_description() -> None:
    core = ("interface TenGigabitEthernet1/1/1\n description WAN: routed link to mps-0001-er01 GigabitEthernet0/0/1\n"
            " ip address 10.1.31.245 255.255.255.252\n"
            "interface GigabitEthernet1/0/1\n description AP MPS-0001-AP01\n")
    assert wan_interfaces(core.splitlines()) == {"interface TenGigabitEthernet1/1/1"}
    # on a router every routed port is on the WAN path; not on a switch
    assert "interface GigabitEthernet1/0/1" in wan_interfaces(core.splitlines(), router=True)
    changed = core.replace("10.1.31.245", "10.1.31.249")
    assert _kinds(core, changed, router=False) == {RiskKind.WAN_INTERFACE}
    assert _kinds(core, core.replace("AP MPS-0001-AP01", "AP MPS-0001-AP02"), router=False) == set()


def test_every_kind_has_a_severity_and_an_explanation() -> None:
    assert set(SEVERITY) == set(RiskKind) == set(EXPLANATION)
    assert all(SEVERITY[kind] is Severity.HIGH for kind in WAN_KINDS)
    assert EXPLANATION[RiskKind.BGP_NEIGHBOUR].startswith("may drop the site's WAN: BGP session reset")


def test_the_ticket_says_what_a_wan_change_may_do() -> None:
    change = Change(("router bgp 4200000001", " neighbor 172.30.0.9 remote-as 65200"), ["mps-0001-er01"],
                    ["MPS-0001"], {RiskKind.BGP_NEIGHBOUR})
    text = "\n".join(_changes_section([change], []))
    assert "risk **high** (bgp-neighbour)" in text
    assert f"Risk (bgp-neighbour): {EXPLANATION[RiskKind.BGP_NEIGHBOUR]}." in text


def test_review_flags_a_routers_carrier_port() -> None:
    intended = EDGE.replace("multiplier 3", "multiplier 5")
    target = Target("mps-0001-er01", "mps-0001-er01", "MPS-0001", Role.EDGE, intended, "sha")
    review = review_targets("dev", [target], {"mps-0001-er01": FetchResult("mps-0001-er01", EDGE)}, secrets={},
                            risk=RiskSettings(10), source="test", processes=1)
    device = review.devices[0]
    assert {r.kind for r in device.risks} == {RiskKind.WAN_INTERFACE}
    assert "interface GigabitEthernet0/0/0 / bfd interval 300 min_rx 300 multiplier 5" in {r.line for r in device.risks}
    assert device.risks[0].explanation.startswith("may drop the site's WAN")
    # the timer replaces the old one: no `no bfd interval ...` to drop BFD in between
    assert device.diff is not None and not any(line.strip().startswith("no ") for line in device.diff.remediation)
    assert review.created_at <= datetime.now(UTC)
