"""Downloads that open cleanly in a spreadsheet and cannot run as one.

Two things go wrong with a naive `df.to_csv()` handed to a CX team:
- French Excel reads a BOM-less UTF-8 file as cp1252 ("Ã©" instead of "é") and splits on `;`;
  so the file starts with a UTF-8 BOM and, in French, uses `;` and a decimal comma.
- A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula
  (CSV injection): user text such as a touchpoint name or a verbatim must stay text, so such
  cells get a leading `'` (the OWASP recommendation). Real numbers are left alone.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value: Any) -> Any:
    """The value itself, or `'value` when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(df: pd.DataFrame, *, sep: str = ",", decimal: str = ".") -> bytes:
    """`df` as CSV bytes: UTF-8 with BOM, text cells and headers neutralised against formulas.

    `sep=";", decimal=","` gives what French Excel expects when the file is double-clicked.
    The index is not written (it is never meaningful in Parcours tables).
    """
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        # Only text-like columns can hold a formula; numeric ones keep their type so that
        # `decimal=` still applies and negative numbers stay numbers.
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            if pd.api.types.is_datetime64_any_dtype(series):
                continue
            out[col] = series.map(neutralise)
    text = out.to_csv(index=False, sep=sep, decimal=decimal, lineterminator="\r\n")
    return (BOM + text).encode("utf-8")
