"""How a command ends when something goes wrong: a user error is one line and exit 2; an
internal error is one line naming a private log (the traceback, no secret) and exit 1."""

from __future__ import annotations

import errno
import re
import stat
from pathlib import Path
from typing import Any, NoReturn

import pytest

from estate.cli import capacity
from estate.cli.main import main
from tests.fixtures import FIXTURE_INVENTORY

SECRET = "tacacs-Sup3r-s3cret"
PASSWORD = "ssh-pa55word-xyz"
PADDED = "  radius-padded-key "  # a value pasted with spaces: its trimmed form must be masked too


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv("ESTATE_LOG_DIR", str(folder))
    monkeypatch.setenv("ESTATE_SECRET_TACACS_KEY", SECRET)
    monkeypatch.setenv("ESTATE_SSH_PASSWORD", PASSWORD)
    monkeypatch.setenv("ESTATE_SECRET_RADIUS_KEY", PADDED)
    return folder


def fail_with(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise exc

    monkeypatch.setattr(capacity, "plan_capacity", broken)


def test_internal_error_is_logged_privately(log_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    fail_with(monkeypatch, RuntimeError(f"lost {SECRET} and {PASSWORD}\nsecond line {PADDED.strip()}"))
    assert main(["capacity", "--env", "dev"]) == 1
    err = capsys.readouterr().err
    found = re.fullmatch(r"estate: internal error: RuntimeError: lost <secret> and <secret>; details in (\S+)\n", err)
    assert found is not None, err
    log = Path(found.group(1))
    assert log.parent == log_dir
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    text = log.read_text()
    assert "Traceback (most recent call last)" in text
    assert "in broken" in text  # the frame that raised
    assert "second line <secret>" in text
    assert "command: estate capacity --env dev" in text
    for value in (SECRET, PASSWORD, PADDED, PADDED.strip()):
        assert value not in text
        assert value not in err


def test_internal_error_without_a_log_folder_still_ends_cleanly(
        log_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    log_dir.parent.mkdir(exist_ok=True)
    log_dir.write_text("a file where the log folder should be")
    fail_with(monkeypatch, RuntimeError(f"boom {SECRET}"))
    assert main(["capacity", "--env", "dev"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err  # nowhere else to put it
    assert err.splitlines()[-1].startswith("estate: internal error: RuntimeError: boom <secret> (could not write")
    assert SECRET not in err


def test_log_folder_defaults_to_xdg_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ESTATE_LOG_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    fail_with(monkeypatch, ValueError("odd"))
    assert main(["capacity", "--env", "dev"]) == 1
    assert f"details in {tmp_path / 'estate' / 'logs'}/estate-" in capsys.readouterr().err


def test_os_error_on_a_user_path_is_a_user_error(log_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    denied = FIXTURE_INVENTORY / "sites.csv"
    fail_with(monkeypatch, PermissionError(errno.EACCES, "Permission denied", str(denied)))
    assert main(["capacity", "--env", "dev", "--inventory", str(FIXTURE_INVENTORY)]) == 2
    assert capsys.readouterr().err == f"estate: error: {denied}: Permission denied\n"
    assert not log_dir.exists()


def test_os_error_on_a_temporary_sibling_of_a_user_file(log_dir: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # atomic writes create `.plan.json.XXXX.tmp` beside `plan.json`: still the user's path
    sibling = tmp_path / ".plan.json.abc123.tmp"
    fail_with(monkeypatch, OSError(errno.ENOSPC, "No space left on device", str(sibling)))
    monkeypatch.setattr(capacity, "add_inventory", _with_save_option(tmp_path / "plan.json"))
    assert main(["capacity", "--env", "dev"]) == 2
    assert capsys.readouterr().err == f"estate: error: {sibling}: No space left on device\n"


def _with_save_option(path: Path) -> Any:
    from estate.cli.common import add_inventory

    def add(parser: Any) -> None:
        add_inventory(parser)
        parser.set_defaults(save=path)

    return add


def test_os_error_elsewhere_is_internal(log_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    fail_with(monkeypatch, PermissionError(errno.EACCES, "Permission denied", "/var/lib/estate-internal"))
    assert main(["capacity", "--env", "dev"]) == 1
    assert capsys.readouterr().err.startswith("estate: internal error: PermissionError: [Errno 13] Permission denied")


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fail_with(monkeypatch, KeyboardInterrupt())
    assert main(["capacity", "--env", "dev"]) == 130
    assert capsys.readouterr().err == "estate: interrupted\n"


def test_user_errors_are_one_line(log_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from estate.cli.common import UserError

    fail_with(monkeypatch, UserError("first part\nsecond part"))
    assert main(["capacity", "--env", "dev"]) == 2
    assert capsys.readouterr().err == "estate: error: first part second part\n"
    assert not log_dir.exists()


def test_bad_secret_value_is_a_user_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ESTATE_SECRET_TACACS_KEY", " spaced ")
    assert main(["review", "--env", "dev", "--running-from", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("estate: error: ESTATE_SECRET_TACACS_KEY: ")
    assert "spaced" not in err
