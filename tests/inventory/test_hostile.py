"""Hostile inventories (issue 7): refused with every problem named, fast, and before any output
is touched. The cases themselves live in error_cases.yaml beside the ordinary mistakes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from estate.cli.main import main
from estate.inventory.inventory import Inventory, UnknownSiteError
from estate.inventory.models import Site, SiteId
from estate.inventory.text import FIRST_PRINTABLE, LAST_PRINTABLE, LINE_BREAKS, NoteText, PlainText, SiteText
from estate.paths import DEFAULT_INVENTORY
from tests.inventory.test_errors import _cases, break_inventory

# each of these would take minutes of CPU or crash the interpreter without the loader's limits
LOADER_ATTACKS = ["alias_bomb_estate", "alias_bomb_override", "recursive_alias", "too_deep", "oversized_document"]
ATTACK_SECONDS = 5.0  # generous: each is refused in milliseconds; a cold `estate` start takes about 1 s


def tree(root: Path) -> dict[str, tuple[str, bytes, int, int]]:
    """Every entry under `root` (folders too, so a stray temp folder shows) with content and times."""
    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        kind = "dir" if path.is_dir() else "file"
        found[path.relative_to(root).as_posix()] = (
            kind, b"" if kind == "dir" else path.read_bytes(), info.st_mode, info.st_mtime_ns,
        )
    return found


@pytest.fixture(scope="session")
def clean_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A render of the clean sample's dev environment, made once: what a previous run left."""
    parent = tmp_path_factory.mktemp("previous") / "parent"
    parent.mkdir()
    code = main(["render", "--env", "dev", "--inventory", str(DEFAULT_INVENTORY), "--out", str(parent / "build")])
    assert code == 0
    return parent


@pytest.mark.parametrize("case", sorted(_cases()))
def test_render_leaves_the_previous_output_byte_identical(
    case: str, inventory_copy: Path, clean_render: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = tmp_path / "parent"
    shutil.copytree(clean_render, parent)
    before = tree(parent)
    capsys.readouterr()
    break_inventory(inventory_copy, _cases()[case])
    code = main(["render", "--env", "dev", "--inventory", str(inventory_copy), "--out", str(parent / "build")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert err.splitlines()[0].endswith(" in the inventory:")
    assert tree(parent) == before  # the sibling folder too: no staging or temp entry left


@pytest.mark.parametrize("case", LOADER_ATTACKS)
def test_loader_attacks_are_refused_fast_in_a_real_process(case: str, inventory_copy: Path) -> None:
    break_inventory(inventory_copy, _cases()[case])
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "estate.cli.main", "validate", "--inventory", str(inventory_copy)],
        capture_output=True, text=True, check=False, timeout=ATTACK_SECONDS,
    )
    assert time.monotonic() - started < ATTACK_SECONDS
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "RecursionError" not in result.stderr


printable_ascii = st.characters(min_codepoint=FIRST_PRINTABLE, max_codepoint=LAST_PRINTABLE)
FREE_TEXT: list[TypeAdapter[str]] = [TypeAdapter(SiteText), TypeAdapter(PlainText), TypeAdapter(NoteText)]


@given(st.text(max_size=80), st.sampled_from(FREE_TEXT))
def test_accepted_free_text_is_printable_ascii_on_one_line(text: str, kind: TypeAdapter[str]) -> None:
    try:
        accepted = kind.validate_python(text)
    except ValidationError:
        return
    assert all(FIRST_PRINTABLE <= ord(char) <= LAST_PRINTABLE for char in accepted)
    assert not any(char in LINE_BREAKS for char in accepted)


@given(
    st.text(printable_ascii.filter(lambda c: c not in '"\\?'), min_size=1, max_size=20).map(str.strip)
    .filter(bool),
    st.characters().filter(lambda c: not FIRST_PRINTABLE <= ord(c) <= LAST_PRINTABLE),
    st.integers(min_value=0, max_value=20),
    st.sampled_from(FREE_TEXT),
)
def test_free_text_with_any_other_character_is_refused(
    base: str, bad: str, at: int, kind: TypeAdapter[str]
) -> None:
    text = base[:at] + bad + base[at:]
    with pytest.raises(ValidationError):
        kind.validate_python(text)


@pytest.mark.parametrize("site_id", [
    "MPS-\u0660\u0660\u0664\u0662",  # Arabic-Indic digits: int() reads them as 42
    "MPS-\uff10\uff10\uff14\uff12",  # full-width digits
    "MPS-\u09e6\u09e6\u09ea\u09e8",  # Bengali digits
    "MPS-0042\n",
    "\uff2d\uff30\uff33-0042",  # full-width letters
])
def test_site_ids_are_ascii(site_id: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(SiteId).validate_python(site_id)


def test_a_site_with_non_ascii_digits_cannot_take_another_sites_number(sample_inventory: Inventory) -> None:
    record = sample_inventory.sites["MPS-0001"].model_dump() | {"site_id": "MPS-\u0660\u0660\u0660\u0661"}
    with pytest.raises(ValidationError, match="site_id"):
        Site.model_validate(record)


def test_unknown_site_names_close_matches(sample_inventory: Inventory) -> None:
    with pytest.raises(UnknownSiteError) as caught:
        sample_inventory.env_sites("dev", ["MPS-0042", "MPS-0024", "MPS-0402", "mps-0004", "XYZ-1"])
    message = str(caught.value)
    assert "MPS-0402 (did you mean MPS-0042?)" in message  # two digits swapped
    assert "mps-0004 (did you mean MPS-0004?)" in message  # only the case differs
    assert message.endswith("; XYZ-1")  # nothing close: named alone
    assert caught.value.missing == ("MPS-0402", "mps-0004", "XYZ-1")
