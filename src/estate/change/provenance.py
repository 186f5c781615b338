"""Why a change exists: the inventory's git commit (and whether the tree is dirty), and what
changed in the inventory since the last plan that was applied cleanly.

The last applied plan is the newest push run under the runs folder whose summary says ok and
whose `--plan` file recorded an inventory commit (plans do since issue 11). Git is asked
through one runner, which tests replace; no git, or a folder outside a repository, is said
plainly rather than failing a review.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

GitRunner = Callable[[Sequence[str]], "str | None"]  # git arguments -> stdout, None when git fails


@dataclass(frozen=True, slots=True)
class Provenance:
    commit: str | None  # the inventory's HEAD, None without git
    dirty: bool  # uncommitted edits under the inventory folder
    git_note: str | None = None  # why there is no commit
    since_run: str | None = None  # the run that applied the last plan
    since_commit: str | None = None  # the inventory commit that plan was reviewed on
    diff_stat: str = ""  # `git diff --stat since..HEAD -- <inventory>`


def run_git(args: Sequence[str]) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def last_applied_plan(runs_dir: Path, env: str) -> tuple[str, str] | None:
    """(run id, inventory commit) of the newest ok push of `env` whose plan names a commit."""
    from estate.change.runs import list_runs

    for info in sorted(list_runs(runs_dir, env), key=lambda r: r.run_id, reverse=True):
        if info.kind != "push" or not _summary_ok(info.dir):
            continue
        commit = _plan_commit(info.command)
        if commit is not None:
            return info.run_id, commit
    return None


def _summary_ok(run_dir: Path) -> bool:
    try:
        return json.loads((run_dir / "summary.json").read_text(encoding="utf-8")).get("ok") is True
    except (OSError, ValueError, AttributeError):
        return False


def _plan_commit(command: str) -> str | None:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if "--plan" not in words or words.index("--plan") + 1 >= len(words):
        return None
    try:
        # read for its commit only: the signature matters when a plan is pushed, not here
        document = json.loads(Path(words[words.index("--plan") + 1]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    commit = document.get("inventory_commit") if isinstance(document, dict) else None
    return commit if isinstance(commit, str) and commit else None


def inventory_provenance(inventory: Path, runs_dir: Path, env: str, git: GitRunner = run_git) -> Provenance:
    where = str(inventory)
    head = git(["-C", where, "rev-parse", "HEAD"])
    if head is None:
        return Provenance(None, False, f"{inventory} is not in a git repository (or git is not installed): "
                                       "no commit to cite")
    commit = head.strip()
    dirty = bool((git(["-C", where, "status", "--porcelain", "--", "."]) or "").strip())
    applied = last_applied_plan(runs_dir, env)
    if applied is None:
        return Provenance(commit, dirty)
    run_id, since = applied
    stat = git(["-C", where, "diff", "--stat", f"{since}..{commit}", "--", "."])
    return Provenance(commit, dirty, None, run_id, since,
                      "(git cannot compare these commits)" if stat is None else stat.rstrip())
