"""Journey map: stages across, lanes down, filled from data; notes, comparison, exports.

URL keys of this page (besides the shell's filters, lang and workshop): `map_persona`,
`map_compare` (persona | period), `map_b_persona`, `map_b_since`, `map_b_until`. They are
synced by hand like the shell's, so a link (even in workshop mode, where no widget is drawn)
reproduces the view: `?map_persona=Busy+parent&lang=fr&workshop=1`.

User text (touchpoint names, comments, notes, persona names) is shown with st.text, or
Markdown-escaped, and never as HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import journey_map, metrics
from journey.analytics.filters import Filters
from journey.present import map_export
from ui.context import (
    describe_filters,
    empty_state,
    get_context,
    guard,
    mirror_in_url,
    show_chart,
)

ctx = get_context()
lang = ctx.lang
ss = st.session_state
qp = st.query_params

MEM = "_map_page_state"  # our memory, kept while the widgets are not drawn (workshop mode)
URL = ("map_persona", "map_compare", "map_b_persona", "map_b_since", "map_b_until")
COMPARE_MODES = ("", "persona", "period")
_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def md(text: Any) -> str:
    """User text made inert for st.markdown/st.subheader (no links, no emphasis)."""
    return _MD_SPECIALS.sub(r"\\\1", str(text))


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# -- state: URL -> memory -> widgets -> URL ------------------------------------------------
personas: list[str] = [str(p) for p in ctx.options.get("personas", [])]
mem: dict[str, Any] = ss.setdefault(MEM, {"written": None, "values": {k: "" for k in URL}})
url_now = {k: (qp.get(k) or "") for k in URL}
if any(url_now.values()) or mem["written"] is None:
    # The URL wins when it carries our keys and differs from what we wrote (a shared link),
    # or on the first run; a URL without them (a page switch) keeps our memory.
    if url_now != mem["written"]:
        mem["values"] = dict(url_now)
        for k in URL:
            ss.pop(f"w_{k}", None)
vals = mem["values"]
if vals["map_persona"] and vals["map_persona"] not in personas:
    st.warning(ctx.t("map.unknown_persona", persona=vals["map_persona"]))
    vals["map_persona"] = ""
if vals["map_compare"] not in COMPARE_MODES:
    vals["map_compare"] = ""
if vals["map_b_persona"] not in personas:
    vals["map_b_persona"] = ""

st.title(ctx.t("page.journey_map"))

if not ctx.workshop:
    def fmt_persona(p: str) -> str:
        return p if p else ctx.t("map.all_customers")

    c1, c2, c3, c4 = st.columns([3, 2, 3, 3], vertical_alignment="bottom")
    ss.setdefault("w_map_persona", vals["map_persona"])
    vals["map_persona"] = c1.selectbox(
        ctx.t("map.persona"), ["", *personas], key="w_map_persona", format_func=fmt_persona
    ) or ""
    ss.setdefault("w_map_compare", vals["map_compare"])
    vals["map_compare"] = c2.selectbox(
        ctx.t("map.compare"), list(COMPARE_MODES), key="w_map_compare",
        help=ctx.t("map.compare_help"),
        format_func=lambda m: {"": "—", "persona": ctx.t("map.compare_persona"),
                               "period": ctx.t("map.compare_period")}[m],
    ) or ""
    if vals["map_compare"] == "persona":
        ss.setdefault("w_map_b_persona", vals["map_b_persona"])
        vals["map_b_persona"] = c3.selectbox(
            ctx.t("map.b_persona"), ["", *personas], key="w_map_b_persona",
            format_func=fmt_persona,
        ) or ""
    elif vals["map_compare"] == "period":
        first, last = ctx.options.get("first_day"), ctx.options.get("last_day")
        ss.setdefault("w_map_b_since", _date(vals["map_b_since"]) or first)
        ss.setdefault("w_map_b_until", _date(vals["map_b_until"]) or last)
        b_since = c3.date_input(ctx.t("map.b_since"), key="w_map_b_since",
                                min_value=first, max_value=last, format="YYYY-MM-DD")
        b_until = c4.date_input(ctx.t("map.b_until"), key="w_map_b_until",
                                min_value=first, max_value=last, format="YYYY-MM-DD")
        vals["map_b_since"] = b_since.isoformat() if isinstance(b_since, dt.date) else ""
        vals["map_b_until"] = b_until.isoformat() if isinstance(b_until, dt.date) else ""

# Write our keys back (only ours: the shell owns the rest of the URL).
def _applies(k: str) -> bool:
    return k in ("map_persona", "map_compare") or (
        k == "map_b_persona" and vals["map_compare"] == "persona"
    ) or (k in ("map_b_since", "map_b_until") and vals["map_compare"] == "period")


mirror_in_url({k: vals[k] if vals[k] and _applies(k) else None for k in URL})
mem["written"] = {k: (qp.get(k) or "") for k in URL}

persona = vals["map_persona"] or None


# -- data ----------------------------------------------------------------------------------
def _build(cur: Any, filters: Filters, *, persona: str | None, lang: str,
           notes_version: int) -> journey_map.JourneyMap:
    # notes_version is part of the cache key only: notes are saved through the store and
    # bump its data version, so the cached map follows them.
    return journey_map.build_map(
        cur, filters, lang=lang, persona=persona, stages_df=ctx.stages_df,
        notes_df=ctx.store.notes(persona),
    )


def get_map(filters: Filters, who: str | None) -> journey_map.JourneyMap:
    return ctx.query(_build, filters=filters, persona=who, lang=lang,
                     notes_version=ctx.data_version)


@st.cache_data(show_spinner=False, max_entries=16)
def _export(kind: str, key: str, _jm: journey_map.JourneyMap, lang: str) -> bytes:
    if kind == "png":
        return map_export.to_png(_jm, lang)
    if kind == "svg":
        return map_export.to_svg(_jm, lang).encode("utf-8")
    return map_export.to_html(_jm, lang).encode("utf-8")


def lane_name(lane: str) -> str:
    if lane.startswith("channel:"):
        return ctx.t("map.lane.channel", name=lane.split(":", 1)[1])
    if lane.startswith("device:"):
        return ctx.t("map.lane.device", name=lane.split(":", 1)[1])
    return ctx.t(f"map.lane.{lane}")


def draw_emotion(jm: journey_map.JourneyMap, filters: Filters, *, height: int) -> None:
    try:
        from journey.present import stat_charts
    except ImportError:  # pragma: no cover
        stat_charts = None
    metric = "nps" if any(s.score_metric == "nps" for s in jm.stages) else "csat"
    fn = metrics.nps if metric == "nps" else metrics.csat
    df = ctx.query(fn, filters=filters, by="stage")
    if stat_charts is not None and not df.empty:
        chart = stat_charts.emotion_curve(df, lang=lang, labels=ctx.stage_labels(),
                                          metric=metric, height=height)
        show_chart(ctx, chart)
    else:
        st.text(ctx.t("map.no_answers"))


def draw_map(jm: journey_map.JourneyMap, *, key: str, editable: bool) -> None:
    """The map with Streamlit elements: one column per stage, lanes as rows."""
    n = len(jm.stages)
    if n == 0:
        empty_state(ctx, "no_match")
        return
    big = ctx.workshop

    def lane(title: str) -> list[Any]:
        st.markdown(f"**{md(title)}**")
        return st.columns(n, gap="small")

    cols = st.columns(n, gap="small")
    for c, s in zip(cols, jm.stages, strict=True):
        c.subheader(md(s.label), anchor=False)

    for c, s in zip(lane(ctx.t("map.lane_touchpoints")), jm.stages, strict=True):
        box = c.container(border=True)
        if not s.touchpoints:
            box.text(ctx.t("map.none"))
        for tp in s.touchpoints:
            where = ctx.t("map.online") if tp.online else (
                ctx.t("map.offline") if tp.online is False else "")
            box.text(tp.name)
            box.caption(md(" · ".join(x for x in (tp.channel or "", where,
                                                  i18n.fmt_int(tp.customers, lang)) if x)))

    for c, s in zip(lane(ctx.t("map.lane_customers")), jm.stages, strict=True):
        delta = (ctx.t("map.to_next_short", pct=i18n.fmt_pct(s.conversion_to_next, lang, 0))
                 if s.conversion_to_next is not None else None)
        c.metric(ctx.t("map.customers_head"), i18n.fmt_int(s.customers, lang), delta=delta,
                 delta_color="off", delta_arrow="off", border=True)

    st.markdown(f"**{md(ctx.t('map.lane_emotion'))}**")
    draw_emotion(jm, jm.filters, height=300 if big else 200)
    scores = st.columns(n, gap="small")
    for c, s in zip(scores, jm.stages, strict=True):
        c.text(map_export.score_text(s, lang))
    st.caption(ctx.t("map.curve_caption"))

    for c, s in zip(lane(ctx.t("map.lane_pain")), jm.stages, strict=True):
        box = c.container(border=True)
        for line in map_export.pain_lines(s, lang, chars=500):
            box.text(line)

    st.markdown(f"**{md(ctx.t('map.lane_opportunities'))}**")
    note_cols = st.columns(n, gap="small")
    for c, s in zip(note_cols, jm.stages, strict=True):
        if editable and not ctx.workshop:
            wkey = f"note_{key}_{jm.persona or ''}_{s.stage}"
            ss.setdefault(wkey, s.opportunity)
            text = c.text_area(ctx.t("map.note_label", stage=s.label), key=wkey,
                               height=120, help=ctx.t("map.notes_help"), max_chars=2000)
            if c.button(ctx.t("map.save"), key=f"save_{wkey}", icon=":material/save:"):
                ctx.store.set_note(s.stage, text or "", jm.persona)
                st.toast(ctx.t("map.saved"))
                st.rerun()
        else:
            c.container(border=True).text(s.opportunity or "—")

    for c, s in zip(lane(ctx.t("map.lane_mix")), jm.stages, strict=True):
        box = c.container(border=True)
        for mix in (s.channel_mix, s.device_mix):
            if mix:
                box.text(", ".join(f"{name} {i18n.fmt_pct(share, lang, 0)}"
                                   for name, share in mix[:3]))

    st.caption(md(describe_filters(jm.filters, lang, ctx.stage_label, n=jm.n,
                                   extra=i18n.fmt_date_range(jm.first_ts, jm.last_ts, lang)
                                   if jm.first_ts else None)))


def summary_table(jm: journey_map.JourneyMap, moved: set[tuple[str, str]]) -> pd.DataFrame:
    """The comparable numbers of one map: lanes down, stages across (plain text cells)."""
    values = journey_map.lane_values(jm)
    rows: dict[str, dict[str, str]] = {}
    for _, r in values.iterrows():
        name = lane_name(r["lane"])
        mark = " ◆" if (r["stage"], r["lane"]) in moved else ""
        cell = i18n.fmt_num(r["value"], lang, 0) + mark if pd.notna(r["value"]) else i18n.DASH
        rows.setdefault(name, {})[ctx.stage_label(r["stage"])] = cell
    order = [ctx.stage_label(s.stage) for s in jm.stages]
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=order).fillna("")


# -- the page --------------------------------------------------------------------------------
with guard(ctx):
    if ctx.options.get("first_day") is None and not personas:
        empty_state(ctx, "no_data")
        st.stop()

    jm = get_map(ctx.filters, persona)
    if jm.n == 0 and jm.responses == 0:
        st.caption(md(describe_filters(jm.filters, lang, ctx.stage_label, n=0)))
        empty_state(ctx, "no_match")
        st.stop()

    st.subheader(md(jm.title), anchor=False)

    mode = vals["map_compare"]
    jm_b = None
    if mode == "persona":
        jm_b = get_map(ctx.filters, vals["map_b_persona"] or None)
    elif mode == "period":
        fb = ctx.filters.replace(since=_date(vals["map_b_since"]),
                                 until=_date(vals["map_b_until"]))
        jm_b = get_map(fb, persona)

    if jm_b is None:
        draw_map(jm, key="a", editable=True)
    else:
        diff = journey_map.compare_maps(jm, jm_b)
        top = diff.head(8)
        moved = set(zip(top["stage"], top["lane"], strict=True))
        st.markdown(f"**{md(ctx.t('map.moved'))}**")
        if diff.empty:
            st.info(ctx.t("map.moved_none"))
        else:
            shown = pd.DataFrame({
                ctx.t("map.col_stage"): [ctx.stage_label(s) for s in top["stage"]],
                ctx.t("map.col_lane"): [lane_name(x) for x in top["lane"]],
                ctx.t("map.col_a"): [i18n.fmt_num(v, lang, 1) for v in top["value_a"]],
                ctx.t("map.col_b"): [i18n.fmt_num(v, lang, 1) for v in top["value_b"]],
                ctx.t("map.col_delta"): [
                    ("▲ +" if d > 0 else "▼ ") + i18n.fmt_num(d, lang, 1) for d in top["delta"]
                ],
            })
            st.dataframe(shown, hide_index=True, width="stretch")
        left, right = st.columns(2, gap="large")
        for col, side, m in ((left, "map.side_a", jm), (right, "map.side_b", jm_b)):
            with col:
                st.markdown(f"**{md(ctx.t(side))} — {md(m.title)}**")
                st.caption(md(describe_filters(m.filters, lang, ctx.stage_label, n=m.n)))
                if m.n == 0 and m.responses == 0:
                    empty_state(ctx, "no_match")
                    continue
                st.dataframe(summary_table(m, moved), width="stretch")
                st.caption(ctx.t("map.moved_mark"))
                draw_emotion(m, m.filters, height=180)
        with st.expander(ctx.t("page.journey_map") + " — " + ctx.t("map.side_a")):
            draw_map(jm, key="a", editable=True)

    if not ctx.workshop:
        st.markdown(f"**{md(ctx.t('map.export'))}**")
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", f"journey-map-{persona or 'all'}-{lang}")
        cache_key = repr((jm.filters, persona, lang, ctx.data_version))
        row = st.container(horizontal=True, gap="small")
        for kind, mime, label in (("png", "image/png", "map.export_png"),
                                  ("svg", "image/svg+xml", "map.export_svg"),
                                  ("html", "text/html", "map.export_html")):
            row.download_button(
                ctx.t(label),
                # Rendered only when clicked: vl-convert takes a second or two.
                data=lambda kind=kind: _export(kind, cache_key, jm, lang),
                file_name=f"{base}.{kind}", mime=mime, key=f"dl_map_{kind}",
                icon=":material/download:", on_click="ignore",
            )
