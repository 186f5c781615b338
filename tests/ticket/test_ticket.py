"""The change ticket: golden on a fixed estate, grouping, one flag per change, the companion
of `--save`, `--diff`, and the inventory's provenance (git injected)."""

from __future__ import annotations

import json
import stat
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from estate.build.validate import load_inventory
from estate.change.plans import plan_document
from estate.change.provenance import Provenance, inventory_provenance
from estate.change.review import Review, Selection, review_environment
from estate.change.risk import RiskSettings
from estate.change.ticket import TicketContext, estate_facts, group_changes, ticket_markdown
from estate.cli.main import main
from tests.golden import GOLDEN_ROOT, check_golden
from tests.ticket.fixture import INVENTORY, running_folder

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # a Friday: the sites' windows open at two times
COMMIT = "0123456789abcdef0123456789abcdef01234567"
CLI = ["review", "--env", "dev", "--inventory", str(INVENTORY)]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return running_folder(tmp_path_factory.mktemp("running"))


@pytest.fixture(scope="module")
def review(running: Path) -> Review:
    inventory = load_inventory(INVENTORY)
    found = review_environment(inventory, Selection("dev", running_from=running), credentials=None, settings=None,
                               secrets={}, risk=RiskSettings(10))
    return replace(found, created_at=NOW, source="tests/ticket (fixed running configs)")


def _ticket(review: Review, provenance: Provenance) -> str:
    sites, roles = estate_facts(load_inventory(INVENTORY), "dev")
    sha = plan_document(review, {}, provenance.commit)["plan_sha256"]
    ctx = TicketContext(Path("tests/ticket/fixtures/inventory"), Path("build/runs"), Path("build/plans/dev.json"),
                        sha, provenance, sites, roles)
    return ticket_markdown(review, ctx)


def test_golden_ticket(review: Review, update_goldens: bool) -> None:
    provenance = Provenance(COMMIT, False, since_run="20261120T020312Z-a1b2c3", since_commit="fedcba98" * 5,
                            diff_stat=" sites.csv | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)")
    check_golden(GOLDEN_ROOT / "ticket" / "dev.md", _ticket(review, provenance), update_goldens)


def test_same_block_on_three_devices_is_one_change(review: Review) -> None:
    changes = {change.text[0]: change for change in group_changes(review)}
    ntp = changes["ntp server 172.20.0.123 key 1"]
    assert ntp.targets == ["mps-0004-cs01", "mps-0024-cs01", "mps-0042-cs01"]
    text = _ticket(review, Provenance(COMMIT, False))
    assert text.count("\nntp server 172.20.0.123 key 1\n") == 1  # the block, once
    assert "### 1. `ntp server 172.20.0.123 key 1` on 3 devices\n" in text
    assert "Devices: mps-0004-cs01, mps-0024-cs01, mps-0042-cs01" in text


def test_hostnames_are_normalised_before_grouping(review: Review) -> None:
    from estate.change.ticket import normalise

    device = next(d for d in review.devices if d.target.name == "mps-0024-cs01")
    assert normalise(["snmp-server location mps-0024-cs01 MPS-0024"], device) == (
        "snmp-server location {hostname} {site}",)


def test_one_risk_flag_per_change_not_per_line(review: Review) -> None:
    vty = next(c for c in group_changes(review) if c.text[0] == "line vty 0 4")
    device = next(d for d in review.devices if d.target.name == "mps-0004-as02")
    assert sum(r.kind.value == "vty" for r in device.risks) >= 2  # several lines flagged in the block...
    assert len(vty.targets) == 7  # every access switch and edge router: the fixture's VTY edit
    text = _ticket(review, Provenance(COMMIT, False))
    assert "- risk (one flag per change): 1 medium\n" in text  # ...one flag for the change on 7 devices
    assert text.count("risk **medium** (vty)") == 1


def test_no_git_and_no_earlier_plan_are_said(review: Review) -> None:
    assert "inventory changes: no earlier applied plan" in _ticket(review, Provenance(COMMIT, False))
    text = _ticket(review, Provenance(None, False, "not in a git repository"))
    assert "inventory commit: none (not in a git repository)" in text


def test_provenance_finds_the_last_applied_plan(tmp_path: Path) -> None:
    calls: list[Sequence[str]] = []

    def git(args: Sequence[str]) -> str | None:
        calls.append(args)
        return {"rev-parse": f"{COMMIT}\n", "status": " M sites.csv\n", "diff": " sites.csv | 2 +-\n"}[args[2]]

    runs = tmp_path / "runs"
    runs_made = (("20261101T000000Z-aaaaaa", True, "old" * 8), ("20261102T000000Z-bbbbbb", True, "new" * 8),
                 ("20261103T000000Z-cccccc", False, "bad" * 8), ("20261104T000000Z-dddddd", True, None))
    for run_id, ok, commit in runs_made:
        plan = tmp_path / f"{run_id}.json"
        plan.write_text(json.dumps({"inventory_commit": commit}))
        (runs / run_id).mkdir(parents=True)
        start = {"target": "-", "step": "run", "result": "start", "env": "dev", "kind": "push",
                 "command": f"estate push --env dev --plan {plan} --commit"}
        (runs / run_id / "record.jsonl").write_text(json.dumps(start) + "\n")
        (runs / run_id / "summary.json").write_text(json.dumps({"ok": ok}))
    found = inventory_provenance(Path("inv"), runs, "dev", git)
    assert (found.commit, found.dirty, found.since_run, found.since_commit) == (
        COMMIT, True, "20261102T000000Z-bbbbbb", "new" * 8)
    assert calls[-1] == ["-C", "inv", "diff", "--stat", f"{'new' * 8}..{COMMIT}", "--", "."]
    assert inventory_provenance(Path("inv"), runs, "dev", lambda args: None).commit is None


def test_save_writes_the_ticket_next_to_the_plan_0600(running: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESTATE_PLAN_KEY", "k" * 32)
    plan = tmp_path / "dev.json"
    assert main([*CLI, "--running-from", str(running), "--save", str(plan)]) == 0
    companion = tmp_path / "dev.json.md"
    assert stat.S_IMODE(companion.stat().st_mode) == 0o600
    document = json.loads(plan.read_text())
    ticket = companion.read_text()
    assert ticket.startswith("# Change ticket: dev\n")
    assert f"Plan sha256: `{document['plan_sha256']}`" in ticket
    assert f"--plan {plan} " in ticket
    assert "inventory_commit" in document


def test_markdown_format_is_the_ticket(running: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*CLI, "--running-from", str(running), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Change ticket: dev\n") and "## Rollback" in out


@pytest.mark.parametrize("colour", ["never", "always"])
def test_diff_shows_changed_devices_only(running: Path, colour: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*CLI, "--running-from", str(running), "--diff", "--color", colour]) == 0
    out = capsys.readouterr().out
    assert "--- mps-0004-as01 (running)" in out and "+++ mps-0042-cs01 (intended)" in out
    assert "mps-dev-wlc01 (running)" not in out  # unchanged
    coloured = "\x1b[32m+ ntp server 172.20.0.123 key 1\x1b[0m" in out
    assert coloured is (colour == "always")
    assert ("\x1b[" in out) is (colour == "always")


def test_diff_is_plain_when_not_a_terminal(running: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*CLI, "--running-from", str(running), "--diff"]) == 0
    out = capsys.readouterr().out
    assert "+ ntp server 172.20.0.123" in out and "\x1b[" not in out
