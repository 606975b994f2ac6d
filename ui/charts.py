"""Drawing an Altair chart: projector-sized in workshop mode, without re-validating its spec."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import streamlit as st

from ui.page import PageContext
from ui.workshop import big_chart, big_spec


def show_chart(ctx: PageContext, chart: Any) -> None:
    """An Altair chart across the column; in workshop mode with projector-sized fonts."""
    # st.altair_chart validates the whole spec against the Vega-Lite schema on every run
    # (~0.1 s a chart). Our builders make valid specs (tests validate them), so convert it
    # the same way Streamlit does, without the validation, and draw the resulting spec.
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
