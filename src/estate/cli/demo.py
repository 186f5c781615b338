"""`make demo`: the main job on the shipped sample estate, end to end.

validate → render every prod device → staff the prod control rooms → start the simulated dev
environment (brownfield) → review it and save the signed plan → push the approved plan to the
canary site inside a revert timer, confirmed once verified → review that site again (nothing
left to change) → roll the canary site back from the push's backups → list the runs → stop the
lab. Every step is the real command, run in this process.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from estate.cli.common import folder_path
from estate.cli.main import main as estate

CANARY = "MPS-0042"
DEMO_ENV = "dev"


def _step(title: str, argv: list[str], ok: Sequence[int] = (0,)) -> None:
    sys.stdout.write(f"\n==> {title}\n    $ estate {' '.join(argv)}\n")
    sys.stdout.flush()
    code = estate(argv)
    if code not in ok:
        raise SystemExit(f"demo stopped: `estate {' '.join(argv)}` exited {code}")


def _lab_credentials() -> None:
    # the simulated devices need a login, and plans a signing key; a real run takes these from
    # the operator's environment
    for name in ("ESTATE_SSH_PASSWORD", "ESTATE_ENABLE_SECRET", "ESTATE_PLAN_KEY"):
        os.environ.setdefault(name, secrets.token_urlsafe(24))
    os.environ.setdefault("ESTATE_SSH_USERNAME", "estate")


def _risk_kinds(plan: Path) -> str:
    """The risk kinds the saved plan carries: the demo acknowledges what the review showed."""
    devices = json.loads(plan.read_text(encoding="utf-8"))["devices"]
    return ",".join(sorted({kind for d in devices if d["site_id"] == CANARY for kind in d["risk_kinds"]}))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo")
    parser.add_argument("--out", type=folder_path, default=Path("build"), metavar="DIR")
    args = parser.parse_args(argv)
    out: Path = args.out
    lab_dir, plan = out / "lab", out / "plan.json"

    _step("check the source of truth", ["validate"])
    _step("render every device of every prod site", ["render", "--env", "prod", "--out", str(out)])
    configs = sorted((out / "prod").rglob("*.cfg"))
    manifest = out / "prod" / "manifest.json"
    sys.stdout.write(f"    {len(configs)} configs under {out / 'prod'}/<site>/ (manifest: {manifest})\n")

    _step("staff the prod control rooms: Erlang C per queue and 30-minute interval", ["staffing", "--env", "prod"])

    _step(f"document the canary site {CANARY} for the engineers who visit it",
          ["docs", "--env", DEMO_ENV, "--site", CANARY, "--out", str(out / "docs")])

    _lab_credentials()
    estate(["lab", "down", "--state-dir", str(lab_dir)])  # a lab left over from an earlier demo
    _step(f"start simulated {DEMO_ENV} devices on loopback (brownfield configs)",
          ["lab", "up", "--env", DEMO_ENV, "--state-dir", str(lab_dir)])
    try:
        _step("review: what every device would get (touches nothing); save the plan",
              ["review", "--env", DEMO_ENV, "--lab", "--lab-dir", str(lab_dir), "--save", str(plan)])
        runs = out / "runs"
        before = {p.name for p in runs.iterdir()} if runs.is_dir() else set()
        # the simulated devices have no change window of their own tonight: say why we go anyway
        _step(f"push the approved plan to the canary site {CANARY}: each device changes inside "
              "`configure terminal revert timer 5`, is re-read and reached over a fresh session, then confirmed",
              ["push", "--env", DEMO_ENV, "--lab", "--lab-dir", str(lab_dir), "--plan", str(plan),
               "--site", CANARY, "--commit", "--canary", "1", "--runs-dir", str(runs), "--revert-timer", "5",
               "--accept-risk", _risk_kinds(plan), "--outside-window", "--reason", "make demo on the simulator"])
        _step(f"review {CANARY} again: nothing left to change",
              ["review", "--env", DEMO_ENV, "--lab", "--lab-dir", str(lab_dir), "--site", CANARY])
        pushed = sorted(p.name for p in runs.iterdir() if p.is_dir() and p.name not in before)[-1]
        _step(f"what rolling back {CANARY} would send (dry-run)",
              ["rollback", "--run", pushed, "--site", CANARY, "--lab", "--lab-dir", str(lab_dir),
               "--runs-dir", str(runs)])
        _step(f"roll {CANARY} back from the push's backups (reverse order, same verified path)",
              ["rollback", "--run", pushed, "--site", CANARY, "--lab", "--lab-dir", str(lab_dir),
               "--runs-dir", str(runs), "--commit"])
        _step(f"review {CANARY} again: the brownfield change is back to do",
              ["review", "--env", DEMO_ENV, "--lab", "--lab-dir", str(lab_dir), "--site", CANARY])
        _step("the runs so far", ["runs", "--runs-dir", str(runs)])
        _step(f"compliance of {DEMO_ENV}: per site and feature, as a self-contained HTML report",
              ["compliance", "--env", DEMO_ENV, "--lab", "--lab-dir", str(lab_dir), "--format", "html",
               "--out", str(out / "compliance.html")])
    finally:
        _step("stop the lab", ["lab", "down", "--state-dir", str(lab_dir)])
    sys.stdout.write(
        f"\ndemo done: prod configs in {out / 'prod'}, the push's backups and run record in {out / 'runs'}/\n"
        f"  compliance report: {out / 'compliance.html'}\n"
        f"  change ticket:     {plan.with_name(plan.name + '.md')}\n"
        f"  site documentation: {out / 'docs' / DEMO_ENV / CANARY}.md\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
