"""Variants & loops: the distinct whole journeys, the loops, and who keeps contacting service.

URL keys of this page (besides the shell's): `variants_top`, `variants_repeats`,
`variants_window` (days), kept by `UrlState` so a link (workshop mode too) reopens the view.
Every figure comes from journey/analytics (variants.py, repeats.py); touchpoint and persona
names are shown in tables (plain text) or Markdown-escaped.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import repeats, variants
from journey.analytics.scope import FlowOptions
from journey.db.store import Store
from ui.page import PageContext, current_context
from ui.tables import show_table
from ui.url_state import Param, UrlState
from ui.widgets import caption as show_caption
from ui.widgets import download_buttons, empty_state, page_over_data, url_notices

P = "variants_"
K = {"top": P + "top", "repeats": P + "repeats", "window": P + "window",
     "service": P + "service"}
TOP_MAX = 100
WINDOW_MAX = 90
md = i18n.md_escape

URL = UrlState(
    "variants",
    Param(K["top"], "int", 10, lo=1, hi=TOP_MAX, widget=K["top"], label="variants.top"),
    Param(K["repeats"], "bool", False, widget=K["repeats"], label="flows.repeats"),
    Param(K["window"], "int", int(repeats.DEFAULT_WINDOW_DAYS), lo=1, hi=WINDOW_MAX,
          widget=K["window"], label="variants.window"),
)


def duration(ctx: PageContext, minutes: Any) -> str:
    """Minutes in the unit a person reads: min, h or days."""
    if minutes is None or pd.isna(minutes):
        return i18n.DASH
    m = float(minutes)
    if m < 60:
        return ctx.t("variants.minutes", n=i18n.fmt_num(m, ctx.lang, 0))
    if m < 1440:
        return ctx.t("variants.hours", n=i18n.fmt_num(m / 60, ctx.lang, 1))
    return ctx.t("variants.days", n=i18n.fmt_num(m / 1440, ctx.lang, 1))


def nps_text(ctx: PageContext, nps: Any, margin: Any, n: int) -> str:
    """"+25 ± 12 (n = 40)", or a dash without answers: an NPS never without its n."""
    if not n or nps is None or pd.isna(nps):
        return i18n.DASH
    return ctx.t("variants.nps_cell", nps=i18n.fmt_signed(nps, ctx.lang, 0),
                 margin=i18n.fmt_num(margin, ctx.lang, 0), n=i18n.fmt_int(n, ctx.lang))


def variants_table(ctx: PageContext, df: pd.DataFrame) -> pd.DataFrame:
    """The variants as the page shows them (text cells, the folded row last)."""
    lang = ctx.lang
    return pd.DataFrame({
        ctx.t("variants.col_path"): [
            ctx.t("variants.other", n=i18n.fmt_int(v, lang)) if kind == variants.KIND_OTHER
            else " → ".join(path)
            for kind, path, v in zip(df["kind"], df["path"], df["variants"], strict=True)
        ],
        ctx.t("variants.col_customers"): [i18n.fmt_int(v, lang) for v in df["customers"]],
        ctx.t("variants.col_share"): [i18n.fmt_pct(v, lang, 1) for v in df["share"]],
        ctx.t("variants.col_converted"): [i18n.fmt_pct(v, lang, 0)
                                          for v in df["converted_share"]],
        ctx.t("variants.col_duration"): [duration(ctx, v) for v in df["median_minutes"]],
        ctx.t("variants.col_nps"): [nps_text(ctx, a, b, int(n)) for a, b, n in zip(
            df["nps"], df["nps_margin"], df["nps_n"], strict=True)],
    })


def loops_table(ctx: PageContext, df: pd.DataFrame) -> pd.DataFrame:
    lang = ctx.lang
    return pd.DataFrame({
        ctx.t("variants.col_touchpoint"): [str(v) for v in df["touchpoint"]],
        ctx.t("variants.col_passing"): [i18n.fmt_int(v, lang) for v in df["customers"]],
        ctx.t("variants.col_looping"): [i18n.fmt_int(v, lang)
                                        for v in df["customers_repeating"]],
        ctx.t("variants.col_share"): [i18n.fmt_pct(v, lang, 1) for v in df["share"]],
        ctx.t("variants.col_median_back"): [i18n.fmt_num(v, lang, 1)
                                            for v in df["median_repeats"]],
    })


def contacts_table(ctx: PageContext, df: pd.DataFrame) -> pd.DataFrame:
    lang = ctx.lang
    return pd.DataFrame({
        ctx.t("variants.col_touchpoint"): [
            ctx.t("variants.all_service") if s == repeats.SCOPE_ALL else str(tp)
            for s, tp in zip(df["scope"], df["touchpoint"], strict=True)
        ],
        ctx.t("variants.col_contacting"): [i18n.fmt_int(v, lang) for v in df["customers"]],
        ctx.t("variants.col_repeating"): [i18n.fmt_int(v, lang)
                                          for v in df["customers_repeating"]],
        ctx.t("variants.col_share_margin"): [
            f"{i18n.fmt_pct(s, lang, 0)} ± {i18n.fmt_num(m, lang, 0)}"
            for s, m in zip(df["share"], df["margin"], strict=True)
        ],
        ctx.t("variants.col_median_repeats"): [i18n.fmt_num(v, lang, 1)
                                               for v in df["median_repeats"]],
    })


def persona_table(ctx: PageContext, df: pd.DataFrame) -> pd.DataFrame:
    lang = ctx.lang
    return pd.DataFrame({
        ctx.t("variants.col_persona"): [
            ctx.t("variants.no_persona") if p is None or pd.isna(p) else str(p)
            for p in df["persona"]
        ],
        ctx.t("variants.col_contacting"): [i18n.fmt_int(v, lang) for v in df["customers"]],
        ctx.t("variants.col_repeating"): [i18n.fmt_int(v, lang)
                                          for v in df["customers_repeating"]],
        ctx.t("variants.col_share_margin"): [
            f"{i18n.fmt_pct(s, lang, 0)} ± {i18n.fmt_num(m, lang, 0)}"
            for s, m in zip(df["share"], df["margin"], strict=True)
        ],
    })


def repeaters_table(ctx: PageContext, df: pd.DataFrame) -> pd.DataFrame:
    lang = ctx.lang
    return pd.DataFrame({
        ctx.t("variants.col_customer"): [str(v) for v in df["customer_id"]],
        ctx.t("variants.col_persona"): [
            ctx.t("variants.no_persona") if p is None or pd.isna(p) else str(p)
            for p in df["persona"]
        ],
        ctx.t("variants.col_contacts"): [i18n.fmt_int(v, lang) for v in df["contacts"]],
        ctx.t("variants.col_repeats"): [i18n.fmt_int(v, lang) for v in df["repeats"]],
        ctx.t("variants.col_last_contact"): [i18n.fmt_date(v, lang)
                                             for v in df["last_contact"]],
    })


def nps_lines(ctx: PageContext, got: dict[str, Any]) -> list[str]:
    """Plain-text lines: each side's NPS with n and margin, then the difference."""
    lang = ctx.lang
    lines = []
    for side, key in (("repeaters", "variants.nps_repeaters"), ("others", "variants.nps_others")):
        s = got[side]
        lines.append(ctx.t(key, value=nps_text(ctx, s["nps"], s["margin"], int(s["n"]))))
    if got["delta"] is None:
        lines.append(ctx.t("variants.nps_no_difference"))
    else:
        verdict = ctx.t("map.beyond_noise") if got["significant"] else ctx.t(
            "map.could_be_noise")
        lines.append(ctx.t("variants.nps_difference",
                           delta=i18n.fmt_signed(got["delta"], lang, 0),
                           margin=i18n.fmt_num(got["margin"], lang, 0), verdict=verdict))
    return lines


def _controls(ctx: PageContext) -> None:
    c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="bottom")
    c1.number_input(ctx.t("variants.top"), 1, TOP_MAX, key=K["top"], step=1,
                    help=ctx.t("variants.top_help"))
    c2.toggle(ctx.t("flows.repeats"), key=K["repeats"], help=ctx.t("flows.repeats_help"))
    c3.number_input(ctx.t("variants.window"), 1, WINDOW_MAX, key=K["window"], step=1,
                    help=ctx.t("variants.window_help"))


def _render(ctx: PageContext) -> None:
    values = URL.read()
    url_notices(ctx, URL.notices())
    if not ctx.workshop:
        with st.container(border=True):
            _controls(ctx)
        values = URL.widget_values()
    URL.write(values)
    top, keep, window = int(values[K["top"]]), bool(values[K["repeats"]]), int(values[K["window"]])
    options = FlowOptions(keep_repeats=keep)

    st.subheader(ctx.t("variants.title"), anchor=False)
    df = ctx.query(variants.variants, options=options, top=top)
    if df.empty:
        empty_state(ctx, "no_match")
        return
    journeys = int(df["customers"].sum())
    total = int(df["variants"].sum())
    show_caption(ctx.caption(n=journeys, extra=ctx.t(
        "variants.caption", shown=i18n.fmt_int(min(top, total), ctx.lang),
        total=i18n.fmt_int(total, ctx.lang))))
    shown = variants_table(ctx, df)
    # Every row in view, the folded one too: a scrolled-away "Other" would hide the tail.
    show_table(ctx, shown, height=min(38 + 35 * len(shown), 740))
    download_buttons(ctx, df=shown, name="parcours-variants")

    st.subheader(ctx.t("variants.loops_title"), anchor=False)
    lp = ctx.query(repeats.loops)
    lp = lp[lp["customers_repeating"] > 0] if not lp.empty else lp
    if lp.empty:
        st.text(ctx.t("variants.no_loops"))
    else:
        shown = loops_table(ctx, lp)
        show_table(ctx, shown)
        st.caption(ctx.t("variants.loops_note"))
        download_buttons(ctx, df=shown, name="parcours-loops")

    st.subheader(ctx.t("variants.repeat_title", days=i18n.fmt_int(window, ctx.lang)),
                 anchor=False)
    service = ctx.query(_service)
    if not ctx.workshop:
        # The team's own list, kept in the store (every page and command reads it); emptied,
        # the names decide again (journey/analytics/repeats.py).
        st.session_state[K["service"]] = service
        st.multiselect(ctx.t("variants.service_pick"), list(ctx.options.get("touchpoints") or []),
                       key=K["service"], help=ctx.t("variants.service_help"),
                       on_change=_save_service, args=(ctx.store,))
    if not service:
        st.text(ctx.t("variants.no_service"))
        return
    show_caption(ctx.t("variants.service_list", names=", ".join(service)))
    contacts = ctx.query(repeats.repeat_contacts, window_days=float(window))
    if contacts.empty:
        st.text(ctx.t("variants.no_contacts"))
        return
    shown = contacts_table(ctx, contacts)
    show_table(ctx, shown)
    st.caption(ctx.t("variants.repeat_note"))
    download_buttons(ctx, df=shown, name="parcours-repeat-contacts")

    st.markdown(f"**{md(ctx.t('variants.persona_title'))}**")
    personas = ctx.query(repeats.repeat_by_persona, window_days=float(window))
    shown = persona_table(ctx, personas)
    show_table(ctx, shown)
    download_buttons(ctx, df=shown, name="parcours-repeat-personas")

    if not ctx.workshop:
        # Who they are, to call them back (not projected: customer ids stay off the wall).
        who = ctx.query(repeats.repeaters, window_days=float(window))
        st.markdown(f"**{md(ctx.t('variants.who_title'))}**")
        shown = repeaters_table(ctx, who)
        show_table(ctx, shown, height=280)
        download_buttons(ctx, df=shown, name="parcours-repeating-customers")

    st.markdown(f"**{md(ctx.t('variants.nps_title'))}**")
    for line in nps_lines(ctx, ctx.query(repeats.repeater_nps, window_days=float(window))):
        st.text(line)


def _save_service(store: Store) -> None:
    chosen = sorted(str(t) for t in st.session_state.get(K["service"]) or [])
    store.set_setting(repeats.SERVICE_SETTING,
                      json.dumps(chosen, ensure_ascii=False) if chosen else "")


def _service(cur: Any, _filters: Any) -> list[str]:
    # The service touchpoints do not depend on the filters; cached like any query.
    return repeats.service_touchpoints(cur)


def render(ctx: PageContext) -> None:
    """Variants, loops, then repeat contacts of service touchpoints."""
    page_over_data(ctx, "page.variants", _render)


if __name__ == "__main__":
    render(current_context())
