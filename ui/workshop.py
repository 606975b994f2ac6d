"""Workshop mode (`?workshop=1`): a clean view for projecting: no controls, larger text.

Sized for a 1920 × 1080 projector read from the back of a room (about 5 m): running text
at 1.35rem (~22 px), headings and metric values much larger, nothing under ~18 px.

Only fixed CSS goes into HTML here; no user text ever does. Streamlit draws a metric's value,
a `st.text` line and a caption with their own font sizes (a metric value is a markdown `<p>`
inside `stMetricValue`), so each gets its own rule, more specific than the generic `p` rule.
Charts are drawn by Vega/ECharts, out of CSS's reach: `big_spec` and `big_echarts` scale the
font sizes inside their specs. Tables are shown with `st.table` in workshop mode (ui/tables.py),
whose HTML cells CSS can size (st.dataframe draws on a canvas).
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
        # HTML tables (st.table): what st.dataframe becomes when projecting.
        ("[data-testid='stTable'] td, [data-testid='stTable'] th, "
         "[data-testid='stTable'] td *, [data-testid='stTable'] th *",
         "font-size: 1.25rem; line-height: 1.4;"),
        # What the controls that remain show (a selected value, a slider's number).
        ("[data-baseweb='select'] div, [data-testid='stSliderThumbValue'], "
         "[data-testid='stSliderTickBarMin'], [data-testid='stSliderTickBarMax'], "
         "[data-testid='stBaseButton-segmented_control'] p, "
         "[data-testid='stBaseButton-segmented_controlActive'] p",
         "font-size: 1.2rem;"),
        # Less empty space above the first line: the page tabs sit in the header.
        ("[data-testid='stMainBlockContainer']", "padding-top: 4.5rem;"),
)
# Every selector of a list scoped to the main area (the rules' order then decides: a metric's
# value <p> is also a markdown <p>, and its rule comes later).
CSS = "".join(
    ", ".join(f"{MAIN} {part.strip()}" for part in sel.split(",")) + f" {{ {rule} }}"
    for sel, rule in _RULES
)

# Outside the main area: the page tabs in the header, and no sidebar (nor its toggle) at all.
SHELL_CSS = (
    "[data-testid='stTopNav'] a, [data-testid='stTopNav'] a span, "
    "[data-testid='stTopNav'] a p { font-size: 1.25rem; }"
    "[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'], "
    "[data-testid='stExpandSidebarButton'] { display: none !important; }"
)

STYLE = f"<style>{CSS}{SHELL_CSS}</style>"

# Vega-Lite config for a projector: axis, legend, title and text-mark fonts.
_AXIS = {"labelFontSize": 18, "titleFontSize": 19}
_LEGEND = {"labelFontSize": 18, "titleFontSize": 18, "symbolSize": 180}
_TITLE = {"fontSize": 24, "subtitleFontSize": 18}
FONT_FACTOR = 1.7  # every font size a chart sets itself
MIN_FONT = 18  # px: no chart text smaller than this on a projector
_FONT_KEYS = {"fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize",
              "symbolSize"}
_OFFSET_KEYS = {"dx", "dy", "labelPadding", "titlePadding", "offset"}
_DATA_KEYS = {"data", "datasets", "values"}  # rows of data are never rescaled


def _scaled(value: Any, key: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if key == "symbolSize":
        return value * FONT_FACTOR ** 2  # an area
    if key in _OFFSET_KEYS:
        return round(value * FONT_FACTOR, 1)
    return max(round(value * FONT_FACTOR, 1), MIN_FONT)


def _walk(node: Any, *, step: float) -> Any:
    if isinstance(node, list):
        return [_walk(v, step=step) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DATA_KEYS:
            out[key] = value
        elif key in _FONT_KEYS or key in _OFFSET_KEYS:
            out[key] = _scaled(value, key)
        elif key == "step" and isinstance(value, int | float) and step != 1:
            out[key] = round(value * step, 1)  # a bar's band grows with its label
        else:
            out[key] = _walk(value, step=step)
    return out


def big_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A Vega-Lite spec (dict) with every font FONT_FACTOR times larger (at least MIN_FONT),
    text offsets and bar steps grown to match, and projector defaults for what it leaves
    unset. A new dict; the data is untouched."""
    out = _walk(spec, step=FONT_FACTOR * 0.85)
    config = dict(out.get("config") or {})
    for part, sizes in (("axis", _AXIS), ("legend", _LEGEND), ("title", _TITLE),
                        ("text", {"fontSize": MIN_FONT + 1}),
                        ("header", {"labelFontSize": 18, "titleFontSize": 19})):
        config[part] = {**sizes, **(config.get(part) or {})}
    out["config"] = config
    return out


def big_chart(chart: Any) -> Any:
    """An Altair chart with fonts large enough for a projector (a copy; the input is kept).
    Only for a Streamlit whose internals `ui.charts.vega_spec` cannot use."""
    try:
        return (chart.configure_axis(**_AXIS).configure_legend(**_LEGEND)
                .configure_title(**_TITLE).configure_text(fontSize=MIN_FONT + 1))
    except Exception:  # noqa: BLE001 - a chart that cannot take config is shown as it is
        return chart


def big_echarts(option: dict[str, Any]) -> dict[str, Any]:
    """An ECharts option with every font FONT_FACTOR times larger (at least MIN_FONT), and
    series labels that set none given MIN_FONT (a new dict)."""
    out = _walk(option, step=1)
    series = []
    for s in out.get("series") or []:
        s = dict(s)
        label = dict(s.get("label") or {})
        label.setdefault("fontSize", MIN_FONT)
        s["label"] = label
        series.append(s)
    if series:
        out["series"] = series
    return out
