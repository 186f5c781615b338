"""The stack side of the hub routers: deterministic tunnel inside /30s clear of AWS's reserved
ones, the `wanHubs` export, and `estate plan --outputs` writing it offline (placeholders marked)."""

from __future__ import annotations

import json
import stat
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from estate.build.stack_outputs import OFFLINE_MARKER, StackOutputsError, load_stack_outputs
from estate.cli.main import main
from estate.cloud.connectivity import RESERVED_INSIDE, tunnel_inside_cidrs
from estate.cloud.mocks import PLACEHOLDER_OUTSIDE
from estate.cloud.plan import Plan, run_plan
from tests.fixtures import FIXTURE_PROJECT, FIXTURES

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
OUTPUTS = FIXTURES / "stack_outputs"


@pytest.fixture(scope="module")
def dev() -> Plan:
    return run_plan("dev", project_dir=FIXTURE_PROJECT)


def test_inside_cidrs_are_distinct_30s_of_link_local_and_never_reserved() -> None:
    seen: list[IPv4Network] = []
    for index in range(0, 4000, 7):  # across 169.254.169.252/30, which AWS refuses
        first, second = tunnel_inside_cidrs(index)
        for network in (first, second):
            assert network.prefixlen == 30 and network.subnet_of(IPv4Network("169.254.0.0/16"))
            assert network not in RESERVED_INSIDE
        seen += [first, second]
    assert len(seen) == len(set(seen))
    assert tunnel_inside_cidrs(0) == (IPv4Network("169.254.100.0/30"), IPv4Network("169.254.100.4/30"))
    # stable: a hub keeps its /30s (an inside CIDR cannot change without replacing the VPN)
    assert tunnel_inside_cidrs(3) == tunnel_inside_cidrs(3)


def test_reserved_30_is_skipped_not_used() -> None:
    # the hub whose second /30 would be 169.254.169.252/30 gets the next one instead
    start = (int(IPv4Address("169.254.169.252")) - int(IPv4Address("169.254.100.0"))) // 4
    first, second = tunnel_inside_cidrs(start // 2)
    assert IPv4Network("169.254.169.252/30") not in (first, second)
    assert second == IPv4Network("169.254.170.0/30")


def test_vpn_connection_asks_for_the_inside_cidrs_and_the_hub_phase_2(dev: Plan) -> None:
    vpn = next(r for r in dev.resources if r.typ == "aws:ec2/vpnConnection:VpnConnection")
    assert (vpn.inputs["tunnel1InsideCidr"], vpn.inputs["tunnel2InsideCidr"]) == ("169.254.100.0/30",
                                                                                 "169.254.100.4/30")
    assert vpn.inputs["tunnel1Phase2DhGroupNumbers"] == [20] and vpn.inputs["tunnel2Phase2DhGroupNumbers"] == [20]
    assert vpn.inputs["tunnel1Phase1EncryptionAlgorithms"] == ["AES256-GCM-16"]
    assert "tunnel1PresharedKey" not in vpn.inputs  # AWS generates the keys


def test_wan_hubs_export_has_what_the_hub_router_needs(dev: Plan) -> None:
    hub = dev.outputs["wanHubs"]["hub-north"]
    assert (hub["customerGatewayAddress"], str(hub["customerGatewayAsn"])) == ("198.51.100.10", "65010")
    assert hub["transitGatewayAsn"] == 64530
    assert [t["insideCidr"] for t in hub["tunnels"]] == ["169.254.100.0/30", "169.254.100.4/30"]
    assert [t["cgwInsideAddress"] for t in hub["tunnels"]] == ["169.254.100.2", "169.254.100.6"]
    assert [t["vgwInsideAddress"] for t in hub["tunnels"]] == ["169.254.100.1", "169.254.100.5"]
    assert all(IPv4Address(t["outsideAddress"]) in PLACEHOLDER_OUTSIDE for t in hub["tunnels"])
    assert hub["siteSupernets"] == ["10.128.0.0/10", "100.88.0.0/13"]
    assert hub["vpcCidrs"] == ["172.26.0.0/20"]


def test_fixture_files_are_what_the_offline_plan_writes(dev: Plan) -> None:
    # tests/fixtures/stack_outputs/dev.json is `estate plan --env dev --outputs` of the fixture
    # project: regenerate it with that command when the stack's exports change
    fixture = json.loads((OUTPUTS / "dev.json").read_text())
    assert json.loads(json.dumps(dev.outputs["wanHubs"], default=str)) == fixture["wanHubs"]


def test_plan_outputs_flag_writes_a_private_loadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "dev.json"
    assert main(["plan", "--env", "dev", "--project-dir", str(FIXTURE_PROJECT), "--outputs", str(target)]) == 0
    capsys.readouterr()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    document = json.loads(target.read_text())
    assert "documentation-range placeholders" in document[OFFLINE_MARKER]
    outputs = load_stack_outputs(target)
    assert outputs.offline is not None and set(outputs.hubs) == {"hub-north"}


def test_loader_names_file_and_key(tmp_path: Path) -> None:
    with pytest.raises(StackOutputsError, match=r"missing\.json: no such file; write it with `pulumi stack output"):
        load_stack_outputs(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{\n  nope\n}")
    with pytest.raises(StackOutputsError, match=r"broken\.json: line 2: not JSON"):
        load_stack_outputs(broken)
    hidden = tmp_path / "hidden.json"
    hidden.write_text(json.dumps({"wanHubs": "[secret]"}))
    with pytest.raises(StackOutputsError, match=r"hidden\.json: wanHubs: shown as \[secret\]: .*--show-secrets"):
        load_stack_outputs(hidden)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"vpcId": "vpc-1"}))
    with pytest.raises(StackOutputsError, match=r"old\.json: wanHubs: missing"):
        load_stack_outputs(old)
    document = json.loads((OUTPUTS / "dev.json").read_text())
    document["wanHubs"]["hub-north"]["tunnels"][0]["cgwInsideAddress"] = "169.254.100.9"
    document["wanHubs"]["hub-north"]["tunnels"][1]["insideCidr"] = "10.0.0.0/30"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(StackOutputsError) as caught:
        load_stack_outputs(bad)
    keys = [p.key for p in caught.value.problems]
    assert keys == ["wanHubs.hub-north.tunnels[0]", "wanHubs.hub-north.tunnels[1].insideCidr"]


def test_loader_never_keeps_a_preshared_key() -> None:
    outputs = load_stack_outputs(OUTPUTS / "dev-show-secrets.json")
    raw = json.loads((OUTPUTS / "dev-show-secrets.json").read_text())
    keys = [t["presharedKey"] for t in raw["wanHubs"]["hub-north"]["tunnels"]]
    assert all(keys)
    held = repr(outputs) + json.dumps([h.model_dump(mode="json") for h in outputs.hubs.values()])
    assert not any(key in held for key in keys)
