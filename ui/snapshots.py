"""The journey map's snapshots: save the map, open an old one read-only, and what changed.

Drawn under the map by views/journey_map.py (one call, `panel`). URL keys: `map_snapshot`
(the snapshot open) and `map_snapshot_to` (compared to: another snapshot, or today's map when
empty), so a link, in workshop mode too, shows the same "what changed" table.

Snapshot names, notes, touchpoint and persona names are user text: shown in tables, with
st.text, or Markdown-escaped.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import journey_map, snapshots
from journey.analytics.filters import Filters
from journey.db.store import Store, StoreError
from journey.present import change_charts, map_export
from ui.charts import show_chart
from ui.filenames import download_name
from ui.page import PageContext
from ui.tables import show_table
from ui.url_state import Param, UrlState
from ui.widgets import caption as show_caption
from ui.widgets import download_buttons, url_notices

md = i18n.md_escape
W_OPEN, W_TO, W_NAME, MESSAGE = "w_map_snapshot", "w_map_snapshot_to", "w_snap_name", "_snap_msg"

URL = UrlState(
    "map_snapshots",
    Param("map_snapshot", "str", "", widget=W_OPEN, label="snap.open"),
    Param("map_snapshot_to", "str", "", widget=W_TO, label="snap.to"),
)


# -- callbacks (run before the next script run) ------------------------------------------------
def _save(store: Store, filters: Filters, lang: str, persona: str | None) -> None:
    ss = st.session_state
    try:
        snap = snapshots.save(store, ss.get(W_NAME) or "", filters, lang=lang, persona=persona)
    except StoreError as exc:
        ss[MESSAGE] = ("error", exc.text(lang, "app"))
        return
    ss[MESSAGE] = ("saved", snap.name)
    ss[W_NAME] = ""
    ss[W_OPEN] = snap.name
    ss[W_TO] = ""


def _remove(store: Store, name: str) -> None:
    store.remove_snapshot(name)
    st.session_state[MESSAGE] = ("removed", name)
    st.session_state[W_OPEN] = ""
    st.session_state[W_TO] = ""


# -- figures -----------------------------------------------------------------------------------
def lane_label(ctx: PageContext, lane: str) -> str:
    """A lane's name as the map page says it."""
    return change_charts.lane_label(lane, ctx.lang)


def changes_frame(ctx: PageContext, df: pd.DataFrame) -> pd.DataFrame:
    """What changed as text cells in the page's language (also the CSV)."""
    lang = ctx.lang
    return pd.DataFrame({
        ctx.t("map.col_stage"): [ctx.stage_label(s) for s in df["stage"]],
        ctx.t("map.col_lane"): [lane_label(ctx, x) for x in df["lane"]],
        ctx.t("snap.col_before"): [i18n.fmt_num(v, lang, 1) for v in df["before"]],
        ctx.t("snap.col_after"): [i18n.fmt_num(v, lang, 1) for v in df["after"]],
        ctx.t("map.col_delta"): [i18n.fmt_signed(d, lang, 1) for d in df["delta"]],
        ctx.t("map.col_margin"): [
            i18n.DASH if pd.isna(m) else "± " + i18n.fmt_num(m, lang, 1) for m in df["margin"]
        ],
        ctx.t("map.col_verdict"): [
            ctx.t("map.beyond_noise") if sig else ctx.t("map.could_be_noise")
            for sig in df["significant"]
        ],
    })


def snapshot_frame(ctx: PageContext, jm: journey_map.JourneyMap) -> pd.DataFrame:
    """A saved map's comparable numbers: lanes down, stages across (text cells)."""
    rows: dict[str, dict[str, str]] = {}
    for r in journey_map.lane_values(jm).to_dict(orient="records"):
        value = r["value"]
        cell = i18n.DASH if value is None or pd.isna(value) else (
            f"{i18n.fmt_num(value, ctx.lang, 0)} (n = {i18n.fmt_int(r['n'], ctx.lang)})")
        rows.setdefault(lane_label(ctx, r["lane"]), {})[s_label(jm, r["stage"])] = cell
    order = [s.label for s in jm.stages]
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=order).fillna("")
    return table.rename_axis(ctx.t("map.col_lane")).reset_index()


def s_label(jm: journey_map.JourneyMap, stage: str) -> str:
    """A stage's label as the snapshot saved it (its language, the team's labels then)."""
    found = jm.stage(stage)
    return found.label if found is not None else stage


@st.cache_data(show_spinner=False, max_entries=8)
def _slide(name: str, saved_at: str, lang: str, _jm: journey_map.JourneyMap) -> bytes:
    # A snapshot never changes: its name and date identify the picture.
    return map_export.to_png(_jm, lang)


def _today(cur: Any, filters: Filters, *, lang: str, notes_version: int) -> Any:
    # notes_version is part of the cache key only: a note saved bumps the data version.
    return journey_map.build_map(cur, filters, lang=lang)


# -- the panel -----------------------------------------------------------------------------------
def _controls(ctx: PageContext, names: list[str], saved: dict[str, Any],
              persona: str | None) -> None:
    ss = st.session_state
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.text_input(ctx.t("snap.name"), key=W_NAME, max_chars=120,
                  placeholder=ctx.t("snap.name_placeholder"), help=ctx.t("snap.name_help"))
    c2.button(ctx.t("snap.save"), key="snap_save", icon=":material/bookmark_add:",
              on_click=_save, args=(ctx.store, ctx.filters, ctx.lang, persona))
    msg = ss.pop(MESSAGE, None)
    if msg is not None:
        kind, text = msg
        if kind == "error":
            st.error(md(text), icon=":material/error:")
        else:
            key = "snap.saved" if kind == "saved" else "snap.removed"
            st.success(ctx.t(key, name=md(text)), icon=":material/check:")
    if not names:
        st.text(ctx.t("snap.none_yet"))
        return

    def label(name: str) -> str:
        if not name:
            return "—"
        return f"{name} · {i18n.fmt_date(saved.get(name), ctx.lang)}"

    d1, d2, d3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    d1.selectbox(ctx.t("snap.open"), ["", *names], key=W_OPEN, format_func=label)
    opened = ss.get(W_OPEN) or ""
    targets = ["", *[n for n in names if n != opened]]
    if ss.get(W_TO) not in targets:
        ss[W_TO] = ""  # the snapshot compared to is now the one open (or was removed)
    d2.selectbox(ctx.t("snap.to"), targets, key=W_TO,
                 format_func=lambda n: label(n) if n else ctx.t("snap.today"),
                 disabled=not opened)
    if opened:
        d3.button(ctx.t("snap.remove"), key="snap_remove", icon=":material/delete:",
                  on_click=_remove, args=(ctx.store, opened))


def panel(ctx: PageContext, persona: str | None) -> None:
    """Snapshot controls (not in workshop mode) and, for the snapshot open, what changed."""
    listed = ctx.store.snapshots()
    names = [str(n) for n in listed["name"]]
    saved = dict(zip(names, listed["saved_at"], strict=True))
    known = {"map_snapshot": ["", *names], "map_snapshot_to": ["", *names]}
    URL.read(known=known)
    url_notices(ctx, URL.notices())
    if not ctx.workshop:
        # Projected, the panel is only "what changed": no controls, so no "save" title.
        st.markdown(f"**{md(ctx.t('snap.title'))}**")
        _controls(ctx, names, saved, persona)
    values = URL.sanitize(URL.widget_values(), known=known)
    if values["map_snapshot_to"] == values["map_snapshot"]:
        values["map_snapshot_to"] = ""
    URL.write(values)
    name, to = values["map_snapshot"], values["map_snapshot_to"]
    if not name:
        if ctx.workshop:
            st.text(ctx.t("snap.none_open"))
        return
    snap = snapshots.load(ctx.store, name)
    if snap is None:  # removed meanwhile (another tab)
        return
    if to:
        other = snapshots.load(ctx.store, to)
        after = other.map if other is not None else None
    else:
        after = ctx.query(_today, filters=snap.filters, lang=snap.lang,
                          notes_version=ctx.data_version)
    if after is None:
        return
    heading = (ctx.t("snap.changed_to", name=name, to=to) if to
               else ctx.t("snap.changed_today", name=name))
    st.markdown(f"**{md(heading)}**")
    show_caption(ctx.caption(filters=snap.filters, n=snap.map.n, extra=ctx.t(
        "snap.saved_on", date=i18n.fmt_date(snap.saved_at, ctx.lang))))
    lanes = snapshots.changes(snap.map, after)
    if lanes.empty:
        st.info(ctx.t("map.moved_none"))
    else:
        shown = changes_frame(ctx, lanes)
        if ctx.workshop:
            show_table(ctx, shown)
        else:
            grey = list(~lanes["significant"].astype(bool))
            st.dataframe(shown.style.apply(
                lambda row: ["color: #9e9e9e" if grey[row.name] else "" for _ in row], axis=1),
                hide_index=True, width="stretch", key="snap_changes")
        st.caption(ctx.t("map.moved_note"))
        # One slide: the moves as bars with their margins (PNG), and every row as CSV.
        chart = change_charts.changes_chart(
            lanes, lang=ctx.lang, labels=ctx.stage_labels(), title=heading,
            caption=ctx.caption(filters=snap.filters, n=snap.map.n))
        if ctx.workshop:
            show_chart(ctx, chart)
        download_buttons(ctx, df=shown, chart=chart, name=f"parcours-changes-{name}")
    notes = snapshots.note_changes(snap.map, after)
    if not notes.empty:
        st.markdown(f"**{md(ctx.t('snap.notes_changed'))}**")
        for r in notes.to_dict(orient="records"):
            st.text(ctx.t("snap.note_line", stage=s_label(after, r["stage"]),
                          before=r["before"] or i18n.DASH, after=r["after"] or i18n.DASH))
    if ctx.workshop:
        return
    with st.expander(ctx.t("snap.readonly", name=md(name))):
        # The saved map drawn as its slide: rendered only when asked (a second or two).
        if st.toggle(ctx.t("snap.show_slide"), key="snap_show_slide"):
            st.image(_slide(snap.name, snap.saved_at.isoformat(), snap.lang, snap.map),
                     caption=md(ctx.t("snap.slide_caption", name=name)))
        show_table(ctx, snapshot_frame(ctx, snap.map))
        for s in snap.map.stages:
            if s.opportunity:
                st.text(i18n.labelled(s.label, s.opportunity, ctx.lang))
        row = st.container(horizontal=True, gap="small")
        for kind, mime, label in (("png", "image/png", "map.export_png"),
                                  ("svg", "image/svg+xml", "map.export_svg")):
            row.download_button(
                ctx.t(label),
                # Rendered only when clicked: vl-convert takes a second or two.
                data=lambda kind=kind: (map_export.to_png(snap.map, snap.lang) if kind == "png"
                                        else map_export.to_svg(snap.map, snap.lang).encode()),
                file_name=download_name("journey-map-snapshot", name, snap.lang, ext=kind),
                mime=mime, key=f"dl_snap_{kind}", icon=":material/download:",
                on_click="ignore",
            )
