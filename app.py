"""Parcours: the Streamlit entry point (`streamlit run app.py`).

Runs on every interaction, before the page: opens the store (one per process), loads the demo
into an empty store, settles the filters and language (sidebar + URL), then runs the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import streamlit as st

from journey import i18n
from journey.db.store import StoreError
from ui import import_advice, sidebar, typography
from ui import workshop as workshop_css
from ui.data_actions import UPLOAD_TYPES
from ui.page import clear_context
from ui.store import (
    as_store_error,
    db_path,
    demo_autoload_enabled,
    load_demo_if_empty,
    open_store,
    store_facts,
)
from ui.widgets import url_notices

# A local file: a ":material/..." page icon makes every browser fetch its SVG from Google's font
# servers, which fails offline (and tells a third party who opens the app).
FAVICON = Path(__file__).resolve().parent / "ui" / "assets" / "favicon.png"

st.set_page_config(
    page_title="Parcours",
    page_icon=str(FAVICON),
    layout="wide",
    initial_sidebar_state="expanded",
)

clear_context()

# The language before anything is known: the URL's, else the browser's. Needed for the
# messages below, which can come before the sidebar exists.
_early_lang = (st.query_params.get("lang") or "").lower()
if _early_lang not in i18n.LANGS:
    _early_lang = sidebar.browser_lang()



def _store_unusable(exc: StoreError) -> NoReturn:
    # Damaged, locked or not a store: one plain message instead of an error on every page.
    st.title(i18n.t("app.title", _early_lang))
    st.error(i18n.t("shell.store_error", _early_lang,
                    message=i18n.md_escape(exc.text(_early_lang, "app"))),
             icon=":material/error:")
    st.stop()


try:
    store = open_store()
    if store_facts(store)["empty"] and demo_autoload_enabled(store):
        with st.spinner(i18n.t("shell.demo.loading", _early_lang)):
            load_demo_if_empty(store, _early_lang)  # a French visitor gets a French demo
    state = sidebar.resolve(store)
except Exception as exc:
    # A file that opens can still fail on its first read (a truncated store).
    problem = as_store_error(db_path(), exc)
    if problem is None:
        raise
    _store_unusable(problem)
lang = state["lang"]
workshop = state["workshop"]

PAGES = [
    ("views/overview.py", "page.overview", "overview", ":material/dashboard:"),
    ("views/flows.py", "page.flows", "flows", ":material/account_tree:"),
    ("views/network.py", "page.network", "network", ":material/hub:"),
    ("views/nps.py", "page.nps", "nps", ":material/sentiment_satisfied:"),
    ("views/journey_map.py", "page.journey_map", "journey-map", ":material/map:"),
    ("views/attribution.py", "page.attribution", "attribution", ":material/pie_chart:"),
    # After the map: in workshop mode's top bar the pages before it stay in view.
    ("views/variants.py", "page.variants", "variants", ":material/repeat:"),
    ("views/data.py", "page.data", "data", ":material/database:"),
]
# Workshop mode's tabs run across the top of the screen, in projector-sized text: short
# names ("Map", "Loops") keep the eight of them on one row at 1440 px; each page's heading
# still gives its full name.
WORKSHOP_TABS = {
    "page.overview": "mends.tab.overview", "page.flows": "mends.tab.flows",
    "page.network": "mends.tab.network", "page.nps": "mends.tab.nps",
    "page.journey_map": "mends.tab.journey_map", "page.attribution": "mends.tab.attribution",
    "page.variants": "mends.tab.variants", "page.data": "mends.tab.data",
}
pages = [
    st.Page(path, title=i18n.t(WORKSHOP_TABS[key] if workshop else key, lang), url_path=url,
            icon=icon)
    for path, key, url, icon in PAGES
]


def _home() -> None:
    # Streamlit serves the default page at "/" and ignores its url_path, so "/overview" would
    # be "page not found". The default is this invisible page instead: it forwards "/" to
    # "/overview" with the same query string, and every page keeps its documented path.
    qp = st.query_params
    st.switch_page(pages[0], query_params=[(k, v) for k in qp for v in qp.get_all(k)])


home = st.Page(_home, title=i18n.t("page.overview", lang), url_path="home", default=True,
               visibility="hidden")
# Workshop mode: the pages as slim tabs across the top, and no sidebar at all.
pg = st.navigation([home, *pages], position="top" if workshop else "sidebar")

if not workshop:
    sidebar.render(store, state)
ctx = sidebar.finish(store, state)

# Streamlit's own widget texts in French, words never cut (ui/typography.py); in workshop mode
# projector sizes and no sidebar (ui/workshop.py). Fixed CSS and catalogue strings only.
st.html(typography.style(lang, workshop, UPLOAD_TYPES))
if workshop:
    st.html(workshop_css.STYLE)
# The way in or out of workshop mode is drawn after the page has run, into a slot kept here:
# the link carries the page's own URL keys (map_b_persona...), which the page writes during
# its run. Built before, it would carry the previous run's values, and entering workshop mode
# would undo the control the user just changed.
mode_link = st.empty() if workshop else st.sidebar.empty()

if ctx.is_demo:
    # Demo and real data never mix silently: the banner counts both.
    st.info(import_advice.demo_banner(store_facts(store)["demo_share"], lang),
            icon=":material/science:")
if pg is not home:
    # Not on "/": its run ends in a switch to /overview, which would lose the notices.
    url_notices(ctx, sidebar.URL.notices())

# try/finally: a page that ends with st.stop() still gets its way in or out of workshop mode.
try:
    pg.run()
finally:
    if workshop:
        # Back to the same view with its controls: the page's own keys kept.
        mode_link.page_link(pg, label=i18n.t("shell.workshop.exit", lang),
                            icon=":material/close_fullscreen:",
                            query_params=sidebar.link_params(state, workshop=False))
    else:
        mode_link.page_link(pg, label=i18n.t("shell.workshop.enter", lang),
                            icon=":material/open_in_full:",
                            query_params=sidebar.link_params(state, workshop=True))
