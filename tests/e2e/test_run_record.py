"""The run folder as written and read back, without devices: masking, modes, torn records."""

from __future__ import annotations

import stat
from pathlib import Path

from estate.change.runs import RunRecord, list_runs, read_run
from estate.secrets import MASK


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secrets_learned_during_the_run_are_masked(tmp_path: Path) -> None:
    """The record keeps the secrets object itself: a value it learns later (an old value of a
    rotated secret) is masked too, and so are credentials the object does not hold."""
    secrets = {"TACACS_KEY": "new-tacacs-value"}
    record = RunRecord(tmp_path, "RUN-1", secrets, {"SSH_PASSWORD": "ssh-pa55word"})
    secrets["TACACS_KEY@old"] = "old-tacacs-value"
    record.write("dev1", "apply", "failed", detail="old-tacacs-value new-tacacs-value ssh-pa55word")
    backup = record.backup("dev1", "tacacs key 0 old-tacacs-value\nradius key 7 0822455D0A16\n"
                                   "radius key 6 Ciph3rT3xtOfDevice\nenable secret 9 $9$salt$hash\n")
    record.write_text("summary.txt", "ssh-pa55word\n")
    record.close()
    written = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    for value in ("old-tacacs-value", "new-tacacs-value", "ssh-pa55word", "0822455D0A16"):
        assert value not in written
    # a backup must be restorable: what the device hashed or encrypted under its own master key is
    # kept as shown; clear text and type 7 (reversible by anyone) are masked
    assert backup.read_text() == (f"tacacs key 0 {MASK}\nradius key 7 {MASK}\nradius key 6 Ciph3rT3xtOfDevice\n"
                                  "enable secret 9 $9$salt$hash\n")


def test_files_are_private_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    record = RunRecord(root, "RUN-1", {})
    record.backup("dev1", "hostname dev1\n")
    record.write_text("summary.json", "{}\n")
    record.write_text("summary.json", "{}\n")  # rewritten whole
    record.close()
    assert mode(root) == 0o700
    for path in root.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
        assert not path.name.startswith("."), path
    assert sorted(p.name for p in root.rglob("*")) == ["RUN-1", "backups", "dev1.cfg", "record.jsonl", "summary.json"]


def test_an_existing_runs_folder_keeps_its_mode(tmp_path: Path) -> None:
    """A folder the user named may be shared: only what estate creates inside is narrowed."""
    root = tmp_path / "shared"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    RunRecord(root, "RUN-1", {}).close()
    assert mode(root) == 0o755
    assert mode(root / "RUN-1") == 0o700


def test_a_killed_run_reads_as_incomplete_with_its_open_changes(tmp_path: Path) -> None:
    record = RunRecord(tmp_path, "RUN-1", {})
    record.write("-", "run", "start", env="dev", command="estate push --env dev --commit")
    record.started("sw1", "apply", hostname="sw1", site="MPS-0001")
    record.write("sw1", "apply", "ok")
    record.write("sw1", "result", "applied")
    record.started("sw2", "apply", hostname="sw2", site="MPS-0001")
    record.started("wlc@MPS-0001", "rollback", hostname="wlc", site="MPS-0001")
    record.close()
    with (tmp_path / "RUN-1" / "record.jsonl").open("a") as stream:
        stream.write('{"at": "2026-01-01T00:00:00", "target": "sw3", "st')  # cut by the kill
    info = read_run(tmp_path / "RUN-1")
    assert info.state == "incomplete"
    assert info.env == "dev"
    assert info.outcomes == {"sw1": "applied"}
    assert [(s.target, s.step, s.hostname, s.site) for s in info.open_steps] == [
        ("sw2", "apply", "sw2", "MPS-0001"), ("wlc@MPS-0001", "rollback", "wlc", "MPS-0001")]
    assert info.torn_lines == 1
    assert [r.run_id for r in list_runs(tmp_path)] == ["RUN-1"]
    assert list_runs(tmp_path, "prod") == []
