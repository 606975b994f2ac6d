"""The page context: what every page's `render(ctx)` receives from the shell.

app.py settles the store, the filters and the language (ui/sidebar.py), publishes one
`PageContext` for this script run, then runs the page; the page file calls
`render(current_context())`. Pages talk to `journey/` through `ctx.query(...)`, so every
result is cached by (function, filters, data version, arguments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics.filters import Filters
from journey.db.store import Store
from ui.captions import describe_filters
from ui.store import cached_query, stage_labels, store_facts

_CTX_KEY = "_parcours_ctx"


@dataclass(frozen=True, eq=False)
class PageContext:
    """One script run's store, filters, language and mode."""

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
    def responses(self) -> int:
        """Survey answers in the store, whatever the filters."""
        return int(self._facts["responses"])

    @property
    def options(self) -> dict[str, Any]:
        """Values present in the store: personas, stages, touchpoints, channels, devices..."""
        return self._facts["options"]

    @cached_property
    def _labels(self) -> dict[str, str]:
        return stage_labels(self.store, self.lang, self.data_version)

    def stage_label(self, stage: str | None) -> str:
        """A stage's label in the page's language ("No stage" for a missing one)."""
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
        return cached_query(self.store, self.data_version, fn, filters, kwargs)

    def caption(self, n: int | None = None, extra: str | None = None,
                filters: Filters | None = None) -> str:
        """Active filters and n, in words (plain text): what a screenshot of the chart shows."""
        return describe_filters(filters or self.filters, self.lang, self.stage_label, n=n,
                                extra=extra)


def clear_context() -> None:
    """Called by app.py first thing: a context is only valid for the run that built it."""
    st.session_state.pop(_CTX_KEY, None)


def publish_context(ctx: PageContext) -> None:
    """Called by the shell before the page runs."""
    st.session_state[_CTX_KEY] = ctx


def current_context() -> PageContext:
    """The context app.py built for this run; a page file passes it to its `render`."""
    ctx = st.session_state.get(_CTX_KEY)
    if not isinstance(ctx, PageContext):
        # Pages are run by st.navigation in app.py, never on their own: without the shell
        # there are no filters, no language and no store to show.
        raise RuntimeError("Parcours pages run through app.py: streamlit run app.py")
    return ctx
