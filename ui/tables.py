"""Tables: a data grid on screen, an HTML table when projecting.

`st.dataframe` draws its cells on a canvas in a fixed small font that CSS cannot reach, so in
workshop mode the same frame is shown with `st.table` (HTML cells that ui/workshop.py sizes for
a projector), with the column labels and number formats the grid would have shown, and no more
rows than fit a slide.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from journey import i18n
from ui.page import PageContext

WORKSHOP_ROWS = 12  # a projected table is read, not scrolled


def _label(name: Any, config: Any) -> str:
    if isinstance(config, str):
        return config
    if isinstance(config, Mapping) and config.get("label"):
        return str(config["label"])
    return str(name)


def _cell(value: Any, lang: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "✓" if value else ""
    if isinstance(value, numbers.Integral) or (
            isinstance(value, numbers.Real) and float(value).is_integer()):
        return i18n.fmt_int(value, lang)
    if isinstance(value, numbers.Real):
        return i18n.fmt_num(value, lang)
    return str(value)


def projected(df: pd.DataFrame, lang: str,
              column_config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """What the projected table shows: hidden columns (config None) dropped, columns
    labelled as in the grid, numbers as text in the language, WORKSHOP_ROWS rows at most."""
    config = dict(column_config or {})
    keep = [c for c in df.columns if not (c in config and config[c] is None)]
    out = pd.DataFrame({
        _label(c, config.get(c)): [_cell(v, lang) for v in df[c].head(WORKSHOP_ROWS)]
        for c in keep
    })
    return out


def show_table(ctx: PageContext, df: pd.DataFrame, *,
               column_config: Mapping[str, Any] | None = None,
               height: int | str = "auto", key: str | None = None) -> None:
    """A table across the column: `st.dataframe` (index hidden), or in workshop mode an
    `st.table` large enough to read on a projector."""
    if ctx.workshop:
        st.table(projected(df, ctx.lang, column_config), hide_index=True)
        if len(df) > WORKSHOP_ROWS:
            st.caption(ctx.t("shell.table_cut", shown=i18n.fmt_int(WORKSHOP_ROWS, ctx.lang),
                             total=i18n.fmt_int(len(df), ctx.lang)))
        return
    st.dataframe(df, hide_index=True, width="stretch", height=height,
                 column_config=dict(column_config) if column_config else None, key=key,
                 placeholder=i18n.DASH)  # a missing value, not Python's "None"


def align_rows(*frames: pd.DataFrame, fill: str = "") -> list[pd.DataFrame]:
    """The frames with one index, in first-seen order, so tables shown side by side (a
    comparison's A and B) have the same row on the same line; a row a frame lacks is `fill`."""
    index: list[Any] = []
    for df in frames:
        index += [i for i in df.index if i not in index]
    return [df.reindex(index).fillna(fill) for df in frames]


def paired(a: pd.DataFrame, b: pd.DataFrame, *, mark: str = "",
           arrow: str = " → ") -> pd.DataFrame:
    """Two tables of text cells as one, each cell "a → b": the rows and columns of both, in
    first-seen order, so a comparison's two sides are read on the same line. A cell either side
    flags with `mark` (a suffix) carries it once, at the end; a missing side is a dash."""
    a, b = align_rows(a, b)
    columns = list(dict.fromkeys([*a.columns, *b.columns]))
    # object first: an all-number column can hold the "" of a missing cell.
    a = a.reindex(columns=columns).astype(object).fillna("")
    b = b.reindex(columns=columns).astype(object).fillna("")

    def cell(x: Any, y: Any) -> str:
        x, y = str(x), str(y)
        flagged = bool(mark) and (x.endswith(mark) or y.endswith(mark))
        if mark:
            x, y = x.removesuffix(mark), y.removesuffix(mark)
        if not x and not y:
            return ""
        return f"{x or i18n.DASH}{arrow}{y or i18n.DASH}" + (mark if flagged else "")

    return pd.DataFrame({c: [cell(x, y) for x, y in zip(a[c], b[c], strict=True)]
                         for c in columns}, index=a.index)
