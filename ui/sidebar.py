"""The shared sidebar: language, filters, reset; all of it mirrored in the URL.

Why sync `st.query_params` by hand instead of widget `bind="query-params"`: a bound widget
writes its *formatted* option to the URL, so the stage filter would write "Achat" in French
and "Purchase" in English, and a link would not survive a language switch. Here the URL always
holds the stable keys of `Filters.to_query_params()` (`?stage=purchase&persona=Busy+parent`)
plus `lang` and `workshop`, exactly what the CLI and the other pages read.

The rules, per script run:
1. Read our keys from the URL. On the first run of a session, or when the URL holds our keys
   and they differ from what we wrote last (a page link or drill-down changed them), the URL
   wins: its values, minus any the store does not know (dropped silently), seed the widgets.
   A URL without our keys (Streamlit clears the query string on page switches) changes nothing.
2. The widgets (or, in workshop mode, the remembered state) give the Filters.
3. The URL is rewritten to match, touching only our keys, so pages may keep their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from journey import i18n
from journey.analytics.filters import Filters
from journey.db.store import Store
from ui.context import PageContext, set_context, store_facts, tr

LIST_KEYS = ("persona", "stage", "touchpoint", "channel", "device", "includes")
URL_KEYS = (*LIST_KEYS, "since", "until", "outcome", "lang", "workshop")
OUTCOME_OPTIONS = ("all", "converted", "dropped_off")

SHELL_KEY = "_parcours_shell"  # our own memory, kept even when the widgets are not drawn
W = {k: f"sb_{k}" for k in (*LIST_KEYS, "since", "until", "outcome", "lang")}

# Filters field <-> URL list key, and which store option list validates it.
_FIELDS = {
    "persona": ("personas", "personas"),
    "stage": ("stages", "stages"),
    "touchpoint": ("touchpoints", "touchpoints"),
    "channel": ("channels", "channels"),
    "device": ("devices", "devices"),
    "includes": ("includes", "touchpoints"),
}


# -- URL <-> state ------------------------------------------------------------------------
def read_url() -> dict[str, list[str]]:
    """Our keys in the current URL (repeated keys as lists)."""
    qp = st.query_params
    return {k: qp.get_all(k) for k in URL_KEYS if k in qp}


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


def _clamp_day(day: dt.date | None, options: dict[str, Any]) -> dt.date | None:
    # The date pickers are bounded by the data; a day outside it means the same as the edge.
    first, last = options.get("first_day"), options.get("last_day")
    if day is None or first is None or last is None:
        return day
    return min(max(day, first), last)


def state_from_url(
    url: dict[str, list[str]], options: dict[str, Any], *, conversion_stage: str,
    default_lang: str,
) -> dict[str, Any]:
    """{filters, lang, workshop} from URL values; unknown values are dropped, never fatal."""
    f = Filters.from_query_params(url, conversion_stage=conversion_stage)
    kept: dict[str, Any] = {}
    for _key, (attr, opt) in _FIELDS.items():
        known = set(options.get(opt) or [])
        kept[attr] = tuple(v for v in getattr(f, attr) if v in known)
    kept["since"] = _clamp_day(f.since, options)
    kept["until"] = _clamp_day(f.until, options)
    f = f.replace(**kept)
    lang = (url.get("lang") or [""])[-1].lower()
    workshop = (url.get("workshop") or ["0"])[-1].lower() in ("1", "true", "yes", "on")
    return {
        "filters": f,
        "lang": lang if lang in i18n.LANGS else default_lang,
        "workshop": workshop,
    }


def url_for(filters: Filters, lang: str, workshop: bool) -> dict[str, list[str]]:
    """The query params of a view (language always written: a link keeps its language)."""
    out = filters.to_query_params()
    out["lang"] = [lang]
    if workshop:
        out["workshop"] = ["1"]
    return out


def page_params() -> dict[str, list[str]]:
    """The current page's own URL keys (not the shell's), e.g. the journey map's persona."""
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp if k not in URL_KEYS}


def write_url(desired: dict[str, list[str]], *, push: bool = False) -> None:
    """Make our keys in the URL equal `desired`, leaving other keys alone.

    `push`: send the query string to the browser even when nothing differs here. A page link
    to the page already shown (the "exit workshop mode" link) reruns with the link's query
    string, but the browser's address bar keeps the old one (with `workshop=1`) unless the
    script writes to `st.query_params`.
    """
    qp = st.query_params
    sent = False
    for key in URL_KEYS:
        want = desired.get(key)
        have = qp.get_all(key) if key in qp else None
        if not want:
            if have is not None:
                del qp[key]
                sent = True
        elif want != have:
            qp[key] = want
            sent = True
    if push and not sent and desired.get("lang"):
        qp["lang"] = desired["lang"]  # every assignment sends the whole query string


def _seed_widgets(filters: Filters, lang: str) -> None:
    ss = st.session_state
    for key, (attr, _opt) in _FIELDS.items():
        ss[W[key]] = list(getattr(filters, attr))
    ss[W["since"]] = filters.since
    ss[W["until"]] = filters.until
    ss[W["outcome"]] = filters.outcome or "all"
    ss[W["lang"]] = lang


def _sanitize_widgets(options: dict[str, Any]) -> None:
    """Drop widget values the store no longer has (after a removal or an edit)."""
    ss = st.session_state
    for key, (_attr, opt) in _FIELDS.items():
        if W[key] in ss:
            known = set(options.get(opt) or [])
            ss[W[key]] = [v for v in (ss[W[key]] or []) if v in known]
    for key in ("since", "until"):
        if W[key] in ss:
            value = ss[W[key]]
            ss[W[key]] = _clamp_day(value if isinstance(value, dt.date) else None, options)
    if ss.get(W["outcome"]) not in OUTCOME_OPTIONS:
        ss[W["outcome"]] = "all"
    if ss.get(W["lang"]) not in i18n.LANGS:
        ss.pop(W["lang"], None)


def resolve(store: Store) -> dict[str, Any]:
    """Step 1: settle this run's state (from the URL or memory). Returns the shell dict."""
    facts = store_facts(store)
    options = facts["options"]
    ss = st.session_state
    url = read_url()
    shell = ss.get(SHELL_KEY)
    if shell is None or (url and url != shell.get("url_written")):
        default_lang = shell["lang"] if shell else browser_lang()
        shell = state_from_url(
            url, options, conversion_stage=facts["conversion_stage"], default_lang=default_lang
        )
        shell["url_written"] = None
        ss[SHELL_KEY] = shell
        _seed_widgets(shell["filters"], shell["lang"])
    elif any(W[k] not in ss for k in LIST_KEYS):
        # Back from workshop mode (the widgets were not drawn, so Streamlit forgot them).
        _seed_widgets(shell["filters"], shell["lang"])
    _sanitize_widgets(options)
    # The language widget's latest value is known before it is drawn: the navigation's page
    # titles need it now.
    shell["lang"] = ss.get(W["lang"], shell["lang"])
    return shell


def _reset() -> None:
    ss = st.session_state
    for key in LIST_KEYS:
        ss[W[key]] = []
    ss[W["since"]] = None
    ss[W["until"]] = None
    ss[W["outcome"]] = "all"


def render(store: Store, shell: dict[str, Any]) -> None:
    """Step 2: draw the sidebar widgets (not in workshop mode)."""
    facts = store_facts(store)
    options = facts["options"]
    lang = shell["lang"]
    stages_df = facts["stages_df"]

    def t(key: str, **kw: Any) -> str:
        return tr(key, lang, **kw)

    with st.sidebar:
        st.radio(
            t("app.language"), list(i18n.LANGS), key=W["lang"], horizontal=True,
            format_func=lambda code: tr(f"lang.{code}", code),
        )
        st.subheader(t("filter.header"))
        st.multiselect(
            t("filter.personas"), options["personas"], key=W["persona"],
            placeholder=t("shell.all_personas"),
        )
        st.multiselect(
            t("filter.stages"), options["stages"], key=W["stage"],
            format_func=lambda s: i18n.stage_label(s, lang, stages_df),
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
        date_format = "DD/MM/YYYY" if lang == "fr" else "YYYY-MM-DD"
        bounds = {"min_value": options["first_day"], "max_value": options["last_day"]}
        bounds = {k: v for k, v in bounds.items() if v is not None}
        st.date_input(t("filter.date_from"), key=W["since"], format=date_format, **bounds)
        st.date_input(t("filter.date_to"), key=W["until"], format=date_format, **bounds)
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


def finish(store: Store, shell: dict[str, Any]) -> PageContext:
    """Step 3: Filters from the widgets (or memory), URL rewritten, context published."""
    facts = store_facts(store)
    ss = st.session_state
    if not shell["workshop"]:
        def values(key: str) -> list[str]:
            return list(ss.get(W[key]) or [])

        outcome = ss.get(W["outcome"], "all")
        shell["filters"] = Filters(
            personas=values("persona"), stages=values("stage"),
            touchpoints=values("touchpoint"), channels=values("channel"),
            devices=values("device"), includes=values("includes"),
            since=ss.get(W["since"]), until=ss.get(W["until"]),
            outcome=None if outcome == "all" else outcome,
            conversion_stage=facts["conversion_stage"],
        )
        shell["lang"] = ss.get(W["lang"], shell["lang"])
    desired = url_for(shell["filters"], shell["lang"], shell["workshop"])
    # When this run's state came from the URL (a new session, a link), make sure the address
    # bar shows exactly it.
    write_url(desired, push=shell.get("url_written") is None)
    shell["url_written"] = desired
    ctx = PageContext(
        store=store,
        filters=shell["filters"],
        lang=shell["lang"],
        data_version=store.data_version,
        workshop=shell["workshop"],
        is_demo=bool(facts["is_demo"]),
    )
    set_context(ctx)
    return ctx


def context_from_url(store: Store) -> PageContext:
    """A context from the URL alone (a page run outside app.py, e.g. in a test)."""
    facts = store_facts(store)
    state = state_from_url(
        read_url(), facts["options"], conversion_stage=facts["conversion_stage"],
        default_lang=browser_lang(),
    )
    return PageContext(
        store=store, filters=state["filters"], lang=state["lang"],
        data_version=store.data_version, workshop=state["workshop"],
        is_demo=bool(facts["is_demo"]),
    )
