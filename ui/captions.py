"""The caption under every chart: the active filters and n, in words.

Plain text, not Markdown: it also goes into PNG titles and downloads. Pages show it with
`ui.widgets.caption`, which escapes it (persona and touchpoint names are user data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from journey import i18n
from journey.analytics.filters import Filters


def _short_list(values: Sequence[str], limit: int = 4) -> str:
    # A caption must fit under a chart: a long list keeps its first items and a count.
    values = list(values)
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[:limit]) + f" +{len(values) - limit}"


def describe_filters(
    filters: Filters,
    lang: str,
    stage_label: Callable[[str], str] | None = None,
    *,
    n: int | None = None,
    extra: str | None = None,
) -> str:
    """'Persona: Busy parent · Stages: Purchase · From Jan 1, 2026 · n = 1,234'."""
    def t(key: str, **kw: object) -> str:
        return i18n.t(key, lang, **kw)

    label = stage_label or (lambda s: i18n.stage_label(s, lang))
    parts: list[str] = []
    for key, values in (("personas", filters.personas),
                        ("stages", [label(s) for s in filters.stages]),
                        ("touchpoints", filters.touchpoints), ("channels", filters.channels),
                        ("devices", filters.devices)):
        if values:
            parts.append(t(f"shell.caption.{key}", values=_short_list(values)))
    since = i18n.fmt_date(filters.since, lang) if filters.since else None
    until = i18n.fmt_date(filters.until, lang) if filters.until else None
    if since and until:
        parts.append(t("shell.caption.between", since=since, until=until))
    elif since:
        parts.append(t("shell.caption.since", since=since))
    elif until:
        parts.append(t("shell.caption.until", until=until))
    if filters.includes:
        parts.append(t("shell.caption.includes", values=_short_list(filters.includes)))
    if filters.outcome in ("converted", "dropped_off"):
        parts.append(t(f"shell.caption.{filters.outcome}"))
    if not parts:
        parts.append(t("shell.caption.everyone"))
    if extra:
        parts.append(extra)
    if n is not None:
        parts.append(t("shell.caption.n", n=i18n.fmt_int(n, lang)))
    return " · ".join(parts)
