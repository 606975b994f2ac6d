"""Drawing an Altair chart: projector-sized in workshop mode, without re-validating its spec;
`cached_chart` builds a chart once per distinct input and `show_chart` converts it once."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import streamlit as st

from ui.page import PageContext
from ui.workshop import big_chart, big_spec

# Vega-Lite specs of the charts `cached_chart` returned, by the chart object's id (the chart is
# kept here too, so its id cannot be reused while the entry lives).
_SPECS: OrderedDict[int, tuple[Any, dict[str, Any]]] = OrderedDict()
_SPECS_LOCK = threading.Lock()
_MAX_SPECS = 128


@st.cache_resource(show_spinner=False, max_entries=_MAX_SPECS)
def _built(name: str, _builder: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # cache_resource: the same chart object on every hit (no pickling), read-only afterwards
    # (drawing converts it; a title for the PNG makes a new chart).
    chart = _builder(*args, **kwargs)
    try:
        spec = vega_spec(chart)
    except (AttributeError, ImportError):  # another Streamlit without those internals
        return chart
    with _SPECS_LOCK:
        _SPECS[id(chart)] = (chart, spec)
        while len(_SPECS) > _MAX_SPECS:
            _SPECS.popitem(last=False)
    return chart


def cached_chart(builder: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`builder(*args, **kwargs)` (an Altair chart builder of journey/present), built once per
    distinct input in this process, its Vega-Lite spec converted once: building and converting
    an Altair chart is ~0.1-0.3 s of every rerun that draws it, which a rerun with the same
    data (another widget, a page switch back) need not pay again. The inputs are hashed like
    `st.cache_data`'s (DataFrames by content), so a new query result makes a new chart."""
    return _built(f"{builder.__module__}.{builder.__qualname__}", builder, *args, **kwargs)


def _known_spec(chart: Any) -> dict[str, Any] | None:
    with _SPECS_LOCK:
        hit = _SPECS.get(id(chart))
        if hit is None or hit[0] is not chart:
            return None
        _SPECS.move_to_end(id(chart))
    # Streamlit takes the datasets out of the spec it is given: draw a copy.
    return copy.deepcopy(hit[1])


def show_chart(ctx: PageContext, chart: Any) -> None:
    """An Altair chart across the column; in workshop mode with projector-sized fonts."""
    # st.altair_chart validates the whole spec against the Vega-Lite schema on every run
    # (~0.1 s a chart). Our builders make valid specs (tests validate them), so convert it
    # the same way Streamlit does, without the validation, and draw the resulting spec.
    spec = _known_spec(chart)
    if spec is None:
        try:
            spec = vega_spec(chart)
        except (AttributeError, ImportError):  # another Streamlit without those internals
            st.altair_chart(big_chart(chart) if ctx.workshop else chart, width="stretch")
            return
    st.vega_lite_chart(big_spec(spec) if ctx.workshop else spec, width="stretch")


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
