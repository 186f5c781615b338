"""`make demo`: the main job on the shipped sample estate, end to end.

validate → render every prod device → staff the prod control rooms → start the simulated dev environment (brownfield) →
review it → push the approved plan to the canary site → review that site again (nothing left
to change) → list the runs → stop the lab. Every step is the real command, run in this process.
"""

from __future__ import annotations

import argparse
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
    # the simulated devices need a login; a real run takes these from the operator's environment
    for name in ("ESTATE_SSH_PASSWORD", "ESTATE_ENABLE_SECRET"):
        os.environ.setdefault(name, secrets.token_urlsafe(16))
    os.environ.setdefault("ESTATE_SSH_USERNAME", "estate")


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

    _lab_credentials()
    estate(["lab", "down", "--state-dir", str(lab_dir)])  # a lab left over from an earlier demo
    _step(f"start simulated {DEMO_ENV} devices on loopback (brownfield configs)",
          ["lab", "up", "--env", DEMO_ENV, "--state-dir", str(lab_dir)])
    try:
        _step("review: what every device would get (touches nothing); save the plan",
              ["review", "--env", DEMO_ENV, "--lab", "--lab-dir", str(lab_dir), "--save", str(plan)])
        _step(f"push the approved plan to the canary site {CANARY}",
              ["push", "--env", DEMO_ENV, "--lab", "--lab-dir", str(lab_dir), "--plan", str(plan),
               "--site", CANARY, "--commit", "--canary", "1", "--runs-dir", str(out / "runs")])
        _step(f"review {CANARY} again: nothing left to change",
              ["review", "--env", DEMO_ENV, "--lab", "--lab-dir", str(lab_dir), "--site", CANARY])
        _step("the runs so far", ["runs", "--runs-dir", str(out / "runs")])
    finally:
        _step("stop the lab", ["lab", "down", "--state-dir", str(lab_dir)])
    sys.stdout.write(
        f"\ndemo done: prod configs in {out / 'prod'}, the push's backups and run record in {out / 'runs'}/\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
