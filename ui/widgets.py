"""Pieces every page draws the same way: escaped captions, empty states, downloads, and the
guard that turns an error into plain words."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import pandas as pd
import streamlit as st

from journey import i18n
from journey.db.store import StoreError
from journey.present.exports import safe_csv
from ui.filenames import MAX_CHARS, download_name, safe_stem
from ui.page import PageContext
from ui.store import as_store_error
from ui.url_state import Dropped

log = logging.getLogger("parcours.ui")


def date_format(lang: str) -> str:
    """st.date_input's format in the language: 31/01/2026 in French.

    The calendar itself cannot follow the app's language: Streamlit 1.67's st.date_input has
    no locale parameter, and its frontend takes month names and the first weekday from the
    browser (navigator.language). A French browser gets "mars", Monday first; an English one
    on the French UI keeps "March", Sunday first, and its hidden help text ("Choose date") is
    English in every browser. Upstream: streamlit/streamlit#12699 (locale parameter, open),
    #7865; #5215 made the week start follow the browser. Changing navigator.language from the
    app would need injected JavaScript, which Streamlit does not support (and st.html does not
    run). tests/browser/test_calendar_browser.py pins this behaviour."""
    return "DD/MM/YYYY" if lang == "fr" else "YYYY-MM-DD"


def caption(text: str) -> None:
    """A caption of plain text (it holds persona, stage and touchpoint names): escaped, so a
    name never renders as a link, an image or emphasis."""
    st.caption(i18n.md_escape(text))


def empty_state(ctx: PageContext, reason: Literal["no_data", "no_match"]) -> None:
    """A friendly panel instead of an empty chart, saying what to do next."""
    if reason == "no_data":
        st.info(ctx.t("shell.empty.no_data"), icon=":material/upload_file:")
        st.page_link("views/data.py", label=ctx.t("shell.empty.go_data"),
                     icon=":material/arrow_forward:")
    else:
        # The hint names the button as the sidebar shows it, in the same language.
        st.info(ctx.t("shell.empty.no_match", button=ctx.t("filter.reset")),
                icon=":material/filter_alt_off:")


def folded(ctx: PageContext, message: str, key: str) -> tuple[Any, bool]:
    """An expander labelled with the catalogue's `message` whose content is made only while
    it is open: keyed, it tells the server when it opens or closes (`on_change="rerun"`; the
    state is `st.session_state[key]`), so the page reads and sends what it holds only then.
    A plain expander's content is computed, sent and laid out by the browser on every run,
    folded or not. Returns (expander, open)."""
    box = st.expander(ctx.t(message), key=key, on_change="rerun")
    return box, bool(box.open)


@contextmanager
def guard(ctx: PageContext) -> Iterator[None]:
    """Turn any error inside into a plain-words message; the traceback goes to the log only.

    Streamlit's own control flow (st.rerun, st.stop) derives from BaseException and passes.
    """
    try:
        yield
    except StoreError as exc:
        st.error(i18n.md_escape(exc.text(ctx.lang, "app")), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - the point is to catch everything
        log.exception("Parcours page error")
        damaged = as_store_error(ctx.store.path, exc)
        if damaged is not None:
            # Every other part of the page reads the same file: say it once, stop there.
            st.error(i18n.md_escape(damaged.text(ctx.lang, "app")), icon=":material/error:")
            st.stop()
        st.error(ctx.t("shell.error", message=i18n.md_escape(_plain_error(exc))),
                 icon=":material/error:")


def page_over_data(ctx: PageContext, title_key: str, body: Callable[[PageContext], None]) -> None:
    """A page that needs journeys: its title, then `body` under `guard` (whatever goes wrong,
    the page explains it in words, never a traceback), or the no-data state."""
    st.title(ctx.t(title_key))
    with guard(ctx):
        if not ctx.has_data:
            empty_state(ctx, "no_data")
            return
        body(ctx)


def _plain_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def download_buttons(
    ctx: PageContext,
    *,
    df: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
    chart: Any | Callable[[], Any] | None = None,
    name: str,
    csv_label: str | None = None,
    files: Sequence[tuple[str, str, str, Callable[[], bytes]]] = (),
) -> None:
    """CSV (formula-safe, Excel-friendly) of `df` and PNG (offline, vl-convert) of `chart`
    (an Altair chart, or a function making it when the PNG is clicked);
    `csv_label` names the CSV button when a block offers more than one. `files` adds
    ready-made downloads as (label, extension, mime type, bytes maker): the maker runs only
    when the button is clicked (a slide takes vl-convert a second or two). `df` may be a
    function making the table: then its rows are read only when the CSV is clicked (the
    verbatim explorer's 5,000-row export was a query and a table on every run)."""
    if ctx.workshop:
        return  # no controls when projecting
    base = safe_stem(name, limit=MAX_CHARS - 4)  # room for ".csv" / ".png"
    row = st.container(horizontal=True, gap="small")
    if df is not None:
        sep, dec = (";", ",") if ctx.lang == "fr" else (",", ".")
        row.download_button(
            i18n.md_escape(csv_label) if csv_label else ctx.t("action.download_csv"),
            # Made when clicked: a formula-safe CSV of every row on every rerun was a
            # good part of a page's own time.
            data=lambda df=df, sep=sep, dec=dec: safe_csv(df() if callable(df) else df,
                                                          sep=sep, decimal=dec),
            file_name=download_name(base, ext="csv"),
            mime="text/csv",
            icon=":material/download:",
            key=f"dl_csv_{base}",
            on_click="ignore",
        )
    if chart is not None:
        # An Altair chart, or a function making it (made only when the PNG is clicked: a
        # chart with its title and caption is a copy of the whole chart, on every rerun).
        lazy = not hasattr(chart, "to_json") and callable(chart)

        def png() -> bytes:
            # Rendered only when clicked (on its own thread): the spec (Altair validates it
            # against the Vega-Lite schema, ~0.1 s a chart) and vl-convert (~0.5 s).
            import vl_convert

            made = chart() if lazy else chart
            return vl_convert.vegalite_to_png(made.to_json(), scale=2)

        row.download_button(
            ctx.t("action.download_png"),
            data=png,
            file_name=download_name(base, ext="png"),
            mime="image/png",
            icon=":material/image:",
            key=f"dl_png_{base}",
            on_click="ignore",
            disabled=not (lazy or hasattr(chart, "to_json")),
        )
    for label, ext, mime, make in files:
        row.download_button(
            i18n.md_escape(label), data=make, file_name=download_name(base, ext=ext), mime=mime,
            icon=":material/download:", key=f"dl_{ext}_{base}", on_click="ignore",
        )


_URL_NOTICE = {"unknown": "shell.url_unknown", "invalid": "shell.url_invalid",
               "clamped": "shell.url_clamped"}


def url_notices(ctx: PageContext, dropped: list[Dropped]) -> None:
    """Say which values of a link were not used as given: not in the data (a persona removed
    since the link was shared), not a value at all, or outside the data's dates."""
    for item in dropped:
        name = ctx.t(item.param.label) if item.param.label else item.param.key
        used = item.used
        if isinstance(used, dt.date):
            used = i18n.fmt_date(used, ctx.lang)
        elif isinstance(used, int):
            used = i18n.fmt_int(used, ctx.lang)
        st.warning(ctx.t(_URL_NOTICE[item.reason], name=i18n.md_escape(name),
                         value=i18n.md_escape(item.value[:80]), used=i18n.md_escape(used)),
                   icon=":material/link_off:")
