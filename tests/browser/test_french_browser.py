"""A French visitor, in Chromium with a French browser: the app starts on an empty store and
loads its demo in French, and every page (through the sidebar), the uploader, the date
picker's calendar and an import show no English: no text of the English catalogue, no English
name of the demo, none of Streamlit's own English widget texts, no "None"; and no word is cut
across two lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from journey import i18n
from journey.ingest import demo

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NAV = ["Vue d'ensemble", "Flux", "Réseau des points de contact", "NPS & voix du client",
       "Carte du parcours", "Données"]
# Streamlit's own words in its widgets (1.67), which the app replaces in French.
STREAMLIT_ENGLISH = ["Upload", "per file", "Browse files", "Drag and drop", "yyyy", "None"]
# An export with a touchpoint no stage knows yet.
UNMAPPED_CSV = (
    "Identifiant client;Date;Point de contact;Appareil\r\n"
    "FR-9001;03/02/2026;Salon de la maison;mobile\r\n"
    "FR-9001;05/02/2026;Fiche produit;mobile\r\n"
).encode("cp1252")

# Every piece of text a person can see: text nodes with a size (hidden, zero-sized or
# font-size 0 ones left out), plus the cells a data grid draws on its canvas (its accessible
# copy), in the page and in its frames.
VISIBLE_TEXT = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (!el || !node.textContent.trim() || el.closest('script, style')) continue;
        if (el.closest('[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"]'))
            continue;
        const css = getComputedStyle(el), box = el.getBoundingClientRect();
        if (!box.width || !box.height || css.visibility === 'hidden' || css.display === 'none'
            || parseFloat(css.fontSize) === 0 || /Material/.test(css.fontFamily)) continue;
        out.push(node.textContent.trim());
    }
    document.querySelectorAll('[data-testid="stDataFrame"] [role="columnheader"],'
        + '[data-testid="stDataFrame"] [role="gridcell"]').forEach(c => out.push(c.textContent));
    return out.join('\\n');
}"""


# Words (4+ letters, a hyphen being a fair place to wrap) whose letters sit on two lines:
# "Recommandati / on" in a narrow column.
BROKEN_WORDS = """() => {
    const broken = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const word = /[\\p{L}\\p{N}’']{4,}/gu;
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!node.parentElement || node.parentElement.closest('script, style')) continue;
        let m;
        while ((m = word.exec(node.textContent))) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const lines = new Set(Array.from(range.getClientRects())
                .filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (lines.size > 1) broken.push(m[0]);
        }
    }
    return broken;
}"""


def _english_only() -> list[str]:
    """Pieces of English catalogue text (between placeholders) that French never uses."""
    en, fr = i18n.catalogue("en"), i18n.catalogue("fr")
    french = " ".join(fr.values()).lower()
    found: set[str] = set()
    for key, text in en.items():
        if key.startswith("lang.") or text == fr.get(key):
            continue  # "English" is the language picker's own name for English
        for part in re.split(r"\{[^}]*\}", text):
            part = part.strip(" .,:;·()—–-\"'«»\n?!…%")
            if len(part) >= 4 and re.search(r"[A-Za-z]{3}", part) \
                    and part.lower() not in french:
                found.add(part)
    # The English demo's names (the French demo must not use them), but for the words French
    # shares ("Catalogue" of "Catalogue papier", "Hotline").
    french_names = " ".join([*demo.NAMES_FR.values(),
                             *(name for name, _ in demo.PERSONAS_FR.values())]).lower()
    found |= {n for n in [*demo.TP_NAMES, *(p.name for p in demo.PERSONAS)]
              if n.lower() not in french_names}
    return sorted(found, key=len, reverse=True)


ENGLISH = _english_only()


def _visible_english(page) -> list[str]:
    text = "\n".join(f.evaluate(VISIBLE_TEXT) for f in page.frames)
    hits = [s for s in [*ENGLISH, *STREAMLIT_ENGLISH]
            if re.search(rf"(?<![\w]){re.escape(s)}(?![\w])", text)]
    return hits


def test_english_catalogue_pieces_are_many() -> None:
    assert len(ENGLISH) > 300 and "Drop-off" in ENGLISH and "Product page" in ENGLISH


@pytest.fixture()
def french_page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    context.set_default_timeout(90_000)
    p = context.new_page()
    dialogs: list[str] = []
    p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    p.dialogs = dialogs  # type: ignore[attr-defined]
    yield p
    context.close()


def _nav(page, name: str):
    return page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name,
                                                                    exact=True)


def test_a_french_visitor_sees_no_english(app_server, french_page, wait_idle, screenshot,
                                          assert_no_exception, tmp_path_factory) -> None:
    page = french_page
    store = tmp_path_factory.mktemp("fr") / "parcours.duckdb"  # empty: the demo loads
    base = app_server(str(store))
    page.goto(base + "/")
    wait_idle(page)
    expect(page.locator("h1").first).to_have_text("Vue d'ensemble")
    assert "lang=fr" in page.url  # from the browser's language
    for name in NAV:
        _nav(page, name).click()
        expect(page.locator("h1").first).to_have_text(name, timeout=90_000)
        wait_idle(page)
        page.wait_for_timeout(1500)  # grids fill their accessible cells after layout
        assert_no_exception(page)
        assert _visible_english(page) == [], name
        assert page.evaluate(BROKEN_WORDS) == [], name
        screenshot(page, f"french-{name}")
    # The demo a French team gets: French touchpoints and personas.
    assert page.get_by_text("Fiche produit").count() >= 1

    # The calendar: French months, Monday first.
    page.locator('[data-testid="stSidebar"] [data-testid="stDateInputCalendarButton"]') \
        .first.click()
    calendar = page.get_by_role("dialog")
    expect(calendar).to_be_visible()
    weekdays = calendar.locator("th").all_inner_texts()
    assert [d.strip() for d in weekdays][:2] == ["L", "M"], weekdays
    assert re.search(r"janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc",
                     calendar.inner_text())
    page.keyboard.press("Escape")

    # An import: the preview, the mapping editor and the report speak French too (the
    # editors' missing values are dashes: tests/app/test_data_page.py).
    csv = tmp_path_factory.mktemp("csv") / "salon.csv"
    Path(csv).write_bytes(UNMAPPED_CSV)
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.first.set_input_files(str(csv))  # the import one, not the rules file's
    wait_idle(page)
    page.wait_for_timeout(1500)
    assert _visible_english(page) == []
    page.get_by_role("button", name=re.compile(r"^Importer 1 fichier")).click()
    wait_idle(page)
    page.get_by_text(re.compile(r"lignes importées")).first.wait_for()
    assert_no_exception(page)
    assert _visible_english(page) == []
    screenshot(page, "french-data-after-import")
    assert not page.dialogs
