"""The progress bar draws only on a terminal, without -q, once a step has lasted a moment;
never into a pipe or a file (what tests, CI and `2> log` see)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from estate.cli.main import main
from estate.cli.progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_steps(stream: io.StringIO, **options: object) -> str:
    with progress_bar("rendering dev", "sites", stream=stream, show_after=0.0, **options) as progress:  # type: ignore[arg-type]
        for done in range(1, 4):
            progress(done, 3)
    return stream.getvalue()


def test_draws_on_a_terminal() -> None:
    assert "rendering dev" in run_steps(Terminal())


def test_silent_when_not_a_terminal() -> None:
    assert run_steps(io.StringIO()) == ""


def test_silent_with_quiet() -> None:
    assert run_steps(Terminal(), quiet=1) == ""


def test_silent_for_a_short_step() -> None:
    stream = Terminal()
    with progress_bar("rendering dev", "sites", stream=stream, show_after=60.0) as progress:
        progress(1, 1)
    assert stream.getvalue() == ""


def test_render_writes_nothing_to_a_piped_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--env", "dev", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


def test_reading_then_diffing_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from functools import partial

    from estate.cli import progress as progress_module
    from estate.cli.review import read_then_diff

    terminal = Terminal()
    monkeypatch.setattr(progress_module, "progress_bar", partial(progress_bar, stream=terminal, show_after=0.0))
    with read_then_diff("dev", 0) as (reading, diffing):
        reading(1, 2)
        reading(2, 2)
        diffing(1, 2)
        diffing(2, 2)
    shown = terminal.getvalue()
    assert "reading dev" in shown and "diffing dev" in shown


def test_reading_then_diffing_silent_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from estate.cli.review import read_then_diff

    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    with read_then_diff("dev", 0) as (reading, diffing):
        reading(1, 1)
        diffing(1, 1)
    assert stream.getvalue() == ""


def test_review_writes_nothing_to_a_piped_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.ticket.fixture import INVENTORY, running_folder

    running = running_folder(tmp_path)
    main(["review", "--env", "dev", "--inventory", str(INVENTORY), "--running-from", str(running)])
    assert capsys.readouterr().err == ""
