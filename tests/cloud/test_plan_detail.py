"""`estate plan` as a preview: every input with `--detail`, protect / retain-on-delete markers,
human units, placeholder warnings with their keys, a cost estimate per tier, and JSON holding
all of it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from estate.cli.main import main
from estate.cli.plan_text import as_json, as_text
from estate.cloud.plan import Plan, PlanNode, run_plan
from estate.cloud.preview import lines
from tests.fixtures import FIXTURE_INVENTORY, FIXTURE_PROJECT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def prod() -> Plan:
    return run_plan("prod", project_dir=FIXTURE_PROJECT)


def resource(plan: Plan, name: str) -> object:
    return next(r for r in plan.resources if r.name == name)


def test_markers_for_protected_and_retained(prod: Plan) -> None:
    evidential = prod.options_of(next(r for r in prod.resources if r.name == "prod-evidence-evidential"))
    ingest = prod.options_of(next(r for r in prod.resources if r.name == "prod-evidence-ingest"))
    assert (evidential.protect, evidential.retain_on_delete) == (True, True)
    assert (ingest.protect, ingest.retain_on_delete) == (False, False)
    text = as_text(prod)
    assert "  prod-evidence-evidential  [protected]  [retained on delete]" in text
    assert re.search(r"prod-evidence  \[estate:cloud:EvidenceStore\]  \d+ resources, \d+ protected, \d+ retained", text)
    detail = as_text(prod, detail=True)
    assert "prod-evidence-evidential  [aws:s3/bucket:Bucket]  [protected]  [retained on delete]" in detail
    assert "prod-evidence-ingest  [aws:s3/bucket:Bucket]\n" in detail


def test_summary_counts_every_resource_once(prod: Plan) -> None:
    text = as_text(prod)
    tiers = re.findall(r"^  (\S+)  \[estate:cloud:\w+\]  (\d+) resources", text, re.MULTILINE)
    assert {name for name, _ in tiers} >= {"prod-connectivity", "prod-voice", "prod-evidence"}
    assert sum(int(n) for _, n in tiers) == sum(prod.counts.values())
    assert "dev-" not in text


def test_detail_shows_every_input_of_every_resource(prod: Plan) -> None:
    detail = as_text(prod, detail=True)
    depth: dict[str, int] = {}

    def walk(node: PlanNode, level: int) -> None:
        depth[node.resource.urn] = level
        for child in node.children:
            walk(child, level + 1)

    for tier in prod.tiers():
        walk(tier, 0)
    for r in prod.resources:
        if r.custom:  # the name at its depth in the tree, its inputs two levels deeper
            pad = "  " * depth[r.urn]
            block = "\n".join(lines(r.inputs, depth=depth[r.urn] + 2))
            assert f"\n{pad}+ {r.name}  [{r.typ}]" in detail and block in detail, r.name


def test_human_units_never_raw_floats(prod: Plan) -> None:
    detail = as_text(prod, detail=True)
    alarm = detail[detail.index("prod-evidence-ingest-size  [aws:cloudwatch"):]
    assert re.search(r"threshold: 1,1\d\d\.\d TB", alarm)
    assert "period: 86,400 s (1 day)" in alarm
    assert not re.search(r"\d{13,}", detail)  # no unreadable run of digits anywhere
    assert not re.search(r"\d\.\d+e[+-]\d", detail)


EXPECTED_PROD = {
    "estate:voice.amiId", "estate:voice.privateCaArn", "estate:network.directConnectGatewayId",
    *(f"estate:network.vpnHubs[{i}].publicIp" for i in range(4)),
    "environments.prod.saml_provider_arn",
}


def test_placeholders_of_the_sample_are_listed_with_their_keys(prod: Plan) -> None:
    keys = {p.key for p in prod.placeholders}
    assert keys >= EXPECTED_PROD
    ami = next(p for p in prod.placeholders if p.key == "estate:voice.amiId")
    assert ami.file == "Pulumi.prod.yaml" and ami.line and "prod-voice-sbc-lt" in ami.used_by
    text = as_text(prod)
    for key in EXPECTED_PROD:
        assert re.search(rf"WARNING \S+:\d+: {re.escape(key)} = ", text), key
    assert "WARNING contact_centre/contact_centre.yaml:" in text


def test_real_values_are_not_placeholders(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(FIXTURE_PROJECT / "Pulumi.yaml", project / "Pulumi.yaml")
    text = (FIXTURE_PROJECT / "Pulumi.dev.yaml").read_text()
    for old, new in (("ami-0a1b2c3d4e5f60718", "ami-07c9e5d1b3f2a4968"), ("198.51.100.10", "81.2.69.142"),
                     ("00000000-0000-4000-8000-000000000001", "6f0c2a9e-41d7-4b8e-9a53-2c7e1f4b8d60")):
        assert old in text
        text = text.replace(old, new)
    (project / "Pulumi.dev.yaml").write_text(text)
    plan = run_plan("dev", project_dir=project, inventory=FIXTURE_INVENTORY)
    keys = {p.key for p in plan.placeholders}
    assert not keys & {"estate:voice.amiId", "estate:network.vpnHubs[0].publicIp"}
    # the CA ARN still names the sample account, and says so
    assert [p.why for p in plan.placeholders if p.key == "estate:voice.privateCaArn"] == [
        "account 111111111111 is a sample account id"]


def test_cost_per_tier_from_the_stack_sizes(prod: Plan) -> None:
    assert prod.cost is not None
    tiers = {t.tier: t for t in prod.cost.tiers}
    evidence = tiers["prod-evidence"]
    held = next(line for line in evidence.lines if line.item.endswith("-ingest-333333333333 STANDARD held"))
    totals = prod.inputs.sizes.capacity.totals
    assert held.quantity == pytest.approx(totals.ingest_retained_tb * 1000, rel=0.01)
    voice = {line.price_key for line in tiers["prod-voice"].lines}
    assert {"ec2_hour", "nlb_hour", "nlb_lcu_hour"} <= voice
    sizes = prod.inputs.sizes
    ec2 = [line for line in tiers["prod-voice"].lines if line.price_key == "ec2_hour"]
    assert sum(line.quantity for line in ec2) == (sizes.sbc.desired + sizes.call_control.desired) * 730
    assert {line.price_key for line in tiers["prod-connectivity"].lines} >= {"tgw_attachment_hour",
                                                                           "vpn_connection_hour"}
    assert all(t.assumptions for t in prod.cost.tiers if t.lines)
    text = as_text(prod)
    assert "monthly cost estimate (USD, eu-west-2" in text
    assert re.search(r"^  total +\$[\d,]+\.\d\d$", text, re.MULTILINE)
    assert "https://aws.amazon.com/s3/pricing/ read 2026-" in text


def test_json_carries_inputs_markers_placeholders_and_cost(prod: Plan) -> None:
    document = json.loads(as_json(prod))
    assert {"stack", "offline", "tiers", "resources", "placeholders", "cost", "policies", "counts"} <= set(document)
    evidence = next(t for t in document["tiers"] if t["name"] == "prod-evidence")
    assert "prod-evidence-evidential" in evidence["protected"]
    assert "prod-evidence-evidential" in evidence["retainedOnDelete"]
    nodes = [n for root in document["resources"] for n in root["children"]]
    bucket = next(n for n in nodes if n["name"] == "prod-evidence-evidential")
    assert bucket["protect"] is True and bucket["inputs"]["objectLockEnabled"] is True
    assert {p["key"] for p in document["placeholders"]} >= EXPECTED_PROD
    assert document["cost"]["total"] == pytest.approx(prod.cost.total if prod.cost else 0, abs=0.01)
    assert all(p["source"].startswith("https://") and p["read"] for p in document["cost"]["prices"].values())


def test_cli_detail_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--env", "dev", "--detail"]) == 0
    out = capsys.readouterr().out
    assert "tiers (--detail shows every input):" not in out
    assert "    enableKeyRotation: true" in out
    assert main(["plan", "--env", "dev"]) == 0
    assert "tiers (--detail shows every input):" in capsys.readouterr().out


def test_summary_marks_every_type_as_a_create(capsys: pytest.CaptureFixture[str]) -> None:
    # like `pulumi preview`: offline there is no stack state, so every resource is a create
    assert main(["plan", "--env", "dev"]) in (0, 1)
    out = capsys.readouterr().out
    assert "+ create (from no state)" in out
    counts = [line for line in out.splitlines() if re.match(r"^  \+ +\d+  aws:", line)]
    assert counts and all(line.startswith("  + ") for line in counts)
