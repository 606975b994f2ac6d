"""The shell in a real Chromium: every page opens, upload a French Excel CSV, links, French."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NAV = ["Overview", "Flows", "Touchpoint network", "NPS & voice of customer", "Journey map",
       "Data"]

FRENCH_CSV = (
    "Identifiant client;Date;Point de contact;Canal;Appareil;Montant\r\n"
    "FR-0001;03/02/2026;Publicité réseaux sociaux;social;mobile;\r\n"
    "FR-0001;05/02/2026;Fiche produit;web;mobile;\r\n"
    "FR-0001;05/02/2026;Paiement;web;mobile;149,90\r\n"
    "FR-0002;10/02/2026;Catalogue papier;print;hors ligne;\r\n"
    "FR-0002;14/02/2026;Visite en magasin;magasin;en magasin;89,50\r\n"
    "FR-0003;21/03/2026;Fiche produit;web;ordinateur;\r\n"
    "FR-0004;22/03/2026;Service client;téléphone;téléphone;\r\n"
).encode("cp1252")
FRENCH_CUSTOMERS = 4


def _sidebar_link(page, name: str):
    return page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True)


def _metric(page, label: str) -> str:
    tile = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$"))
    ).first
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _as_int(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_every_page_opens(app_server, browser_demo_db, page, wait_idle, screenshot,
                          assert_no_exception) -> None:
    base = app_server(browser_demo_db)
    page.goto(base + "/")
    wait_idle(page)
    assert_no_exception(page)
    assert page.get_by_text("You are looking at demo data").first.is_visible()
    for name in NAV:
        _sidebar_link(page, name).click()
        # The click starts a rerun a moment later: wait for the new page, then for idle.
        expect(page.locator("h1").first).to_have_text(name, timeout=90_000)
        wait_idle(page)
        assert_no_exception(page)
        screenshot(page, f"page-{name}")
        assert not page.dialogs


def test_upload_french_excel_csv(app_server, browser_demo_db, page, wait_idle, screenshot,
                                 assert_no_exception, tmp_path: Path) -> None:
    base = app_server(browser_demo_db)
    page.goto(base + "/overview?lang=en")
    wait_idle(page)
    before = _as_int(_metric(page, "Customers"))

    csv = tmp_path / "export-crm.csv"
    csv.write_bytes(FRENCH_CSV)
    _sidebar_link(page, "Data").click()
    expect(page.locator("h1").first).to_have_text("Data", timeout=90_000)
    wait_idle(page)
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.first.set_input_files(str(csv))  # the import one, not the rules file's
    wait_idle(page)
    page.get_by_text("export-crm.csv").first.wait_for()
    assert_no_exception(page)
    screenshot(page, "data-preview-french-csv")
    page.get_by_role("button", name=re.compile(r"^Import 1 file")).click()
    wait_idle(page)
    assert_no_exception(page)
    page.get_by_text(re.compile(r"Imported \d+ rows")).first.wait_for()
    screenshot(page, "data-import-report")

    _sidebar_link(page, "Overview").click()
    expect(page.locator("h1").first).to_have_text("Overview", timeout=90_000)
    wait_idle(page)
    after = _as_int(_metric(page, "Customers"))
    assert after == before + FRENCH_CUSTOMERS


def test_copied_link_reopens_the_same_view_in_french(
    app_server, browser_demo_db, browser, page, wait_idle, screenshot, assert_no_exception
) -> None:
    base = app_server(browser_demo_db)
    page.goto(base + "/overview")
    wait_idle(page)
    everyone = _metric(page, "Customers")

    # Pick a persona in the sidebar, then switch to French.
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name="Busy parent").click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"persona=Busy\+parent"), timeout=90_000)
    wait_idle(page)
    assert _metric(page, "Customers") != everyone
    sidebar.get_by_text("Français", exact=True).click()
    expect(page.locator("h1").first).to_have_text(re.compile(r"^Vue d.ensemble$"),
                                                  timeout=90_000)
    wait_idle(page)
    assert _metric(page, "Taux de conversion").count(",") == 1  # decimal comma
    assert "lang=fr" in page.url and "persona=Busy+parent" in page.url
    shown = {label: _metric(page, label) for label in ("Clients", "Parcours", "Réponses")}
    screenshot(page, "overview-fr-busy-parent")
    link = page.url

    other = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    try:
        p2 = other.new_page()
        p2.set_default_timeout(90_000)
        p2.goto(link)
        wait_idle(p2)
        assert_no_exception(p2)
        assert {label: _metric(p2, label) for label in shown} == shown
        chips = p2.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
        assert "Busy parent" in chips.inner_text()
        assert p2.locator("h1").first.inner_text().strip().startswith("Vue d")
        screenshot(p2, "overview-fr-busy-parent-reopened")
    finally:
        other.close()
