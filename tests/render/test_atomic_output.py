"""The output folder is replaced whole: a failure at any write leaves the old folder as it was,
with nothing left beside it; the next run cleans what a killed one left."""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from estate.build import render
from estate.build.render import MANIFEST, Scope, recover, render_environment, write_artifacts
from estate.cli.main import main
from estate.files import atomic_write, write_new
from estate.inventory.inventory import Inventory


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `root` with its bytes and mtime (a rewrite moves the mtime)."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Staging or aside folders beside the environments, temp files anywhere."""
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    temps = [p.relative_to(out).as_posix() for p in out.rglob("*.tmp")]
    return hidden + temps


@pytest.fixture
def old_output(tmp_path: Path, inventory_copy: Path) -> Path:
    """`build/` holding a dev render of a slightly different inventory (another organisation,
    so every switch config differs from what the sample renders now)."""
    estate = inventory_copy / "estate.yaml"
    estate.write_text(estate.read_text().replace("organisation: Metropolitan Police Service",
                                                 "organisation: Metropolitan Police"))
    out = tmp_path / "build"
    assert main(["render", "--env", "dev", "--inventory", str(inventory_copy), "--out", str(out)]) == 0
    return out


def _failing(
    real: Callable[..., Any], fail: Callable[[Path, int], bool], error: BaseException, partial: bool = True
) -> Callable[..., Any]:
    counter = itertools.count(1)

    def write(target: Path, *args: Any, **kwargs: Any) -> Any:
        if fail(Path(target), next(counter)):
            if partial:  # as a real full disk does: part of a temp file first, then the error
                Path(target).parent.joinpath(f".{Path(target).name}.partial.tmp").write_bytes(b"half a con")
            raise error
        return real(target, *args, **kwargs)

    return write


ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
# which writer fails: the staged configs are created by `write_new`, the manifest by `atomic_write`
FAILURES: dict[str, tuple[str, Callable[[Path, int], bool]]] = {
    "first file": ("write_new", lambda target, n: n == 1),
    "fifth file": ("write_new", lambda target, n: n == 5),
    "manifest": ("atomic_write", lambda target, n: target.name == MANIFEST),
}
WRITERS: dict[str, Callable[..., Any]] = {"write_new": write_new, "atomic_write": atomic_write}


@pytest.mark.parametrize("where", sorted(FAILURES))
def test_a_full_disk_leaves_the_old_output_and_no_leftovers(
    where: str, old_output: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(old_output)
    writer, fail = FAILURES[where]
    monkeypatch.setattr(render, writer, _failing(WRITERS[writer], fail, ENOSPC))
    capsys.readouterr()
    assert main(["render", "--env", "dev", "--out", str(old_output)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"estate: error: could not write {old_output / 'dev'}: No space left on device")
    assert "the previous output is unchanged" in err
    assert "Traceback" not in err
    assert tree(old_output) == before
    assert leftovers(old_output) == []


def test_a_full_disk_while_linking_unchanged_files_leaves_the_old_output(
    old_output: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(old_output)
    monkeypatch.setattr(os, "link", _failing(os.link, lambda source, n: n == 3, ENOSPC, partial=False))
    assert main(["render", "--env", "dev", "--out", str(old_output)]) == 2
    assert "no space left on device" in capsys.readouterr().err.lower()
    assert tree(old_output) == before
    assert leftovers(old_output) == []


def test_ctrl_c_while_writing_leaves_the_old_output(
    old_output: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(old_output)
    monkeypatch.setattr(render, "write_new", _failing(write_new, lambda t, n: n == 2, KeyboardInterrupt()))
    assert main(["render", "--env", "dev", "--out", str(old_output)]) == 130
    assert tree(old_output) == before
    assert leftovers(old_output) == []


def test_a_changed_render_swaps_the_folder_and_keeps_unchanged_files_as_they_were(
    old_output: Path, sample_inventory: Inventory
) -> None:
    wlc_site = old_output / "dev/MPS-0042/wlc-site.cfg"  # no organisation in it: unchanged
    core = old_output / "dev/MPS-0042/mps-0042-cs01.cfg"
    unchanged_inode, changed_inode = wlc_site.stat().st_ino, core.stat().st_ino
    summary = write_artifacts(render_environment(sample_inventory, "dev"), old_output, Scope())
    assert "dev/MPS-0042/wlc-site.cfg" in summary.unchanged
    assert "dev/MPS-0042/mps-0042-cs01.cfg" in summary.written
    assert wlc_site.stat().st_ino == unchanged_inode  # hard-linked into the new folder, not rewritten
    assert core.stat().st_ino != changed_inode
    assert b"property of the Metropolitan Police Service." in core.read_bytes()
    assert leftovers(old_output) == []
    assert core.stat().st_mode & 0o777 == 0o644
    assert (old_output / "dev").stat().st_mode & 0o777 == 0o777 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_an_unchanged_render_touches_nothing_not_even_the_folder(tmp_path: Path, sample_inventory: Inventory) -> None:
    artifacts = render_environment(sample_inventory, "dev")
    write_artifacts(artifacts, tmp_path, Scope())
    folder_inode = (tmp_path / "dev").stat().st_ino
    before = tree(tmp_path)
    summary = write_artifacts(artifacts, tmp_path, Scope())
    assert summary.written == [] and summary.removed == []
    assert (tmp_path / "dev").stat().st_ino == folder_inode
    assert tree(tmp_path) == before


def test_the_next_run_removes_what_a_killed_run_left(old_output: Path) -> None:
    staging = old_output / ".dev.staging-dead0001"
    (staging / "MPS-0042").mkdir(parents=True)
    (staging / "MPS-0042/mps-0042-cs01.cfg").write_text("half\n")
    aside = old_output / ".dev.old-dead0002"
    shutil.copytree(old_output / "dev", aside)
    (old_output / "dev/MPS-0042/.mps-0042-cs01.cfg.abcd.tmp").write_text("an older estate's temp file")
    other_env = old_output / ".staging.staging-dead0003"  # another environment's: not ours to touch
    other_env.mkdir()
    assert main(["render", "--env", "dev", "--out", str(old_output)]) == 0
    assert sorted(leftovers(old_output)) == [other_env.name]


def test_a_run_killed_between_the_two_renames_gets_its_old_folder_back(old_output: Path) -> None:
    before = tree(old_output / "dev")
    (old_output / "dev").rename(old_output / ".dev.old-dead0001")
    recover(old_output, "dev")
    assert tree(old_output / "dev") == before
    assert leftovers(old_output) == []


def test_without_an_atomic_exchange_two_renames_do_the_same(
    old_output: Path, sample_inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "_exchange", lambda first, second: False)
    artifacts = render_environment(sample_inventory, "dev")
    write_artifacts(artifacts, old_output, Scope())
    assert {p: data for p, (data, _) in tree(old_output / "dev").items() if p != MANIFEST} == {
        a.relpath.removeprefix("dev/"): a.text.encode() for a in artifacts
    }
    assert leftovers(old_output) == []


def test_the_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    (first / "x").mkdir(parents=True)
    (second / "y").mkdir(parents=True)
    if not render._exchange(first, second):
        pytest.skip("no renameat2 RENAME_EXCHANGE here: the two-rename fallback is tested above")
    assert (first / "y").is_dir() and (second / "x").is_dir()


def test_a_second_writer_waits_for_the_first(tmp_path: Path, sample_inventory: Inventory) -> None:
    artifacts = render_environment(sample_inventory, "dev", ["MPS-0042"])
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as another render holding the output folder
    writer = threading.Thread(target=write_artifacts, args=(artifacts, tmp_path, Scope()))
    try:
        writer.start()
        writer.join(0.5)
        assert writer.is_alive()
        assert not (tmp_path / "dev").exists()
    finally:
        os.close(fd)
    writer.join(10)
    assert (tmp_path / "dev" / MANIFEST).is_file()


def test_out_naming_a_file_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "build"
    target.write_text("not a folder\n")
    with pytest.raises(SystemExit) as exited:
        main(["render", "--env", "dev", "--out", str(target)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"{target} exists and is not a folder" in err
    assert "Traceback" not in err


def test_an_environment_folder_that_is_a_file_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dev").write_text("not a folder\n")
    assert main(["render", "--env", "dev", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"estate: error: could not write {tmp_path / 'dev'}: exists and is not a folder")
    assert (tmp_path / "dev").read_text() == "not a folder\n"


def test_an_unknown_device_names_close_matches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--env", "dev", "--out", str(tmp_path), "--device", "mps-0042-cs1",
                 "--device", "mps-0004-as01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("estate: error: unknown device in the chosen sites of 'dev': "
                          "mps-0042-cs1 (did you mean mps-0042-cs01")
    assert "mps-0004-as01" not in err.split("did you mean")[0].replace("mps-0042-cs1", "")
    assert list(tmp_path.iterdir()) == []
