"""The caption under every chart: the active filters and n, in words.

Plain text, not Markdown: it also goes into PNG titles and downloads. Pages show it with
`ui.widgets.caption`, which escapes it (persona and touchpoint names are user data).
"""

from __future__ import annotations

from collections.abc import Callable

from journey.analytics.filters import Filters


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
