"""The shared sidebar: language, filters, reset; all of it kept in the URL.

Why not widget `bind="query-params"`: a bound widget writes its *formatted* option to the URL,
so the stage filter would write "Achat" in French and "Purchase" in English, and a link would
not survive a language switch. Here the URL holds stable keys (`?stage=purchase&persona=Busy+
parent`) plus `lang` and `workshop`, exactly what the CLI and the other pages read, through the
one `UrlState` helper (ui/url_state.py: when the URL wins, what is dropped, what is written).

Per script run: `resolve` settles the state (URL or memory), `render` draws the widgets (not in
workshop mode), `finish` turns them into `Filters`, rewrites the URL and publishes the context.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from journey import i18n
from journey.analytics.filters import Filters
from journey.db.store import Store
from ui.page import PageContext, publish_context
from ui.store import stage_labels, store_facts
from ui.url_state import Param, UrlState
from ui.widgets import date_format

OUTCOME_OPTIONS = ("all", "converted", "dropped_off")

# URL list key -> (Filters field, store option list that validates it, label in a notice)
_LISTS = {
    "persona": ("personas", "personas", "filter.persona"),
    "stage": ("stages", "stages", "filter.stages"),
    "touchpoint": ("touchpoints", "touchpoints", "shell.touchpoints"),
    "channel": ("channels", "channels", "filter.channels"),
    "device": ("devices", "devices", "filter.devices"),
    "includes": ("includes", "touchpoints", "filter.includes_touchpoint"),
}
LIST_KEYS = tuple(_LISTS)
W = {k: f"sb_{k}" for k in (*LIST_KEYS, "since", "until", "outcome", "lang")}

URL = UrlState(
    "shell",
    *(Param(k, "list", default=[], widget=W[k], label=label)
      for k, (_attr, _opt, label) in _LISTS.items()),
    Param("since", "date", widget=W["since"], label="filter.date_from"),
    Param("until", "date", widget=W["until"], label="filter.date_to"),
    Param("outcome", "str", default="all", choices=OUTCOME_OPTIONS, widget=W["outcome"],
          label="shell.outcome"),
    Param("lang", "str", choices=i18n.LANGS, widget=W["lang"], label="app.language"),
    Param("workshop", "bool", default=False, label="shell.workshop.enter"),
)
URL_KEYS = URL.keys


def browser_lang() -> str:
    """The browser's language: navigator.language, else the Accept-Language header."""
    locale = None
    try:
        locale = st.context.locale
    except Exception:  # noqa: BLE001 - no browser (AppTest, bare mode)
        locale = None
    if not locale:
        try:
            locale = st.context.headers.get("Accept-Language")
        except Exception:  # noqa: BLE001
            locale = None
    return i18n.lang_from_locale(locale)


def _known(options: dict[str, Any]) -> dict[str, list[str]]:
    return {k: list(options.get(opt) or []) for k, (_attr, opt, _label) in _LISTS.items()}


def _bounds(options: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    # The date pickers are bounded by the data; a day outside it means the same as the edge.
    first, last = options.get("first_day"), options.get("last_day")
    return {"since": (first, last), "until": (first, last)}


def resolve(store: Store) -> dict[str, Any]:
    """Step 1: this run's state (filters' values, lang, workshop) from the URL or memory."""
    options = store_facts(store)["options"]
    before = URL.remembered()
    lang = before["lang"] if before and before.get("lang") else browser_lang()
    state = URL.read(known=_known(options), bounds=_bounds(options), defaults={"lang": lang})
    if state["lang"] not in i18n.LANGS:
        state["lang"] = lang
    return state


def page_params() -> dict[str, list[str]]:
    """The current page's own URL keys (not the shell's), e.g. the journey map's persona."""
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp if k not in URL_KEYS}


def link_params(state: dict[str, Any], *, workshop: bool) -> dict[str, list[str]]:
    """The query string of this very view, in or out of workshop mode."""
    return {**page_params(), **URL.encode({**state, "workshop": workshop})}


def _reset() -> None:
    ss = st.session_state
    for key in LIST_KEYS:
        ss[W[key]] = []
    ss[W["since"]] = None
    ss[W["until"]] = None
    ss[W["outcome"]] = "all"


def render(store: Store, state: dict[str, Any]) -> None:
    """Step 2: draw the sidebar widgets (not in workshop mode)."""
    facts = store_facts(store)
    options = facts["options"]
    lang = state["lang"]
    stages_df = facts["stages_df"]
    labels = stage_labels(store, lang)

    def t(key: str, **kw: Any) -> str:
        return i18n.t(key, lang, **kw)

    with st.sidebar:
        st.radio(
            t("app.language"), list(i18n.LANGS), key=W["lang"], horizontal=True,
            format_func=lambda code: i18n.t(f"lang.{code}", code),
        )
        st.subheader(t("filter.header"))
        st.multiselect(
            t("filter.personas"), options["personas"], key=W["persona"],
            placeholder=t("shell.all_personas"),
        )
        st.multiselect(
            t("filter.stages"), options["stages"], key=W["stage"],
            format_func=lambda s: labels.get(s) or i18n.stage_label(s, lang, stages_df),
            placeholder=t("shell.all_stages"),
        )
        st.multiselect(
            t("filter.channels"), options["channels"], key=W["channel"],
            placeholder=t("shell.all_channels"),
        )
        st.multiselect(
            t("filter.devices"), options["devices"], key=W["device"],
            placeholder=t("shell.all_devices"),
        )
        fmt = date_format(lang)
        bounds = {"min_value": options["first_day"], "max_value": options["last_day"]}
        bounds = {k: v for k, v in bounds.items() if v is not None}
        st.date_input(t("filter.date_from"), key=W["since"], format=fmt, **bounds)
        st.date_input(t("filter.date_to"), key=W["until"], format=fmt, **bounds)
        with st.expander(t("filter.conditions"), expanded=bool(
            st.session_state.get(W["includes"]) or st.session_state.get(W["touchpoint"])
            or st.session_state.get(W["outcome"], "all") != "all"
        )):
            st.radio(
                t("shell.outcome"), list(OUTCOME_OPTIONS), key=W["outcome"],
                format_func=lambda o: t(f"shell.outcome.{o}"),
            )
            st.multiselect(
                t("filter.includes_touchpoint"), options["touchpoints"], key=W["includes"],
                placeholder=t("shell.any_touchpoint"), help=t("shell.includes_help"),
            )
            st.multiselect(
                t("shell.touchpoints"), options["touchpoints"], key=W["touchpoint"],
                placeholder=t("shell.all_touchpoints"), help=t("shell.touchpoints_help"),
            )
        st.button(
            t("filter.reset"), key="sb_reset", on_click=_reset, icon=":material/restart_alt:",
            width="stretch",
        )


def finish(store: Store, state: dict[str, Any]) -> PageContext:
    """Step 3: Filters from the widgets (or memory), URL rewritten, context published."""
    facts = store_facts(store)
    if not state["workshop"]:
        state.update({k: v for k, v in URL.widget_values().items() if k != "workshop"})
    URL.write(state)
    outcome = state["outcome"]
    filters = Filters(
        **{attr: list(state[key] or []) for key, (attr, _opt, _label) in _LISTS.items()},
        since=state["since"], until=state["until"],
        outcome=None if outcome == "all" else outcome,
        conversion_stage=facts["conversion_stage"],
    )
    ctx = PageContext(
        store=store,
        filters=filters,
        lang=state["lang"],
        data_version=store.data_version,
        workshop=state["workshop"],
        is_demo=bool(facts["is_demo"]),
    )
    publish_context(ctx)
    return ctx
