"""Parcours: the Streamlit entry point (`streamlit run app.py`).

Runs on every interaction, before the page: opens the store (one per process), loads the demo
into an empty store, settles the filters and language (sidebar + URL), then runs the page.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from journey import i18n
from journey.db.store import StoreError
from ui import sidebar
from ui import workshop as workshop_css
from ui.context import (
    clear_context,
    demo_autoload_enabled,
    load_demo_if_empty,
    open_store,
    store_facts,
    tr,
)

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

try:
    store = open_store()
except StoreError as exc:
    st.title("Parcours")
    st.error(tr("shell.store_error", _early_lang, message=str(exc)), icon=":material/error:")
    st.stop()

if store_facts(store)["empty"] and demo_autoload_enabled(store):
    with st.spinner(tr("shell.demo.loading", _early_lang)):
        load_demo_if_empty(store)

shell = sidebar.resolve(store)
lang = shell["lang"]
workshop = shell["workshop"]

PAGES = [
    ("views/overview.py", "page.overview", "overview", ":material/dashboard:"),
    ("views/flows.py", "page.flows", "flows", ":material/account_tree:"),
    ("views/network.py", "page.network", "network", ":material/hub:"),
    ("views/nps.py", "page.nps", "nps", ":material/sentiment_satisfied:"),
    ("views/journey_map.py", "page.journey_map", "journey-map", ":material/map:"),
    ("views/data.py", "page.data", "data", ":material/database:"),
]
pages = [
    st.Page(path, title=tr(key, lang), url_path=url, icon=icon) for path, key, url, icon in PAGES
]


def _home() -> None:
    # Streamlit serves the default page at "/" and ignores its url_path, so "/overview" would
    # be "page not found". The default is this invisible page instead: it forwards "/" to
    # "/overview" with the same query string, and every page keeps its documented path.
    qp = st.query_params
    st.switch_page(pages[0], query_params=[(k, v) for k in qp for v in qp.get_all(k)])


home = st.Page(_home, title=tr("page.overview", lang), url_path="home", default=True,
               visibility="hidden")
pg = st.navigation([home, *pages], position="hidden" if workshop else "sidebar")

if not workshop:
    sidebar.render(store, shell)
ctx = sidebar.finish(store, shell)

if not workshop:
    st.sidebar.page_link(
        pg, label=tr("shell.workshop.enter", lang), icon=":material/open_in_full:",
        query_params={**sidebar.page_params(), **sidebar.url_for(ctx.filters, lang, True)},
    )
else:
    # Larger text for a projector: fixed CSS only (ui/workshop.py), never user text.
    st.html(workshop_css.STYLE)
    # Back to the same view with its controls: the page's own keys (map_persona...) kept.
    exit_params = {**sidebar.page_params(), **sidebar.url_for(ctx.filters, lang, False)}
    st.page_link(pg, label=tr("shell.workshop.exit", lang), icon=":material/close_fullscreen:",
                 query_params=exit_params)

if ctx.is_demo:
    st.info(tr("shell.demo.banner", lang), icon=":material/science:")

pg.run()
