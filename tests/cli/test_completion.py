"""`estate completion`: the script is generated from the parser, so it names every subcommand
and option, and bash really completes with it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from estate.cli.completion import commands
from estate.cli.main import SUBCOMMANDS, build_parser, main


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_script_names_every_subcommand(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    registered = set(commands(build_parser())[""].children)
    assert registered <= set(SUBCOMMANDS) and "backup" in registered
    for name in registered:
        assert f" {name}" in script or f"'{name}" in script, name
    assert "--running-from" in script and "--format" in script


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completes_subcommands_options_and_choices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "estate.bash"
    script.write_text(capsys.readouterr().out, encoding="utf-8")
    probe = (f"source {script}\n"
             't() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); '
             '_estate_complete; echo "${COMPREPLY[*]}"; }\n'
             "t estate ba\nt estate review --for\nt estate review --format ''\nt estate lab ''\n")
    lines = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout.splitlines()
    assert lines == ["backup", "--format", "text markdown json", "up status down"]
