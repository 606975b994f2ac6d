"""Results made comparable with ==: NaN != NaN, and frames compare as their records."""

from __future__ import annotations

from typing import Any

import pandas as pd


def comparable(x: Any) -> Any:
    """`x` with every NaN as "nan" and every DataFrame as its list of records, recursively."""
    if isinstance(x, pd.DataFrame):
        return comparable(x.to_dict("records"))
    if isinstance(x, float) and x != x:
        return "nan"
    if isinstance(x, dict):
        return {k: comparable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [comparable(v) for v in x]
    return x
