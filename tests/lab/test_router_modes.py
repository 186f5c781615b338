"""The simulator as an edge or hub router (issue 13), without SSH: the IOS-XE prompts of BGP,
route maps, IP SLA, tracking, IKEv2 and IPsec, VRFs and tunnel interfaces; every line the edge
and hub templates render is accepted in the mode it belongs to; an IKEv2 pre-shared key is
shown type 6 (and compares by presence); a Catalyst 8000 says so in `show version` and passes
the platform check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from estate.build.hubs import HUB_PLATFORM, hub_artifacts
from estate.build.render import Artifact, render_environment
from estate.build.stack_outputs import load_stack_outputs
from estate.change.checks import platform_mismatch, read_facts
from estate.change.connections import DeviceAccess
from estate.change.diff import compute_diff
from estate.inventory.inventory import Inventory
from estate.lab.ios_cli import CliSession, DeviceState
from estate.lab.platform import show_version

SECRET = "lab-En4ble"
STACK_OUTPUTS = Path(__file__).parents[1] / "fixtures" / "stack_outputs"


def _router(hostname: str, model: str, interfaces: list[str]) -> CliSession:
    start = "hostname x\npassword encryption aes\n" + "".join(f"interface {name}\n!\n" for name in interfaces)
    device = DeviceState(hostname, model, start, SECRET)
    device.master_key = True  # a router in service: `key config-key password-encrypt` done once
    session = CliSession(device)
    for line in ("enable", SECRET, "configure terminal"):
        session.handle_line(line)
    return session


@pytest.fixture
def cli() -> CliSession:
    return _router("er1", "C8300-1N1S-4T2X", ["GigabitEthernet0/0/0", "Cellular0/1/0"])


def prompts(cli: CliSession, *lines: str) -> list[str]:
    replies = [cli.handle_line(line).text for line in lines]
    assert not any("%" in reply for reply in replies), replies
    return [reply.rsplit("\n", 1)[-1].removeprefix(f"{cli.device.hostname}(").removesuffix(")#") for reply in replies]


@pytest.mark.parametrize(("lines", "expected"), [
    (["router bgp 4200000004", " neighbor 172.30.0.33 remote-as 65100", " address-family ipv4",
      "  neighbor 172.30.0.33 activate", " exit-address-family", " bgp log-neighbor-changes"],
     ["config-router", "config-router", "config-router-af", "config-router-af", "config-router", "config-router"]),
    (["ip prefix-list WAN-OUT-SITE seq 5 permit 10.1.0.0/19", "route-map WAN-BACKUP-OUT permit 10",
      " set as-path prepend 4200000004 4200000004"], ["config", "config-route-map", "config-route-map"]),
    (["ip sla 10", " icmp-echo 172.30.0.33 source-interface GigabitEthernet0/0/0", " frequency 5",
      "ip sla schedule 10 life forever start-time now", "track 10 ip sla 10 reachability", " delay down 10 up 60"],
     ["config-ip-sla", "config-ip-sla-echo", "config-ip-sla-echo", "config", "config-track", "config-track"]),
    (["crypto ikev2 proposal P", " encryption aes-gcm-256", "crypto ikev2 policy P", " proposal P",
      "crypto ikev2 keyring K", " peer hub", "  address 198.51.100.10", "crypto ikev2 profile P",
      " authentication remote pre-share", " identity local fqdn er1.example", " aaa authorization group psk list A"],
     ["config-ikev2-proposal", "config-ikev2-proposal", "config-ikev2-policy", "config-ikev2-policy",
      "config-ikev2-keyring", "config-ikev2-keyring-peer", "config-ikev2-keyring-peer", "config-ikev2-profile",
      "config-ikev2-profile", "config-ikev2-profile", "config-ikev2-profile"]),
    (["crypto ipsec transform-set T esp-gcm 256", " mode tunnel", "crypto ipsec profile P", " set pfs group20"],
     ["cfg-crypto-trans", "cfg-crypto-trans", "ipsec-profile", "ipsec-profile"]),
    (["vrf definition INET", " address-family ipv4", " exit-address-family", "aaa attribute list A",
      " attribute type interface-config \"ip address 172.30.0.37 255.255.255.252\"",
      "crypto ikev2 authorization policy er1", " aaa attribute list A", "crypto ikev2 name-mangler M",
      " fqdn hostname"],
     ["config-vrf", "config-vrf-af", "config-vrf", "config-attr-list", "config-attr-list",
      "config-ikev2-author-policy", "config-ikev2-author-policy", "config-ikev2-name-mangler",
      "config-ikev2-name-mangler"]),
    (["interface Tunnel100", " tunnel source Cellular0/1/0", " tunnel protection ipsec profile P",
      " bfd interval 1000 min_rx 1000 multiplier 5", "interface Cellular0/1/0", " ip address negotiated",
      "interface Virtual-Template1 type tunnel", " ip unnumbered Loopback0", " tunnel vrf INET",
      "crypto ikev2 keyring K"],
     ["config-if", "config-if", "config-if", "config-if", "config-if", "config-if", "config-if", "config-if",
      "config-if", "config-ikev2-keyring"]),
])
def test_prompts_of_the_router_sections(cli: CliSession, lines: list[str], expected: list[str]) -> None:
    assert prompts(cli, *lines) == expected


def test_a_cellular_modem_that_is_not_fitted_cannot_be_configured(cli: CliSession) -> None:
    assert "% Invalid input" in cli.handle_line("interface Cellular0/2/0").text


def test_an_ip_sla_with_its_type_is_entered_in_the_types_mode(cli: CliSession) -> None:
    prompts(cli, "ip sla 10", " icmp-echo 192.0.2.1", " frequency 5", "exit")
    assert prompts(cli, "ip sla 10", " frequency 10", "exit") == ["config-ip-sla-echo", "config-ip-sla-echo", "config"]
    assert "ip sla 10\n icmp-echo 192.0.2.1\n frequency 10\n" in cli.device.running_config()


def test_a_pre_shared_key_is_shown_type_6_and_compares_by_presence(cli: CliSession) -> None:
    prompts(cli, "crypto ikev2 keyring K", " peer AWS-T1", "  address 192.0.2.1", "  pre-shared-key 0 Clear-Psk-1",
            " peer AWS-T2", "  pre-shared-key Clear-Psk-2")
    running = cli.device.running_config()
    shown = re.findall(r"^  pre-shared-key 6 (\S+)$", running, re.MULTILINE)
    assert len(shown) == 2 and "Clear-Psk" not in running
    intended = running.replace(f"pre-shared-key 6 {shown[0]}", "pre-shared-key 0 ${VPN_PSK_HUB_EAST_T1}") \
        .replace(f"pre-shared-key 6 {shown[1]}", "pre-shared-key ${VPN_PSK_HUB_EAST_T2}")
    assert not compute_diff("er1", "er1", running, intended).changed
    rotated = compute_diff("er1", "er1", running, intended, rotate=frozenset({"VPN_PSK_HUB_EAST_T1"}))
    assert [line.strip() for line in rotated.remediation] == [
        "crypto ikev2 keyring K", "peer AWS-T1", "pre-shared-key 0 ${VPN_PSK_HUB_EAST_T1}", "exit", "exit"]


def _fed(artifact: Artifact, model: str) -> CliSession:
    """The artefact typed line by line, as the rendered file indents it, into a router that has
    the file's physical ports."""
    ports = [line.split()[1] for line in artifact.text.splitlines()
             if line.startswith("interface ") and re.search(r"Ethernet|GigE|Cellular", line)]
    session = _router(artifact.hostname, model, ports)
    refused = []
    for line in artifact.text.splitlines():
        if not line.strip() or line.startswith("!") or line == "end":
            continue
        reply = session.handle_line(line).text
        if "%" in reply:
            refused.append((line, reply))
    assert not refused, refused[:5]
    return session


def _routers(inventory: Inventory) -> list[tuple[Artifact, str]]:
    edges = [(a, "C8300-1N1S-4T2X") for a in render_environment(inventory, "prod", ["MPS-0001", "MPS-0004",
                                                                                  "MPS-0042"])
             if a.role.value == "edge"]
    hubs = [(a, HUB_PLATFORM.model) for env in ("dev", "prod")
            for a in hub_artifacts(inventory, env, load_stack_outputs(STACK_OUTPUTS / f"{env}.json"))]
    return edges + hubs


def test_every_line_of_the_router_templates_is_accepted_and_converges(sample_inventory: Inventory) -> None:
    routers = _routers(sample_inventory)
    assert {a.role.value for a, _ in routers} == {"edge", "hub"} and len(routers) >= 5
    for artifact, model in routers:
        typed = _fed(artifact, model).device.running_config()
        # the router's own form (keys type 6) against the rendered file: nothing left to change
        diff = compute_diff(artifact.hostname, artifact.hostname, typed, artifact.text)
        assert not diff.changed, (artifact.hostname, diff.remediation[:10])


@pytest.mark.parametrize("model", ["C8200L-1N-4T", "C8300-1N1S-4T2X", "C8300-2N2S-4T2X", HUB_PLATFORM.model])
def test_a_catalyst_8000_says_what_it_is_and_passes_the_platform_check(model: str) -> None:
    class Connection:
        def send_command(self, command: str, use_textfsm: bool = False) -> object:
            from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

            return parse_output(platform="cisco_ios", command=command,
                                data=show_version("er1", model, "17.9.4a", "FDO2345X0AB", 3600.0))

    facts = read_facts(Connection())
    assert (facts.model, facts.version, facts.platform) == (model, "17.9.4a", "X86_64_LINUX_IOSD-UNIVERSALK9-M")
    access = DeviceAccess("er1", "192.0.2.1", platform=model.split("-", maxsplit=1)[0], software_train="17.")
    assert platform_mismatch(facts, access) is None
    assert platform_mismatch(facts, DeviceAccess("er1", "192.0.2.1", platform="C9300")) is not None


def test_the_lab_serves_edge_and_hub_routers(sample_inventory: Inventory, tmp_path: Path) -> None:
    from estate.lab.from_inventory import lab_device_specs, lab_secret_values, spec_placeholders

    specs = {s.hostname: s for s in lab_device_specs(sample_inventory, "dev", sites=["MPS-0004"],
                                                      stack_outputs=load_stack_outputs(STACK_OUTPUTS / "dev.json"))}
    edge, hub = specs["mps-0004-er01"], specs["mps-dev-hub-north-r01"]
    assert (edge.role, edge.site_id, edge.model) == ("edge", "MPS-0004", "C8300-1N1S-4T2X")
    assert (hub.role, hub.site_id, hub.model) == ("hub", "dev", HUB_PLATFORM.model)
    assert "crypto ikev2 keyring KR-AWS" in hub.config_text
    names = spec_placeholders(specs.values())
    assert {"VPN_PSK_HUB_NORTH_T1", "VPN_PSK_HUB_NORTH_T2", "WAN_OVERLAY_PSK"} <= names
    book = lab_secret_values(tmp_path, extra_names=names)  # a lab value for every key its routers hold
    assert names <= set(book)


def test_review_takes_the_hubs_from_the_stack_outputs(sample_inventory: Inventory) -> None:
    from estate.change.connections import access_for
    from estate.change.review import Selection, prepare

    outputs = STACK_OUTPUTS / "prod.json"
    targets, _ = prepare(sample_inventory, Selection("prod", sites=["MPS-0001"], stack_outputs=outputs))
    by_role = {t.role.value: t for t in targets}
    assert by_role["edge"].site_id == "MPS-0001" and by_role["edge"].is_router
    hubs = [t.hostname for t in targets if t.role.value == "hub"]
    site = next(s for s in sample_inventory.env_sites("prod", ["MPS-0001"]))
    assert hubs == [f"mps-prod-{site.wan_hub}-r01"]  # only the hub the site reaches the cloud through
    other = next(h for h in ("mps-prod-hub-east-r01", "mps-prod-hub-west-r01") if h not in hubs)
    named, _ = prepare(sample_inventory, Selection("prod", sites=["MPS-0001"], devices=[*hubs, other],
                                                   stack_outputs=outputs))
    assert [t.hostname for t in named] == hubs  # a named hub that does not serve the site is not one of its
    access = access_for(sample_inventory, "dev", ["mps-dev-hub-north-r01", "mps-0004-er01"])
    assert access["mps-dev-hub-north-r01"].platform == "C8500" and access["mps-dev-hub-north-r01"].site_id is None
    assert access["mps-0004-er01"].platform == "C8300" and access["mps-0004-er01"].role == "edge"
