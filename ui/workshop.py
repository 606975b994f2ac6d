"""Workshop mode (`?workshop=1`): a clean view for projecting: no controls, larger text.

Only fixed CSS goes into HTML here; no user text ever does. Streamlit draws a metric's value,
a `st.text` line and a caption with their own font sizes (a metric value is a markdown `<p>`
inside `stMetricValue`), so each gets its own rule, more specific than the generic `p` rule.
Charts are drawn by Vega/ECharts, out of CSS's reach: `big_chart` enlarges their fonts.
"""

from __future__ import annotations

from typing import Any

MAIN = "[data-testid='stMain']"

_RULES = (
        # Running text: markdown, lists, widget labels, st.text lines, page links, expanders.
        ("[data-testid='stMarkdownContainer'] p, [data-testid='stMarkdownContainer'] li",
         "font-size: 1.35rem; line-height: 1.45;"),
        ("label, label p", "font-size: 1.2rem;"),
        ("[data-testid='stText'], [data-testid='stText'] *",
         "font-size: 1.35rem; line-height: 1.45;"),
        ("[data-testid='stPageLink'] p", "font-size: 1.2rem;"),
        ("[data-testid='stExpander'] summary p", "font-size: 1.3rem;"),
        ("[data-testid='stAlertContainer'] p", "font-size: 1.25rem;"),
        # Headings.
        ("h1", "font-size: 3.4rem;"),
        ("h2", "font-size: 2.5rem;"),
        ("h3", "font-size: 2.1rem;"),
        # Metric tiles: label, value (its own <p>), delta.
        ("[data-testid='stMetricLabel'], [data-testid='stMetricLabel'] p",
         "font-size: 1.35rem;"),
        ("[data-testid='stMetricValue'], [data-testid='stMetricValue'] p, "
         "[data-testid='stMetricValue'] div", "font-size: 3.4rem; line-height: 1.15;"),
        ("[data-testid='stMetricDelta'], [data-testid='stMetricDelta'] p, "
         "[data-testid='stMetricDelta'] div", "font-size: 1.2rem;"),
        # Captions under charts (what a screenshot shows).
        ("[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] p",
         "font-size: 1.15rem;"),
        # HTML tables (st.table).
        ("[data-testid='stTable'] td, [data-testid='stTable'] th", "font-size: 1.2rem;"),
)
# Every selector of a list scoped to the main area (the rules' order then decides: a metric's
# value <p> is also a markdown <p>, and its rule comes later).
CSS = "".join(
    ", ".join(f"{MAIN} {part.strip()}" for part in sel.split(",")) + f" {{ {rule} }}"
    for sel, rule in _RULES
)

STYLE = f"<style>{CSS}</style>"

# Vega-Lite config for a projector: axis, legend, title and text-mark fonts.
_AXIS = {"labelFontSize": 16, "titleFontSize": 17}
_LEGEND = {"labelFontSize": 16, "titleFontSize": 16, "symbolSize": 160}
_TITLE = {"fontSize": 22, "subtitleFontSize": 16}


def big_chart(chart: Any) -> Any:
    """An Altair chart with fonts large enough for a projector (a copy; the input is kept)."""
    try:
        return (chart.configure_axis(**_AXIS).configure_legend(**_LEGEND)
                .configure_title(**_TITLE).configure_text(fontSize=15))
    except Exception:  # noqa: BLE001 - a chart that cannot take config is shown as it is
        return chart


def big_echarts(option: dict[str, Any]) -> dict[str, Any]:
    """An ECharts option with larger label, tooltip and title fonts (a shallow copy)."""
    out = dict(option)
    series = []
    for s in out.get("series") or []:
        s = dict(s)
        label = dict(s.get("label") or {})
        label["fontSize"] = max(int(label.get("fontSize") or 12), 16)
        s["label"] = label
        series.append(s)
    if series:
        out["series"] = series
    title = out.get("title")
    if isinstance(title, dict):
        title = dict(title)
        title["textStyle"] = {**(title.get("textStyle") or {}), "fontSize": 22}
        title["subtextStyle"] = {**(title.get("subtextStyle") or {}), "fontSize": 15}
        out["title"] = title
    return out
