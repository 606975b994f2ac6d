"""What every page reads first: the store, the active filters, the language.

Pages call `get_context()` and then only talk to `journey/` through `ctx.query(...)`, so that
every result is cached by (function, filters, data version, arguments): an import, a removal or
an edit bumps the store's data version and every page shows the new data on its next run.

The shell (app.py + ui/sidebar.py) builds the context once per script run, before the page
runs; a page executed on its own (tests) gets one built from the URL alone.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics.filter_options import filter_options
from journey.analytics.filters import Filters
from journey.db.store import DEFAULT_DB, Store, StoreError
from journey.present.exports import safe_csv

log = logging.getLogger("parcours.ui")

CTX_KEY = "_parcours_ctx"


# -- the store ---------------------------------------------------------------------------
def db_path() -> str:
    """The DuckDB file this app serves: $PARCOURS_DB, else data/parcours.duckdb."""
    return str(Path(os.environ.get("PARCOURS_DB") or DEFAULT_DB).resolve())


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    # One connection per process and file: DuckDB allows a single writer process, and a
    # cursor per rerun is cheap. A failure is not cached, so fixing the file and reloading
    # the page retries.
    return Store(path)


@st.cache_resource(show_spinner=False)
def _demo_lock(path: str) -> threading.Lock:
    # Two browser tabs opening an empty store at once must not both load the demo.
    return threading.Lock()


def open_store() -> Store:
    """The app's Store; raises StoreError (plain words) when the file cannot be used."""
    return _open_store(db_path())


# -- facts about the store, cached by data version -------------------------------------
@st.cache_data(show_spinner=False, max_entries=64)
def _facts(path: str, data_version: int, _store: Store) -> dict[str, Any]:
    from journey.ingest import demo

    cur = _store.cursor()
    try:
        options = filter_options(cur)
    finally:
        cur.close()
    return {
        "options": options,
        "stages_df": _store.stages(),
        "is_demo": demo.is_demo(_store),
        "empty": _store.is_empty(),
        "conversion_stage": _store.get_setting("conversion_stage", "purchase") or "purchase",
    }


def store_facts(store: Store) -> dict[str, Any]:
    """Filter options, stage labels, demo flag, emptiness: recomputed only after a write."""
    return _facts(str(store.path), store.data_version, store)


def demo_autoload_enabled(store: Store) -> bool:
    # Off once the user removed the demo (else it would come back at once), or by env for
    # tests and servers that must start empty.
    if os.environ.get("PARCOURS_DEMO", "1").lower() in ("0", "false", "no", "off"):
        return False
    return (store.get_setting("demo_autoload", "on") or "on") != "off"


def demo_customers() -> int:
    try:
        return max(1, int(os.environ.get("PARCOURS_DEMO_CUSTOMERS", "5000")))
    except ValueError:
        return 5000


def load_demo_if_empty(store: Store) -> bool:
    """Load the demo into an empty store (once per process). True when it loaded now."""
    from journey.ingest import demo

    with _demo_lock(str(store.path)):
        if not store.is_empty() or demo.is_demo(store):
            return False
        try:
            demo.load_sample(store, customers=demo_customers())
        except StoreError:
            return False  # another process loaded it meanwhile
        return True


# -- translation helpers ----------------------------------------------------------------
def tr(key: str, lang: str, **kw: Any) -> str:
    return i18n.t(key, lang, **kw)


# -- the page context ---------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PageContext:
    store: Store
    filters: Filters
    lang: Literal["en", "fr"]
    data_version: int
    workshop: bool
    is_demo: bool

    def t(self, key: str, **kw: Any) -> str:
        """The message `key` in the page's language."""
        return i18n.t(key, self.lang, **kw)

    # A context lives for one script run: the store facts and stage labels are looked up once
    # per run, not per call (a page asks for hundreds of labels; each store_facts() call costs
    # a data-version query and a cache lookup).
    @cached_property
    def _facts(self) -> dict[str, Any]:
        return store_facts(self.store)

    @property
    def stages_df(self) -> pd.DataFrame:
        """Stages in order with their labels (cached by data version)."""
        return self._facts["stages_df"]

    @property
    def has_data(self) -> bool:
        """False for a store with no events, responses or customers (show "no_data")."""
        return not self._facts["empty"]

    @property
    def options(self) -> dict[str, Any]:
        """Values present in the store: personas, stages, touchpoints, channels, devices..."""
        return self._facts["options"]

    @cached_property
    def _labels(self) -> dict[str, str]:
        df = self.stages_df
        return {str(s): i18n.stage_label(str(s), self.lang, df) for s in df["stage"]}

    def stage_label(self, stage: str | None) -> str:
        if stage is None or (not isinstance(stage, str) and pd.isna(stage)):
            return self.t("shell.no_stage")
        label = self._labels.get(str(stage))
        return label if label is not None else i18n.stage_label(str(stage), self.lang,
                                                                self.stages_df)

    def stage_labels(self) -> dict[str, str]:
        """{stage key: label} for every stage, for chart builders' `labels=`."""
        return {s: self.stage_label(s) for s in self.stages_df["stage"]}

    def query(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """`fn(cursor, filters, **kwargs)`, cached by (fn, filters, data version, kwargs).

        Pass `filters=` to run with other filters than the sidebar's (drill-down, comparison).
        """
        filters = kwargs.pop("filters", self.filters)
        return _cached_query(
            str(self.store.path),
            self.data_version,
            f"{fn.__module__}.{fn.__qualname__}",
            repr(filters),
            repr(sorted(kwargs.items())),
            _fn=fn,
            _store=self.store,
            _filters=filters,
            _kwargs=kwargs,
        )

    def caption(self, n: int | None = None, extra: str | None = None) -> str:
        """Active filters and n, in words: what a screenshot of the chart shows."""
        return describe_filters(self.filters, self.lang, self.stage_label, n=n, extra=extra)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(
    path: str,
    data_version: int,
    fn_key: str,
    filters_key: str,
    kwargs_key: str,
    *,
    _fn: Callable[..., Any],
    _store: Store,
    _filters: Filters,
    _kwargs: dict[str, Any],
) -> Any:
    # The underscored arguments are not hashed: the string keys above identify the call.
    cur = _store.cursor()
    try:
        return _fn(cur, _filters, **_kwargs)
    finally:
        cur.close()


def describe_filters(
    filters: Filters,
    lang: str,
    stage_label: Callable[[str], str] | None = None,
    *,
    n: int | None = None,
    extra: str | None = None,
) -> str:
    """'Persona: Busy parent · Stages: Purchase · From Jan 1, 2026 · n = 1,234'."""
    return filters.describe(lang, stage_label, n=n, extra=extra)


def clear_context() -> None:
    """Called by app.py first thing: a context is only valid for the run that built it."""
    st.session_state.pop(CTX_KEY, None)


def set_context(ctx: PageContext) -> None:
    """Called by the shell before the page runs."""
    st.session_state[CTX_KEY] = ctx


def get_context() -> PageContext:
    """The context of this run (built by app.py); pages call this first."""
    ctx = st.session_state.get(CTX_KEY)
    if isinstance(ctx, PageContext):
        return ctx
    # A page run on its own (not through app.py): filters and language from the URL only.
    from ui.sidebar import context_from_url

    try:
        store = open_store()
    except StoreError as exc:
        st.error(str(exc))
        st.stop()
    ctx = context_from_url(store)
    set_context(ctx)
    return ctx


# -- shared page pieces -------------------------------------------------------------------
def empty_state(ctx: PageContext, reason: Literal["no_data", "no_match"]) -> None:
    """A friendly panel instead of an empty chart, saying what to do next."""
    if reason == "no_data":
        st.info(ctx.t("shell.empty.no_data"), icon=":material/upload_file:")
        try:
            st.page_link("views/data.py", label=ctx.t("shell.empty.go_data"),
                         icon=":material/arrow_forward:")
        except Exception:  # noqa: BLE001 - a page run without navigation has no link target
            pass
    else:
        st.info(ctx.t("shell.empty.no_match"), icon=":material/filter_alt_off:")


def mirror_in_url(values: dict[str, str | None]) -> None:
    """Write a page's own controls into the URL so a copied link reopens them.

    A None value (the default, or a control that does not apply) removes its key, which keeps
    links short; keys not named here (the shell's filters, other pages') are never touched."""
    qp = st.query_params
    for key, value in values.items():
        if value is None:
            if key in qp:
                del qp[key]
        elif qp.get(key) != value:
            qp[key] = value


def show_chart(ctx: PageContext, chart: Any) -> None:
    """An Altair chart across the column; in workshop mode with projector-sized fonts."""
    if ctx.workshop:
        from ui.workshop import big_chart

        chart = big_chart(chart)
    # st.altair_chart validates the whole spec against the Vega-Lite schema on every run
    # (~0.1 s a chart). Our builders make valid specs (tests validate them), so convert it
    # the same way Streamlit does, without the validation, and draw the resulting spec.
    try:
        spec = vega_spec(chart)
    except (AttributeError, ImportError):  # another Streamlit without those internals
        st.altair_chart(chart, width="stretch")
        return
    st.vega_lite_chart(spec, width="stretch")


def vega_spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite dict st.altair_chart would draw for `chart` (no theme, data as Arrow
    datasets), without re-validating it against the schema."""
    import altair as alt
    from streamlit.elements import vega_charts as vc

    datasets: dict[str, Any] = {}
    alt.data_transformers.register("to_arrow_dataset", vc._to_arrow_dataset)
    # Same global settings as Streamlit, under its lock (themes/transformers are global).
    with vc._altair_globals_lock:
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with theme, alt.data_transformers.enable("to_arrow_dataset", datasets=datasets):
            spec = chart.to_dict(validate=False)
    existing = spec.get("datasets")
    spec["datasets"] = {**existing, **datasets} if isinstance(existing, dict) else datasets
    return spec


@contextmanager
def guard(ctx: PageContext) -> Iterator[None]:
    """Turn any error inside into a plain-words message; the traceback goes to the log only.

    Streamlit's own control flow (st.rerun, st.stop) derives from BaseException and passes.
    """
    try:
        yield
    except StoreError as exc:
        st.error(str(exc), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - the point is to catch everything
        log.exception("Parcours page error")
        st.error(ctx.t("shell.error", message=_plain_error(exc)), icon=":material/error:")


def _plain_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _safe_name(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.strip())
    return keep.strip("-") or "parcours"


def download_buttons(
    ctx: PageContext,
    *,
    df: pd.DataFrame | None = None,
    chart: Any | None = None,
    name: str,
) -> None:
    """CSV (formula-safe, Excel-friendly) of `df` and PNG (offline, vl-convert) of `chart`."""
    if ctx.workshop:
        return  # no controls when projecting
    base = _safe_name(name)
    row = st.container(horizontal=True, gap="small")
    if df is not None:
        sep, dec = (";", ",") if ctx.lang == "fr" else (",", ".")
        row.download_button(
            ctx.t("action.download_csv"),
            data=safe_csv(df, sep=sep, decimal=dec),
            file_name=f"{base}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"dl_csv_{base}",
            on_click="ignore",
        )
    if chart is not None:
        def png() -> bytes:
            # Rendered only when clicked (on its own thread): the spec (Altair validates it
            # against the Vega-Lite schema, ~0.1 s a chart) and vl-convert (~0.5 s).
            import vl_convert

            return vl_convert.vegalite_to_png(chart.to_json(), scale=2)

        row.download_button(
            ctx.t("action.download_png"),
            data=png,
            file_name=f"{base}.png",
            mime="image/png",
            icon=":material/image:",
            key=f"dl_png_{base}",
            on_click="ignore",
            disabled=not hasattr(chart, "to_json"),
        )
