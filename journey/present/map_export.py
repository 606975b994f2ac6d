"""The journey map as one slide: a Vega-Lite spec, PNG/SVG (vl-convert, offline), HTML.

Layout (top to bottom, one column per stage, lane names in the left margin): title and
subtitle (filters, date range, n), the stage header row, then the lanes — touchpoints,
customers and conversion, the emotion curve with its margin band, pain points with the
customers' words, the team's opportunities, channel and device mix.

Vega has no text wrapping, so long texts are wrapped and cut here, to the column width.
User text (touchpoint names, comments, notes) is drawn by Vega as text, never HTML; the HTML
export escapes every string it writes itself and inlines the SVG (whose text vl-convert
writes as escaped XML).
"""

from __future__ import annotations

import html
import re
import textwrap
from typing import Any

from journey import i18n
from journey.analytics.journey_map import JourneyMap, StageColumn
from journey.analytics.stats import SMALL_SAMPLE

# 16:9 slide at scale 1; PNG pixels = these × scale.
SLIDE_W, SLIDE_H = 1920, 1080
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 210, 24, 18, 18
PLOT_W = SLIDE_W - PAD_LEFT - PAD_RIGHT
SPACING = 8

FONT = "Liberation Sans, DejaVu Sans, Arial, sans-serif"
INK, MUTED = "#1f2933", "#52606d"
HEADER_BG = "#243b53"
LANE_BG = {
    "touchpoints": "#eef2f7",
    "customers": "#eef2f7",
    "pain": "#fdecea",
    "opportunities": "#e8f5e9",
    "mix": "#f3f0fa",
}
CURVE = "#2563eb"

# Lane heights in pixels; the pain-point lane takes what is left of the slide.
TITLE_H, HEADER_H, TP_H, CUST_H, CURVE_H, OPP_H, MIX_H = 74, 54, 118, 72, 176, 128, 92
N_VIEWS = 8


def _t(key: str, lang: str, **kw: Any) -> str:
    return i18n.t(key, lang, **kw)


def _signed(x: float | None, lang: str) -> str:
    if x is None:
        return i18n.DASH
    text = i18n.fmt_num(x, lang, 0)
    return text if text.startswith("-") or text == "0" else "+" + text


def _wrap(text: str, chars: int, max_lines: int) -> list[str]:
    """Wrap to `chars` a line, at most `max_lines` lines, an ellipsis where cut."""
    # Newlines and tabs in user text become spaces; no-break spaces stay (they hold).
    text = re.sub(r"[ \t\r\n\f\v]+", " ", str(text)).strip()
    if not text:
        return []
    lines = textwrap.wrap(text, width=max(chars, 8), break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[: max(chars - 1, 1)].rstrip() + "…") if last else "…"
    return lines


class _Layout:
    """Per-map measurements: the column width decides how many characters fit a line."""

    def __init__(self, n_stages: int) -> None:
        self.n = max(n_stages, 1)
        self.col_w = PLOT_W / self.n
        fixed = TITLE_H + HEADER_H + TP_H + CUST_H + CURVE_H + OPP_H + MIX_H
        self.pain_h = SLIDE_H - PAD_TOP - PAD_BOTTOM - fixed - SPACING * (N_VIEWS - 1)

    def chars(self, font_px: float) -> int:
        # ~0.52 em per character for Liberation Sans at mixed case; 20 px of inner padding.
        return int((self.col_w - 20) / (font_px * 0.52))


def _stage_order(jm: JourneyMap) -> list[str]:
    return [s.label for s in jm.stages]


def _x(order: list[str], *, band: bool = True) -> dict[str, Any]:
    scale: dict[str, Any] = (
        {"type": "band", "paddingInner": 0.04, "paddingOuter": 0.02, "domain": order}
        if band else {"type": "point", "padding": 0.5, "domain": order}
    )
    enc: dict[str, Any] = {
        "field": "label", "type": "ordinal", "scale": scale, "axis": None, "sort": order,
    }
    return enc


def _lane_view(
    name: str,
    height: float,
    rows: list[dict[str, Any]],
    order: list[str],
    *,
    fill: str,
    font_px: float = 14,
    color: str = INK,
    title: str,
    weight: str = "normal",
) -> dict[str, Any]:
    """One lane: a rounded cell per stage with left-aligned multi-line text."""
    text_x = dict(_x(order), bandPosition=0)
    return {
        "name": name,
        "height": height,
        "width": PLOT_W,
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "rect", "fill": fill, "cornerRadius": 6},
                "encoding": {"x": _x(order)},
            },
            {
                "mark": {
                    "type": "text", "align": "left", "baseline": "top", "dx": 10, "dy": 8,
                    "lineBreak": "\n", "fontSize": font_px, "lineHeight": font_px * 1.3,
                    "font": FONT, "color": color, "fontWeight": weight,
                },
                "encoding": {"x": text_x, "y": {"value": 0}, "text": {"field": "text"}},
            },
            _lane_title(title, height),
        ],
    }


def _lane_title(title: str, height: float) -> dict[str, Any]:
    lines = _wrap(title, 20, 3)
    return {
        "data": {"values": [{"t": "\n".join(lines)}]},
        "mark": {
            "type": "text", "align": "right", "baseline": "middle", "dx": -14,
            "fontSize": 16, "fontWeight": "bold", "font": FONT, "color": INK,
            "lineBreak": "\n", "lineHeight": 20,
        },
        "encoding": {"x": {"value": 0}, "y": {"value": height / 2}, "text": {"field": "t"}},
    }


# -- lane texts ------------------------------------------------------------------------------
def _tp_text(s: StageColumn, lay: _Layout, lang: str) -> str:
    if not s.touchpoints:
        return _t("map.none", lang)
    chars = lay.chars(14)
    lines: list[str] = []
    for tp in s.touchpoints:
        where = _t("map.online", lang) if tp.online else (
            _t("map.offline", lang) if tp.online is False else ""
        )
        lines += _wrap(tp.name, chars, 1)
        detail = " · ".join(
            x for x in (tp.channel or "", where, i18n.fmt_int(tp.customers, lang)) if x
        )
        lines += _wrap(detail, chars, 1)
    return "\n".join(lines[:7])


def _cust_text(s: StageColumn, lang: str) -> str:
    lines = [_t("map.customers_n", lang, n=i18n.fmt_int(s.customers, lang))]
    if s.conversion_to_next is not None:
        lines.append(_t("map.to_next", lang, pct=i18n.fmt_pct(s.conversion_to_next, lang, 0)))
    return "\n".join(lines)


def score_text(s: StageColumn, lang: str) -> str:
    """'NPS +23 ± 6 · n = 120' (or CSAT %); the page uses it too."""
    if s.score_metric is None:
        return _t("map.no_answers", lang)
    n = i18n.fmt_int(s.n, lang)
    margin = i18n.fmt_num(s.margin, lang, 0) if s.margin is not None else i18n.DASH
    if s.score_metric == "nps":
        text = _t("map.nps_value", lang, nps=_signed(s.score, lang), margin=margin, n=n)
    else:
        pct = i18n.fmt_num(s.score, lang, 0)
        text = _t("map.csat_value", lang, csat=pct, margin=margin, n=n)
    return text + (" ⚠" if s.n < SMALL_SAMPLE else "")


def suggestion_lines(s: StageColumn, lang: str) -> list[str]:
    """The stage's "suggested from data" items (the "fix first" table's top rows), one line
    each: "Store visit: +943 ± 108 conversions if its drop-off (19.0 %) fell to the stage
    median (14.5 %)", flagged when it could be noise. Empty when the stage has none."""
    lines = []
    for g in s.suggestions:
        line = _t("attribution.suggested_line", lang, touchpoint=g.touchpoint,
                  extra=i18n.fmt_num(g.extra_conversions, lang, 0),
                  margin=i18n.fmt_num(g.extra_margin, lang, 0),
                  rate=i18n.fmt_pct(g.dropoff_rate / 100.0, lang),
                  median=i18n.fmt_pct(g.stage_median_dropoff / 100.0, lang))
        if g.noise:
            line += " " + _t("attribution.suggested_noise", lang)
        lines.append(line)
    return lines


def opportunity_lines(s: StageColumn, lang: str, chars: int, max_lines: int) -> list[str]:
    """The opportunities lane of a slide: the team's note, then (apart, headed "suggested
    from data") the suggestions; the note keeps its lines first, never overwritten."""
    extra = [line for text in suggestion_lines(s, lang) for line in _wrap(text, chars, 3)]
    head = [_t("attribution.suggested_title", lang)] if extra else []
    room = max(max_lines - len(head) - min(len(extra), 2), 1) if extra else max_lines
    note = _wrap(s.opportunity, chars, room)
    rest = max(max_lines - len(note) - len(head), 0)
    return note + (head + extra[:rest] if rest else [])


def pain_lines(s: StageColumn, lang: str, chars: int = 60, max_lines: int = 99) -> list[str]:
    """The pain points of a stage as text lines (touchpoint, why, then quoted verbatims)."""
    lines: list[str] = []
    for p in s.pain_points:
        facts = []
        if p.dropoff_rate is not None:
            facts.append(_t("map.dropoff", lang, pct=i18n.fmt_pct(p.dropoff_rate, lang, 0)))
        if p.score is not None:
            key = "map.pain_nps" if p.score_metric == "nps" else "map.pain_csat"
            value = _signed(p.score, lang) if p.score_metric == "nps" else i18n.fmt_num(
                p.score, lang, 0)
            facts.append(_t(key, lang, value=value, n=i18n.fmt_int(p.score_n, lang)))
        lines += _wrap(f"▲ {p.touchpoint}", chars, 1)
        lines += _wrap(" · ".join(facts), chars, 2)
        for v in p.verbatims:
            # No-break spaces keep French guillemets on the words' lines when wrapped.
            quoted = f"«\u00a0{v}\u00a0»" if lang == "fr" else f"“{v}”"
            lines += _wrap(quoted, chars, 2)
    return lines[:max_lines] if lines else [_t("map.no_pain", lang)]


def _mix_text(s: StageColumn, lay: _Layout, lang: str) -> str:
    chars = lay.chars(13)

    def part(mix: tuple[tuple[str, float], ...]) -> str:
        return ", ".join(f"{name} {i18n.fmt_pct(share, lang, 0)}" for name, share in mix[:3])

    lines = []
    if s.channel_mix:
        lines += _wrap(part(s.channel_mix), chars, 2)
    if s.device_mix:
        lines += _wrap(part(s.device_mix), chars, 2)
    return "\n".join(lines) or i18n.DASH


# -- the spec --------------------------------------------------------------------------------
def _title_view(jm: JourneyMap, lang: str) -> dict[str, Any]:
    sub = " · ".join(x for x in (
        jm.filters_text,
        i18n.fmt_date_range(jm.first_ts, jm.last_ts, lang) if jm.first_ts else "",
        _t("map.n_customers", lang, n=i18n.fmt_int(jm.n, lang)),
        _t("map.n_responses", lang, n=i18n.fmt_int(jm.responses, lang)),
    ) if x)
    rows = [
        {"t": _wrap(jm.title, 110, 1)[0] if jm.title else "", "y": 4, "size": 30,
         "weight": "bold", "color": INK},
        {"t": "\n".join(_wrap(sub, 190, 1)), "y": 46, "size": 17, "weight": "normal",
         "color": MUTED},
    ]
    return {
        "name": "title",
        "height": TITLE_H,
        "width": PLOT_W,
        "data": {"values": rows},
        "mark": {"type": "text", "align": "left", "baseline": "top", "font": FONT},
        "encoding": {
            "x": {"value": -PAD_LEFT + 24},
            "y": {"field": "y", "type": "quantitative", "scale": None},
            "text": {"field": "t"},
            "size": {"field": "size", "type": "quantitative", "scale": None},
            "color": {"field": "color", "type": "nominal", "scale": None},
            # fontWeight cannot be encoded; two sizes are enough to tell title from subtitle.
        },
    }


def _header_view(jm: JourneyMap, order: list[str], lang: str) -> dict[str, Any]:
    rows = [{"label": s.label, "text": s.label} for s in jm.stages]
    return {
        "name": "header",
        "height": HEADER_H,
        "width": PLOT_W,
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "rect", "fill": HEADER_BG, "cornerRadius": 6},
                "encoding": {"x": _x(order)},
            },
            {
                "mark": {
                    "type": "text", "align": "center", "baseline": "middle", "fontSize": 22,
                    "fontWeight": "bold", "color": "white", "font": FONT,
                    "limit": max(PLOT_W / max(len(order), 1) - 16, 20),
                },
                "encoding": {"x": _x(order), "y": {"value": HEADER_H / 2},
                             "text": {"field": "text"}},
            },
            _lane_title(_t("map.lane_stage", lang), HEADER_H),
        ],
    }


def _curve_view(jm: JourneyMap, order: list[str], lang: str) -> dict[str, Any]:
    pts = []
    for s in jm.stages:
        if s.score is None:
            continue
        m = s.margin or 0.0
        pts.append({
            "label": s.label, "score": s.score,
            "lo": max(s.score - m, -100.0), "hi": min(s.score + m, 100.0),
            "text": score_text(s, lang), "metric": s.score_metric or "",
            "small": s.n < SMALL_SAMPLE,
        })
    missing = [
        {"label": s.label, "text": _t("map.no_answers", lang)}
        for s in jm.stages if s.score is None
    ]
    # Fixed -100..100 (so two maps compare by eye), with room above for the labels row.
    y_scale = {"domain": [-100, 125], "nice": False, "zero": False}
    x = _x(order, band=False)
    y = {"field": "score", "type": "quantitative", "scale": y_scale, "axis": None}
    layers: list[dict[str, Any]] = [
        {   # a band-scale frame so the lane looks like the others
            "data": {"values": [{"label": s.label} for s in jm.stages]},
            "mark": {"type": "rect", "fill": "#f7f9fc", "cornerRadius": 6},
            "encoding": {"x": _x(order)},
        },
        {
            "data": {"values": [{"zero": 0}]},
            "mark": {"type": "rule", "color": "#9aa5b1", "strokeDash": [4, 4]},
            "encoding": {"y": {"field": "zero", "type": "quantitative", "scale": y_scale,
                               "axis": None}},
        },
    ]
    if pts:
        layers += [
            {
                "data": {"values": pts},
                "mark": {"type": "area", "color": CURVE, "opacity": 0.16},
                "encoding": {"x": x, "y": dict(y, field="lo"), "y2": {"field": "hi"}},
            },
            {
                "data": {"values": pts},
                "mark": {"type": "line", "color": CURVE, "strokeWidth": 3},
                "encoding": {"x": x, "y": y},
            },
            {
                "data": {"values": pts},
                "mark": {"type": "point", "filled": True, "size": 140, "color": CURVE},
                "encoding": {
                    "x": x, "y": y,
                    "opacity": {"condition": {"test": "datum.small", "value": 0.45},
                                "value": 1},
                    "shape": {"field": "metric", "type": "nominal", "legend": None,
                              "scale": {"domain": ["nps", "csat"],
                                        "range": ["circle", "diamond"]}},
                },
            },
            {
                "data": {"values": pts},
                # One row of labels at the top of the lane: a label next to its point
                # would leave the lane when the band reaches +100.
                "mark": {"type": "text", "baseline": "top", "fontSize": 15,
                         "fontWeight": "bold", "color": INK, "font": FONT},
                "encoding": {"x": x, "y": {"value": 8}, "text": {"field": "text"}},
            },
        ]
    if missing:
        layers.append({
            "data": {"values": missing},
            "mark": {"type": "text", "fontSize": 14, "color": MUTED, "font": FONT},
            "encoding": {"x": x, "y": {"value": CURVE_H / 2}, "text": {"field": "text"}},
        })
    layers.append(_lane_title(_t("map.lane_emotion", lang), CURVE_H))
    return {
        "name": "emotion", "height": CURVE_H, "width": PLOT_W, "layer": layers,
        # The frame uses a band scale, the curve a point scale with the same centres.
        "resolve": {"scale": {"x": "independent"}},
    }


def map_to_vegalite(jm: JourneyMap, *, lang: str) -> dict[str, Any]:
    """The whole map as one Vega-Lite spec (a vconcat of text/mark views), 1920 × 1080.

    Vega-Lite cannot pin a concat's outer size, so `to_png`/`to_svg` compile this spec and
    set Vega's width/height themselves; rendered as-is it comes out within a few pixels.
    """
    lay = _Layout(len(jm.stages))
    order = _stage_order(jm)

    def rows(fn: Any) -> list[dict[str, Any]]:
        return [{"label": s.label, "text": fn(s)} for s in jm.stages]

    pain_font = 15
    pain_max = int((lay.pain_h - 16) // (pain_font * 1.3))
    opp_font = 14
    opp_max = int((OPP_H - 16) // (opp_font * 1.3))
    views = [
        _title_view(jm, lang),
        _header_view(jm, order, lang),
        _lane_view("touchpoints", TP_H, rows(lambda s: _tp_text(s, lay, lang)), order,
                   fill=LANE_BG["touchpoints"], title=_t("map.lane_touchpoints", lang)),
        _lane_view("customers", CUST_H, rows(lambda s: _cust_text(s, lang)), order,
                   fill=LANE_BG["customers"], font_px=17, weight="bold",
                   title=_t("map.lane_customers", lang)),
        _curve_view(jm, order, lang),
        _lane_view(
            "pain", lay.pain_h,
            rows(lambda s: "\n".join(pain_lines(s, lang, lay.chars(pain_font), pain_max))),
            order, fill=LANE_BG["pain"], font_px=pain_font, title=_t("map.lane_pain", lang),
        ),
        _lane_view(
            "opportunities", OPP_H,
            rows(lambda s: "\n".join(
                opportunity_lines(s, lang, lay.chars(opp_font), opp_max)) or "—"),
            order, fill=LANE_BG["opportunities"], font_px=opp_font,
            title=_t("map.lane_opportunities", lang),
        ),
        _lane_view("mix", MIX_H, rows(lambda s: _mix_text(s, lay, lang)), order,
                   fill=LANE_BG["mix"], font_px=13, title=_t("map.lane_mix", lang)),
    ]
    if not jm.stages:
        views = [_title_view(jm, lang), {
            "height": SLIDE_H - TITLE_H - PAD_TOP - PAD_BOTTOM - SPACING, "width": PLOT_W,
            "data": {"values": [{"t": _t("map.empty", lang)}]},
            "mark": {"type": "text", "fontSize": 28, "color": MUTED, "font": FONT},
            "encoding": {"text": {"field": "t"}},
        }]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": jm.title,
        "background": "white",
        "padding": {"left": PAD_LEFT, "right": PAD_RIGHT, "top": PAD_TOP,
                    "bottom": PAD_BOTTOM},
        "autosize": {"type": "pad"},
        "bounds": "flush",
        "spacing": SPACING,
        "config": {"view": {"stroke": None}, "font": FONT},
        "vconcat": views,
    }


def _vega(jm: JourneyMap, lang: str) -> dict[str, Any]:
    import vl_convert as vlc

    vg = vlc.vegalite_to_vega(map_to_vegalite(jm, lang=lang))
    # Pin the outer size: exactly one 16:9 slide, whatever the texts measure.
    vg["autosize"] = {"type": "none"}
    vg["width"] = SLIDE_W - PAD_LEFT - PAD_RIGHT
    vg["height"] = SLIDE_H - PAD_TOP - PAD_BOTTOM
    return vg


def to_png(jm: JourneyMap, lang: str, scale: float = 1) -> bytes:
    """The map as a PNG of (1920 × scale) × (1080 × scale) pixels, rendered offline."""
    import vl_convert as vlc

    return vlc.vega_to_png(_vega(jm, lang), scale=scale)


def to_svg(jm: JourneyMap, lang: str) -> str:
    import vl_convert as vlc

    return vlc.vega_to_svg(_vega(jm, lang))


# -- HTML ------------------------------------------------------------------------------------
_CSS = """
body{font-family:'Liberation Sans','DejaVu Sans',Arial,sans-serif;color:#1f2933;margin:24px;
background:#fff}
h1{font-size:24px;margin:0 0 4px}p.sub{color:#52606d;margin:0 0 16px}
.map svg{max-width:100%;height:auto;border:1px solid #e4e7eb}
table{border-collapse:collapse;margin-top:24px;width:100%;font-size:14px}
th,td{border:1px solid #d9e2ec;padding:6px 8px;vertical-align:top;text-align:left}
th{background:#243b53;color:#fff}td.lane{font-weight:bold;background:#f0f4f8}
ul{margin:0;padding-left:18px}q{font-style:italic}
"""


def _strip_external(svg: str) -> str:
    """Inline SVG in HTML5 needs no namespace attributes; drop them so no URL remains."""
    svg = re.sub(r'\sxmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    return svg


def to_html(jm: JourneyMap, lang: str) -> str:
    """A self-contained HTML file: the SVG map, then the same map as a table (copyable)."""
    e = html.escape
    svg = _strip_external(to_svg(jm, lang))
    sub = " · ".join(x for x in (
        jm.filters_text,
        i18n.fmt_date_range(jm.first_ts, jm.last_ts, lang) if jm.first_ts else "",
        _t("map.n_customers", lang, n=i18n.fmt_int(jm.n, lang)),
    ) if x)
    head = "".join(f"<th>{e(s.label)}</th>" for s in jm.stages)

    def row(title: str, cells: list[str]) -> str:
        return f"<tr><td class='lane'>{e(title)}</td>" + "".join(
            f"<td>{c}</td>" for c in cells) + "</tr>"

    def items(values: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{e(v)}</li>" for v in values) + "</ul>" if values else ""

    lay = _Layout(len(jm.stages))
    body_rows = [
        row(_t("map.lane_touchpoints", lang), [
            items([
                " · ".join(x for x in (tp.name, tp.channel or "", i18n.fmt_int(tp.customers,
                                                                                 lang)) if x)
                for tp in s.touchpoints
            ]) for s in jm.stages
        ]),
        row(_t("map.lane_customers", lang),
            [e(_cust_text(s, lang)).replace("\n", "<br>") for s in jm.stages]),
        row(_t("map.lane_emotion", lang), [e(score_text(s, lang)) for s in jm.stages]),
        row(_t("map.lane_pain", lang), [items(pain_lines(s, lang, 500)) for s in jm.stages]),
        row(_t("map.lane_opportunities", lang),
            [e(s.opportunity).replace("\n", "<br>") + (
                f"<p class='sub'>{e(_t('attribution.suggested_title', lang))}</p>"
                + items(suggestion_lines(s, lang)) if s.suggestions else "")
             for s in jm.stages]),
        row(_t("map.lane_mix", lang),
            [e(_mix_text(s, lay, lang)).replace("\n", "<br>") for s in jm.stages]),
    ]
    html_lang = "fr" if lang == "fr" else "en"
    return (
        f"<!DOCTYPE html>\n<html lang='{html_lang}'><head><meta charset='utf-8'>"
        f"<title>{e(jm.title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{e(jm.title)}</h1><p class='sub'>{e(sub)}</p>"
        f"<div class='map'>{svg}</div>"
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body_rows)}"
        "</tbody></table></body></html>\n"
    )
