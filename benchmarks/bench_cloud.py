"""Wall time and peak memory of `estate plan --env prod` and of the moto-backed prod stack
test, each in a fresh process; the baseline is a process that only imports the stack code
(pulumi and pulumi_aws dominate it), measured cold, first. Target: each under 15 s. It also
checks that `estate plan` loads neither boto3 nor moto (the moto backend is test support).
Run it alone (`python benchmarks/bench_cloud.py`): it times whole processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 15.0


@dataclass(frozen=True)
class Run:
    label: str
    seconds: float
    peak_mb: float


def measure(label: str, argv: list[str]) -> Run:
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{label} failed ({process.returncode}):\n{stderr}")
    return Run(label, seconds, usage.ru_maxrss / 1024)  # ru_maxrss is KiB on Linux


# runs `estate plan` in this interpreter, then names any AWS SDK or emulator module it loaded
PLAN_IMPORTS = (
    "import sys, contextlib, io\n"
    "from estate.cli.main import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    code = main(['plan', '--env', 'prod'])\n"
    "loaded = sorted(m for m in ('boto3', 'botocore', 'moto') if m in sys.modules)\n"
    "print(' '.join(loaded))\n"
    "sys.exit(code)\n"
)


def plan_loads_no_aws_sdk(python: str) -> list[str]:
    """The modules among boto3, botocore, moto that `estate plan` loaded (none expected)."""
    done = subprocess.run([python, "-c", PLAN_IMPORTS], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"estate plan failed ({done.returncode}):\n{done.stderr}")
    return done.stdout.split()


def main() -> int:
    python = sys.executable
    baseline = measure("import estate.cloud.program (baseline)", [python, "-c", "import estate.cloud.program"])
    runs = [
        measure("estate plan --env prod", [python, "-m", "estate.cli.main", "plan", "--env", "prod"]),
        measure("moto-backed prod stack test", [
            python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/stacks/test_stack_state.py",
            "-k", "prod"]),
    ]
    print(f"{baseline.label:<40} {baseline.seconds:6.2f} s  {baseline.peak_mb:7.1f} MB peak")
    slow = False
    for run in runs:
        ratio = run.seconds / baseline.seconds
        verdict = "ok" if run.seconds < TARGET_S else f"OVER the {TARGET_S:g} s target"
        slow |= run.seconds >= TARGET_S
        print(f"{run.label:<40} {run.seconds:6.2f} s  {run.peak_mb:7.1f} MB peak  "
              f"x{ratio:.1f} baseline  {verdict}")
    loaded = plan_loads_no_aws_sdk(python)
    print("estate plan imports: " + ("neither boto3 nor moto: ok" if not loaded else f"{', '.join(loaded)}: WRONG"))
    return 1 if slow or loaded else 0


if __name__ == "__main__":
    raise SystemExit(main())
