"""Hub routers from the stack's outputs joined to the inventory: two tunnels per VPN connection
at the stack's inside addresses, BGP to the Transit Gateway with filters both ways, no key value
ever rendered, and the cross-checks (each kind of mismatch named on both sides)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from estate.build.hubs import hub_artifacts, psk_name
from estate.build.render import Artifact
from estate.build.stack_outputs import StackOutputs, load_stack_outputs
from estate.build.wan_checks import (
    WanMismatchError,
    check_gateways,
    check_hub_configs,
    check_stack_outputs,
    check_supernets,
    check_tunnels,
)
from estate.cli.main import main
from estate.inventory.inventory import Inventory
from estate.secrets import is_secret_name, mask_positions, placeholders_in
from tests.fixtures import FIXTURES

OUTPUTS = FIXTURES / "stack_outputs"


def outputs(name: str) -> StackOutputs:
    return load_stack_outputs(OUTPUTS / name)


@pytest.fixture(scope="module")
def hubs(sample_inventory: Inventory) -> dict[str, list[Artifact]]:
    return {env: hub_artifacts(sample_inventory, env, outputs(f"{env}.json")) for env in ("dev", "prod")}


def section(text: str, header: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(header)
    body = []
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        body.append(line.strip())
    return body


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_two_tunnels_per_vpn_at_the_stacks_inside_addresses(hubs: dict[str, list[Artifact]], env: str) -> None:
    stack = outputs(f"{env}.json")
    assert {a.hostname for a in hubs[env]} == {f"mps-{env}-{name}-r01" for name in stack.hubs}
    for artifact in hubs[env]:
        hub = artifact.hostname.removeprefix(f"mps-{env}-").removesuffix("-r01")
        assert artifact.relpath == f"{env}/hubs/{artifact.hostname}.cfg" and artifact.site_id is None
        tunnels = re.findall(r"^interface (Tunnel\d+)$", artifact.text, re.MULTILINE)
        assert len(tunnels) == 2 * 1  # one VPN connection per hub router, two tunnels each
        for name, declared in zip(tunnels, stack.hubs[hub].tunnels, strict=True):
            body = section(artifact.text, f"interface {name}")
            assert f"ip address {declared.cgw_inside_address} 255.255.255.252" in body
            assert f"tunnel destination {declared.outside_address}" in body
            assert {"tunnel mode ipsec ipv4", "ip tcp adjust-mss 1379", "tunnel vrf INET",
                    "tunnel source TenGigabitEthernet0/0/0"} <= set(body)


def test_ikev2_and_ipsec_match_the_stacks_proposals(hubs: dict[str, list[Artifact]]) -> None:
    text = hubs["dev"][0].text
    assert section(text, "crypto ikev2 proposal IKEV2-GCM256") == ["encryption aes-gcm-256", "prf sha384", "group 20"]
    assert "crypto ipsec transform-set TS-GCM256 esp-gcm 256" in text
    for n in (1, 2):
        assert "set pfs group20" in section(text, f"crypto ipsec profile AWS-T{n}")
        assert f"pre-shared-key 0 ${{VPN_PSK_HUB_NORTH_T{n}}}" in text
    assert "pre-shared-key 0 ${WAN_OVERLAY_PSK}" in text


def test_bgp_to_the_transit_gateway_and_filters_on_every_session(hubs: dict[str, list[Artifact]]) -> None:
    stack = outputs("dev.json").hubs["hub-north"]
    text = hubs["dev"][0].text
    bgp = section(text, "router bgp 65010")
    neighbors = {line.split()[1] for line in bgp if line.startswith("neighbor ")}
    for tunnel in stack.tunnels:
        peer = str(tunnel.vgw_inside_address)
        assert f"neighbor {peer} remote-as {stack.transit_gateway_asn}" in bgp
        assert f"neighbor {peer} timers 10 30" in bgp
        assert f"neighbor {peer} fall-over bfd" not in bgp  # AWS VPN has no BFD
    assert "maximum-paths 2" in bgp
    for peer in neighbors:
        assert f"neighbor {peer} activate" in bgp
        assert any(re.fullmatch(rf"neighbor {re.escape(peer)} prefix-list \S+ in", line) for line in bgp)
        assert any(re.fullmatch(rf"neighbor {re.escape(peer)} prefix-list \S+ out", line) for line in bgp)
    assert re.findall(r"^ip prefix-list AWS-OUT .*$", text, re.MULTILINE) == [
        "ip prefix-list AWS-OUT seq 10 permit 10.128.0.0/10", "ip prefix-list AWS-OUT seq 20 permit 100.88.0.0/13"]
    assert re.findall(r"^ip prefix-list AWS-IN .*$", text, re.MULTILINE) == [
        "ip prefix-list AWS-IN seq 10 permit 172.26.0.0/20"]


def test_no_key_value_from_the_outputs_file_is_rendered(sample_inventory: Inventory, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = OUTPUTS / "dev-show-secrets.json"
    keys = [t["presharedKey"] for t in json.loads(source.read_text())["wanHubs"]["hub-north"]["tunnels"]]
    assert main(["render", "--env", "dev", "--out", str(tmp_path), "--stack-outputs", str(source)]) == 0
    captured = capsys.readouterr()
    rendered = [p.read_text() for p in (tmp_path / "dev").rglob("*") if p.is_file()]
    assert rendered and not any(key in text for text in rendered for key in keys)
    assert not any(key in captured.out + captured.err for key in keys)
    hub = (tmp_path / "dev" / "hubs" / "mps-dev-hub-north-r01.cfg").read_text()
    assert {psk_name("hub-north", 1), psk_name("hub-north", 2), "WAN_OVERLAY_PSK"} <= placeholders_in(hub)
    assert all(is_secret_name(name) for name in placeholders_in(hub))


def test_render_cli_renders_hubs_from_the_offline_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--env", "dev", "--out", str(tmp_path),
                 "--stack-outputs", str(OUTPUTS / "dev.json")]) == 0
    captured = capsys.readouterr()
    assert "1 hub router)" in captured.out
    assert "offline plan of stack dev" in captured.out and "hub routers not rendered" not in captured.out
    manifest = json.loads((tmp_path / "dev" / "manifest.json").read_text())
    hubs = [e for e in manifest["artifacts"] if e["role"] == "hub"]
    assert [(e["path"], e["site"], e["template"]) for e in hubs] == [
        ("dev/hubs/mps-dev-hub-north-r01.cfg", None, "ios_xe/hub.j2")]


def test_render_without_outputs_says_how_to_get_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--env", "dev", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    note = [line for line in out.splitlines() if "hub routers not rendered" in line]
    assert len(note) == 1 and "--stack-outputs FILE" in note[0] and "estate plan --env dev --outputs FILE" in note[0]
    assert not (tmp_path / "dev" / "hubs").exists()


def test_mismatched_outputs_each_kind_once_named_on_both_sides(sample_inventory: Inventory) -> None:
    stack = outputs("mismatched.json")
    gateways = check_gateways(sample_inventory, "dev", stack)
    tunnels = check_tunnels(sample_inventory, "dev", stack)
    supernets = check_supernets(sample_inventory, "dev", stack)
    assert (len(gateways), len(tunnels), len(supernets)) == (1, 1, 1)
    where = f"{OUTPUTS / 'mismatched.json'}: wanHubs.hub-north"
    assert gateways[0].stack_side == f"{where}.customerGatewayAddress = 198.51.100.99"
    assert gateways[0].inventory_side == "estate.yaml wan.hubs[1] (hub-north).routers.dev.public_ip = 198.51.100.10"
    assert tunnels[0].stack_side == f"{where}.tunnels[1].insideCidr = 169.254.100.0/30"
    assert "tunnels[0].insideCidr 169.254.100.0/30" in tunnels[0].inventory_side
    assert supernets[0].stack_side == f"{where}.siteSupernets = 10.128.0.0/10"
    assert "environments.dev.supernet/voice_supernet = 10.128.0.0/10, 100.88.0.0/13" in supernets[0].inventory_side
    assert "not routed: 100.88.0.0/13" in supernets[0].message
    with pytest.raises(WanMismatchError) as caught:
        check_stack_outputs(sample_inventory, "dev", stack)
    assert len(caught.value.mismatches) == 3


def test_asn_and_missing_router_mismatches(sample_inventory: Inventory) -> None:
    good = outputs("dev.json")
    assert not check_gateways(sample_inventory, "dev", good) and not check_supernets(sample_inventory, "dev", good)
    hub = good.hubs["hub-north"]
    wrong_asn = StackOutputs(good.path, {"hub-north": hub.model_copy(update={"customer_gateway_asn": 65099})}, None)
    [found] = check_gateways(sample_inventory, "dev", wrong_asn)
    assert found.stack_side.endswith("customerGatewayAsn = 65099") and found.inventory_side.endswith("asn = 65010")
    # the prod file against dev: gateways with no dev router, and dev's router with no gateway
    crossed = check_gateways(sample_inventory, "dev", outputs("prod.json"))
    assert any("no router for environment dev at 'hub-east'" in m.inventory_side for m in crossed)


def test_rendered_tunnel_addresses_are_checked(hubs: dict[str, list[Artifact]]) -> None:
    stack = outputs("dev.json")
    check_hub_configs(hubs["dev"], stack)
    artifact = hubs["dev"][0]
    tampered = artifact.text.replace("ip address 169.254.100.6 255.255.255.252",
                                     "ip address 169.254.100.10 255.255.255.252")
    broken = Artifact(artifact.env, None, artifact.hostname, artifact.role, artifact.template, artifact.relpath,
                      tampered)
    with pytest.raises(WanMismatchError, match="tunnel addresses are not the VPN's inside addresses"):
        check_hub_configs([broken], stack)


def test_cli_mismatch_exits_2_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["render", "--env", "dev", "--out", str(out), "--stack-outputs", str(OUTPUTS / "mismatched.json")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "3 mismatch(es)" in err and "nothing written" in err
    assert not (out / "dev").exists()


def test_secret_family_names_and_masking() -> None:
    assert is_secret_name("VPN_PSK_HUB_NORTH_T1") and is_secret_name("WAN_OVERLAY_PSK")
    assert not is_secret_name("VPN_PSK_HUB_NORTH_T3") and not is_secret_name("VPN_PSK_")
    assert mask_positions("  pre-shared-key 6 Q1w2E3r4T5y6==") == "  pre-shared-key 6 <secret>"
    assert mask_positions("  pre-shared-key 0 ${VPN_PSK_HUB_NORTH_T1}") == "  pre-shared-key 0 ${VPN_PSK_HUB_NORTH_T1}"
