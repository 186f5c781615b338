"""`write_backup` without devices: all-or-nothing, one folder per backup, masking."""

from __future__ import annotations

from pathlib import Path

import pytest

import estate.change.backup as backup_module
from estate.change.backup import backup_text, write_backup
from estate.change.fetch import FetchResult
from estate.files import write_private

SITES = {"sw1": "S1", "sw2": "S2", "wlc": None}
RESULTS = {name: FetchResult(name, f"hostname {name}\n") for name in SITES}


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = write_private

    def failing(target: Path, data: bytes | str) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(target))
        real(target, data)

    monkeypatch.setattr(backup_module, "write_private", failing)
    with pytest.raises(OSError):
        write_backup(tmp_path, "dev", SITES, RESULTS, {}, source="test")
    assert list((tmp_path / "dev").iterdir()) == []


def test_two_backups_in_one_second_do_not_collide(tmp_path: Path) -> None:
    first = write_backup(tmp_path, "dev", SITES, RESULTS, {}, source="test")
    second = write_backup(tmp_path, "dev", SITES, RESULTS, {}, source="test", taken_at=first.taken_at)
    assert first.folder != second.folder
    assert (first.folder / "S1" / "sw1.cfg").is_file() and (second.folder / "wlc" / "wlc.cfg").is_file()


def test_backup_text_keeps_device_protected_values_and_masks_the_rest() -> None:
    raw = ("tacacs server A\n key 6 ABCencrypted\nusername x secret 9 $9$hash\n"
           "snmp-server user u g v3 auth sha oldpass1 priv aes 128 oldpriv1\nkey 0 currentkey\n")
    text = backup_text(raw, {"TACACS_KEY": "currentkey"})
    assert "key 6 ABCencrypted" in text and "secret 9 $9$hash" in text
    assert "oldpass1" not in text and "oldpriv1" not in text
    assert "key 0 ${TACACS_KEY}" in text
