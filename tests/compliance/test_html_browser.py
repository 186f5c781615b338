"""The HTML report in a real headless Chromium (Debian's, via Playwright's sync API): what a
person sees. No browser here is a failure, not a skip: `make browser` installs one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from estate.cli.main import main
from tests.compliance.conftest import DRIFTED, ENV

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path("build/compliance.png")


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # a new empty profile folder: Playwright takes it as the persistent context's user data dir
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            yield context.new_page()
        finally:
            context.close()


def test_report_in_a_browser(saved: tuple[Path, dict[str, str]], secret_env: dict[str, str], tmp_path: Path,
                             page: Page) -> None:
    folder, changed = saved
    report = tmp_path / "compliance.html"
    assert main(["compliance", "--env", ENV, "--running-from", str(folder), "--format", "html",
                 "--out", str(report)]) == 0
    html = report.read_text()
    assert "http://" not in html and "https://" not in html and "<link" not in html  # self-contained
    page.goto(report.as_uri())
    assert page.locator("#count-drifted").inner_text() == "1 drifted"
    assert page.locator("#count-missing").inner_text() == "1 missing"
    rows = page.locator("#sites tbody tr")
    total = rows.count()
    assert total == 4  # three sites and the WLC's environment-wide part
    assert rows.first.locator("td").first.inner_text() == DRIFTED  # worst first

    page.select_option("#status", "missing")
    assert rows.count() == 1
    assert page.locator("#sites tbody a.device").all_inner_texts() == [changed["ntp_missing"]]
    page.select_option("#status", "")
    page.select_option("#feature", "ntp")
    page.select_option("#status", "compliant")
    assert 1 < rows.count() < total + 1 and changed["ntp_drifted"] not in page.locator("#sites").inner_text()
    page.select_option("#status", "")

    page.locator("th[data-key='site_id']").click()  # sort by site id, descending on a second click
    page.locator("th[data-key='site_id']").click()
    assert rows.first.locator("td").first.inner_text() == "MPS-0042"

    assert not page.locator("#diff").is_visible()
    page.locator(f"a.device[data-name='{changed['ntp_drifted']}']").click()
    assert page.locator("#diff").is_visible()
    assert page.locator("#diff-title").inner_text() == changed["ntp_drifted"]
    removed = page.locator("#diff .del").all_inner_texts()
    assert any("ntp server 192.0.2.9" in line for line in removed)
    colour = page.locator("#diff .del").first.evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(176, 0, 32)"
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(tmp_path / "compliance.png"), full_page=True)
    shutil.copyfile(tmp_path / "compliance.png", SCREENSHOT)
