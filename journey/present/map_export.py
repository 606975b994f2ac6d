"""The journey map as one slide: a Vega-Lite spec, PNG/SVG (vl-convert, offline), HTML.

Layout (top to bottom, one column per stage, lane names in the left margin): title and
subtitle (filters, date range, n), the persona card (name, description, size, top channels
and devices), the stage header row, then the lanes — touchpoints, customers and conversion,
the emotion curve on a fixed axis whose extremes are named (−100 negative … +100 positive)
with its margin band, pain points with their own negative words, the team's opportunities,
channel and device mix.

`compare_png` / `compare_svg` draw two personas' maps as one 16:9 slide: both cards, both
curves on one axis, then per stage reach, conversion, NPS and the biggest channel/device
move, each with B − A and its 95% margin from `journey_map.compare_maps`, noise in grey.

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
from journey.analytics.journey_map import (
    VERBATIMS_STAGE,
    JourneyMap,
    PersonaCard,
    StageColumn,
    touchpoint_detail,
)
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
TITLE_H, CARD_H, HEADER_H, TP_H, CUST_H, CURVE_H, OPP_H, MIX_H = (
    74, 72, 54, 108, 72, 176, 112, 92)
N_VIEWS = 9
# The emotion lane's y scale: NPS -100..+100 (CSAT 0..100 % drawn on the same span), with
# room above +100 for the row of value labels. Fixed, so two maps compare by eye.
Y_MIN, Y_MAX, Y_TOP = -100.0, 100.0, 135.0
NOISE = "#9aa5b1"  # what could be noise is drawn in this grey
SIDE_COLORS = ("#2563eb", "#d97706")  # persona A, persona B on the comparison slide


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
        fixed = TITLE_H + CARD_H + HEADER_H + TP_H + CUST_H + CURVE_H + OPP_H + MIX_H
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
                "encoding": dict(
                    {"x": text_x, "y": {"value": 0}, "text": {"field": "text"}},
                    # Rows may carry their own colour (the comparison greys its noise).
                    **({"color": {"field": "color", "type": "nominal", "scale": None}}
                       if rows and "color" in rows[0] else {}),
                ),
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
        lines += _wrap(tp.name, chars, 1)
        lines += _wrap(touchpoint_detail(tp, lang), chars, 1)
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
        if not p.verbatims:
            lines += _wrap(_t("map.no_negative_verbatim", lang), chars, 1)
        elif p.verbatim_scope == VERBATIMS_STAGE:
            # Not this touchpoint's words: say whose they are.
            lines += _wrap(_t("map.verbatims_of_stage", lang), chars, 1)
        for v in p.verbatims:
            lines += _wrap(quote(v, lang), chars, 2)
    return lines[:max_lines] if lines else [_t("map.no_pain", lang)]


def quote(text: str, lang: str) -> str:
    """A customer's words in the language's quotation marks. French sets a narrow no-break
    space inside « » (which also keeps the marks on the words' lines when wrapped)."""
    return f"«\u202f{text}\u202f»" if lang == "fr" else f"“{text}”"


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
    return _title_text_view(jm.title, sub)


def _title_text_view(title: str, sub: str) -> dict[str, Any]:
    rows = [
        {"t": _wrap(title, 110, 1)[0] if title else "", "y": 4, "size": 30,
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


def _header_view(order: list[str], lang: str) -> dict[str, Any]:
    rows = [{"label": label, "text": label} for label in order]
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


def _y(metric: str | None, value: float) -> float:
    """Where a score sits on the lane's -100..+100 span: NPS as it is, CSAT (% satisfied)
    stretched so that 0 % is the bottom, 50 % the middle and 100 % the top, as its labels
    on the axis say."""
    return value if metric != "csat" else 2.0 * value - 100.0


def _axis_layers(
    metrics_used: set[str], lang: str, y_scale: dict[str, Any]
) -> list[dict[str, Any]]:
    """The curve's axis: light rules at -100, 0 and +100 and their labels at the lane's left
    edge, the extremes named ("negative" / "positive"), in the scale(s) the curve uses."""
    nps = "nps" in metrics_used or not metrics_used
    csat = "csat" in metrics_used

    def label(nps_text: str, csat_text: str, word_key: str | None) -> str:
        parts = []
        if nps:
            parts.append(("NPS " if csat else "") + nps_text)
        if csat:
            parts.append("CSAT " + csat_text)
        line = " · ".join(parts)
        return f"{line} {_t(word_key, lang)}" if word_key else line

    pct = "\u202f%" if lang == "fr" else "%"
    ticks = [
        {"v": Y_MAX, "t": label("+100", "100" + pct, "map.axis_positive"), "base": "top"},
        {"v": 0.0, "t": label("0", "50" + pct, None), "base": "middle"},
        {"v": Y_MIN, "t": label("\u2212100", "0" + pct, "map.axis_negative"),
         "base": "bottom"},
    ]
    y = {"field": "v", "type": "quantitative", "scale": y_scale, "axis": None}
    return [
        {
            "data": {"values": ticks},
            "mark": {"type": "rule", "color": "#cbd2d9", "strokeWidth": 1},
            "encoding": {"y": y},
        },
        {
            "data": {"values": [t for t in ticks if t["base"] == "top"]},
            "mark": {"type": "text", "align": "left", "baseline": "top", "dx": 6, "dy": 2,
                     "fontSize": 12, "color": MUTED, "font": FONT, "lineBreak": "\n"},
            "encoding": {"x": {"value": 0}, "y": y, "text": {"field": "t"}},
        },
        {
            "data": {"values": [t for t in ticks if t["base"] != "top"]},
            "mark": {"type": "text", "align": "left", "baseline": "bottom", "dx": 6, "dy": -2,
                     "fontSize": 12, "color": MUTED, "font": FONT, "lineBreak": "\n"},
            "encoding": {"x": {"value": 0}, "y": y, "text": {"field": "t"}},
        },
    ]


def _curve_points(jm: JourneyMap, lang: str, side: str = "") -> list[dict[str, Any]]:
    pts = []
    for s in jm.stages:
        if s.score is None:
            continue
        m = s.margin or 0.0
        pts.append({
            "label": s.label, "score": _y(s.score_metric, s.score), "side": side,
            "lo": max(_y(s.score_metric, s.score - m), Y_MIN),
            "hi": min(_y(s.score_metric, s.score + m), Y_MAX),
            "text": score_text(s, lang), "metric": s.score_metric or "",
            "small": s.n < SMALL_SAMPLE,
        })
    return pts


def _curve_view(jm: JourneyMap, order: list[str], lang: str) -> dict[str, Any]:
    pts = _curve_points(jm, lang)
    missing = [
        {"label": s.label, "text": _t("map.no_answers", lang)}
        for s in jm.stages if s.score is None
    ]
    y_scale = {"domain": [Y_MIN, Y_TOP], "nice": False, "zero": False}
    x = _x(order, band=False)
    y = {"field": "score", "type": "quantitative", "scale": y_scale, "axis": None}
    layers: list[dict[str, Any]] = [
        {   # a band-scale frame so the lane looks like the others
            "data": {"values": [{"label": s.label} for s in jm.stages]},
            "mark": {"type": "rect", "fill": "#f7f9fc", "cornerRadius": 6},
            "encoding": {"x": _x(order)},
        },
        *_axis_layers({s.score_metric for s in jm.stages if s.score_metric}, lang, y_scale),
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


# -- the persona card ---------------------------------------------------------------------------
def card_lines(card: PersonaCard | None, lang: str) -> list[str]:
    """The persona card as text lines: name and size, description (only when the data gives
    one), top channels, top devices. The page, the slide and the HTML all use these."""
    if card is None:
        return []
    name = card.name or _t("map.all_customers", lang)
    size = _t("map.card_size", lang, n=i18n.fmt_int(card.customers, lang),
              share=i18n.fmt_pct(card.share, lang, 0),
              all=i18n.fmt_int(card.all_customers, lang))
    lines = [f"{name} — {size}"]
    if card.description:
        lines.append(card.description)

    def mix(items: tuple[tuple[str, float], ...]) -> str:
        return ", ".join(f"{n} {i18n.fmt_pct(x, lang, 0)}" for n, x in items) or i18n.DASH

    lines.append(" · ".join((
        i18n.labelled(_t("map.card_channels", lang), mix(card.channels), lang),
        i18n.labelled(_t("map.card_devices", lang), mix(card.devices), lang))))
    return lines


def _card_rows(card: PersonaCard | None, lang: str, chars: int, x0: float = 0,
               color: str = INK, prefix: str = "") -> list[dict[str, Any]]:
    """The card's text marks: its name line (bold, in `color`, after `prefix`), then up to
    two lines, each cut to `chars`."""
    lines = card_lines(card, lang)
    if not lines:
        return []
    rows = [{"t": _wrap(prefix + lines[0], chars, 1)[0], "x": x0, "y": 8, "size": 18,
             "color": color, "b": True}]
    rest = [w for line in lines[1:] for w in _wrap(line, chars, 1)]
    rows += [{"t": t, "x": x0, "y": 32 + 18 * i, "size": 14, "color": INK, "b": False}
             for i, t in enumerate(rest[:2])]
    return rows


def _card_view(rows: list[dict[str, Any]], height: float, lang: str,
               boxes: list[tuple[float, float, str]]) -> dict[str, Any]:
    """Persona card(s): a rounded box per (x0, x1, fill), its lines of text inside."""
    return {
        "name": "persona",
        "height": height,
        "width": PLOT_W,
        "layer": [
            {
                "data": {"values": [{"x0": a, "x1": b, "fill": f} for a, b, f in boxes]},
                "mark": {"type": "rect", "cornerRadius": 6},
                "encoding": {
                    "x": {"field": "x0", "type": "quantitative", "scale": None},
                    "x2": {"field": "x1"},
                    "y": {"value": 0}, "y2": {"value": height},
                    "fill": {"field": "fill", "type": "nominal", "scale": None},
                },
            },
            # The name line bold, the rest plain (Vega-Lite cannot encode a font weight).
            *({
                "data": {"values": [r for r in rows if r["b"] == bold]},
                "mark": {"type": "text", "align": "left", "baseline": "top", "dx": 12,
                         "font": FONT, "fontWeight": "bold" if bold else "normal"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", "scale": None},
                    "y": {"field": "y", "type": "quantitative", "scale": None},
                    "text": {"field": "t"},
                    "size": {"field": "size", "type": "quantitative", "scale": None},
                    "color": {"field": "color", "type": "nominal", "scale": None},
                },
            } for bold in (True, False)),
            _lane_title(_t("map.lane_persona", lang), height),
        ],
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
        _card_view(_card_rows(jm.card, lang, int((PLOT_W - 24) / (14 * 0.52))), CARD_H, lang,
                   [(0, PLOT_W, "#fff8e6")]),
        _header_view(order, lang),
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
.card{background:#fff8e6;border-radius:6px;padding:8px 12px;margin:0 0 16px}
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
        f"<div class='card'>{'<br>'.join(e(x) for x in card_lines(jm.card, lang))}</div>"
        f"<div class='map'>{svg}</div>"
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body_rows)}"
        "</tbody></table></body></html>\n"
    )


# -- two personas on one slide ------------------------------------------------------------------
# Heights of the comparison slide's views; the footnote takes what is left.
CMP_CARD_H, CMP_CURVE_H, CMP_LANE_H = 96, 236, 120
CMP_LANES = ("reach", "conversion", "score", "mix")


def _stage_labels(a: JourneyMap, b: JourneyMap) -> list[tuple[str, str]]:
    """(stage, label) of both maps' stages in journey order: a stage only one side reached
    still gets its column."""
    seen: dict[str, tuple[int, str]] = {}
    for s in (*a.stages, *b.stages):
        seen.setdefault(s.stage, (s.position, s.label))
    return [(k, v[1]) for k, v in sorted(seen.items(), key=lambda kv: (kv[1][0], kv[0]))]


def side_name(jm: JourneyMap, lang: str) -> str:
    """A side's name on the slide: its persona, else "All customers"."""
    return jm.persona or (jm.card.name if jm.card and jm.card.name else
                          _t("map.all_customers", lang))


def _points(value: float, lane: str, lang: str) -> str:
    """A lane's value as shown: NPS signed, shares and rates in %."""
    if lane == "score":
        return _signed(value, lang)
    return i18n.fmt_pct(value / 100.0, lang, 0)


def _mix_lane_name(lane: str, lang: str) -> str:
    kind, name = lane.split(":", 1)
    return _t(f"map.lane.{kind}", lang, name=name)


def compare_cells(a: JourneyMap, b: JourneyMap, diff: Any, lang: str
                  ) -> dict[str, list[dict[str, Any]]]:
    """Per lane of the slide, one cell per stage: {label, text, color, significant}. Each
    cell reads "A x · B y", then "Δ d pts ± m" and whether it could be noise (then grey).
    `diff` is `journey_map.compare_maps(a, b)`; the mix lane shows each stage's biggest
    channel or device move (compare_maps' own order: beyond the noise first, then size)."""
    rows_by: dict[tuple[str, str], Any] = {}
    first_mix: dict[str, Any] = {}
    for _, r in diff.iterrows():
        rows_by[(r["stage"], r["lane"])] = r
        if str(r["lane"]).startswith(("channel:", "device:")):
            first_mix.setdefault(r["stage"], r)
    out: dict[str, list[dict[str, Any]]] = {lane: [] for lane in CMP_LANES}
    for stage, label in _stage_labels(a, b):
        for lane in CMP_LANES:
            r = first_mix.get(stage) if lane == "mix" else rows_by.get((stage, lane))
            if r is None:
                out[lane].append({"label": label, "text": i18n.DASH, "color": MUTED,
                                  "significant": False})
                continue
            unit = "score" if lane == "score" else "share"
            lines = [_mix_lane_name(str(r["lane"]), lang)] if lane == "mix" else []
            lines.append(f"A {_points(r['value_a'], unit, lang)} · "
                         f"B {_points(r['value_b'], unit, lang)}")
            margin = r["margin"]
            lines.append(_t("map.slide_delta", lang, delta=_signed(r["delta"], lang),
                            margin=i18n.DASH if margin != margin
                            else i18n.fmt_num(margin, lang, 0)))
            sig = bool(r["significant"])
            lines.append(_t("map.slide_beyond" if sig else "map.could_be_noise", lang))
            out[lane].append({"label": label, "text": "\n".join(lines),
                              "color": INK if sig else NOISE, "significant": sig})
    return out


def _compare_curve_view(a: JourneyMap, b: JourneyMap, order: list[str], lang: str,
                        names: tuple[str, str]) -> dict[str, Any]:
    y_scale = {"domain": [Y_MIN, Y_TOP], "nice": False, "zero": False}
    x = _x(order, band=False)
    y = {"field": "score", "type": "quantitative", "scale": y_scale, "axis": None}
    color = {"field": "side", "type": "nominal", "legend": None,
             "scale": {"domain": ["A", "B"], "range": list(SIDE_COLORS)}}
    pts = _curve_points(a, lang, "A") + _curve_points(b, lang, "B")
    used = {s.score_metric for s in (*a.stages, *b.stages) if s.score_metric}
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": [{"label": label} for label in order]},
            "mark": {"type": "rect", "fill": "#f7f9fc", "cornerRadius": 6},
            "encoding": {"x": _x(order)},
        },
        *_axis_layers(used, lang, y_scale),
    ]
    if pts:
        layers += [
            {"data": {"values": pts}, "mark": {"type": "area", "opacity": 0.12},
             "encoding": {"x": x, "y": dict(y, field="lo"), "y2": {"field": "hi"},
                          "color": color, "detail": {"field": "side"}}},
            {"data": {"values": pts}, "mark": {"type": "line", "strokeWidth": 3},
             "encoding": {"x": x, "y": y, "color": color, "detail": {"field": "side"}}},
            {"data": {"values": pts}, "mark": {"type": "point", "filled": True, "size": 120},
             "encoding": {"x": x, "y": y, "color": color}},
        ]
    # The key: which colour is which persona, at the lane's top right.
    key = [{"t": f"● {side} · {name}", "side": side, "i": i}
           for i, (side, name) in enumerate(zip(("A", "B"), names, strict=True))]
    layers.append({
        "data": {"values": key},
        "mark": {"type": "text", "align": "right", "baseline": "top", "fontSize": 15,
                 "fontWeight": "bold", "font": FONT},
        "encoding": {"x": {"value": PLOT_W - 12}, "y": {"field": "i", "type": "quantitative",
                                                         "scale": {"range": [6, 26],
                                                                   "domain": [0, 1]},
                                                         "axis": None},
                     "text": {"field": "t"},
                     "color": dict(color, field="side")},
    })
    layers.append(_lane_title(_t("map.lane_emotion", lang), CMP_CURVE_H))
    return {"name": "emotion", "height": CMP_CURVE_H, "width": PLOT_W, "layer": layers,
            "resolve": {"scale": {"x": "independent", "y": "independent"}}}


def compare_to_vegalite(a: JourneyMap, b: JourneyMap, *, lang: str,
                        diff: Any | None = None) -> dict[str, Any]:
    """Two personas' maps as one 16:9 slide: both cards, both emotion curves on one axis,
    then reach, conversion, NPS and the biggest channel/device move, stage by stage, each
    with B − A and its 95% margin; what could be noise in grey."""
    from journey.analytics.journey_map import compare_maps

    if diff is None:
        diff = compare_maps(a, b)
    names = (side_name(a, lang), side_name(b, lang))
    order = [label for _, label in _stage_labels(a, b)]
    cells = compare_cells(a, b, diff, lang)
    sub = " · ".join(x for x in (
        i18n.labelled("A", f"{a.filters_text} · n = {i18n.fmt_int(a.n, lang)}", lang),
        i18n.labelled("B", f"{b.filters_text} · n = {i18n.fmt_int(b.n, lang)}", lang),
        i18n.fmt_date_range(a.first_ts, a.last_ts, lang) if a.first_ts else "",
    ) if x)
    half = PLOT_W / 2
    chars = int((half - 36) / (14 * 0.52))
    card_rows = (_card_rows(a.card, lang, chars, 0, SIDE_COLORS[0], "A · ")
                 + _card_rows(b.card, lang, chars, half + 8, SIDE_COLORS[1], "B · "))
    lane_titles = {"reach": "map.lane.reach", "conversion": "map.lane.conversion",
                   "score": "map.lane.score", "mix": "map.slide_mix"}
    views = [
        _title_text_view(_t("map.slide_title", lang, a=names[0], b=names[1]), sub),
        _card_view(card_rows, CMP_CARD_H, lang,
                   [(0, half - 8, "#eef4ff"), (half + 8, PLOT_W, "#fff4e5")]),
        _header_view(order, lang),
        _compare_curve_view(a, b, order, lang, names),
    ]
    for lane in CMP_LANES:
        views.append(_lane_view(lane, CMP_LANE_H, cells[lane], order, fill="#f3f5f8",
                                font_px=15, title=_t(lane_titles[lane], lang)))
    used = (TITLE_H + CMP_CARD_H + HEADER_H + CMP_CURVE_H + CMP_LANE_H * len(CMP_LANES)
            + SPACING * (len(views)))
    foot_h = max(SLIDE_H - PAD_TOP - PAD_BOTTOM - used, 24)
    views.append({
        "name": "note", "height": foot_h, "width": PLOT_W,
        "data": {"values": [{"t": "\n".join(_wrap(_t("map.slide_note", lang), 250, 2))}]},
        "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 14,
                 "color": MUTED, "font": FONT, "lineBreak": "\n"},
        "encoding": {"x": {"value": 0}, "y": {"value": 4}, "text": {"field": "t"}},
    })
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _t("map.slide_title", lang, a=names[0], b=names[1]),
        "background": "white",
        "padding": {"left": PAD_LEFT, "right": PAD_RIGHT, "top": PAD_TOP,
                    "bottom": PAD_BOTTOM},
        "autosize": {"type": "pad"},
        "bounds": "flush",
        "spacing": SPACING,
        "config": {"view": {"stroke": None}, "font": FONT},
        "vconcat": views,
    }


def _pinned(spec: dict[str, Any]) -> dict[str, Any]:
    import vl_convert as vlc

    vg = vlc.vegalite_to_vega(spec)
    # Pin the outer size: exactly one 16:9 slide, whatever the texts measure.
    vg["autosize"] = {"type": "none"}
    vg["width"] = SLIDE_W - PAD_LEFT - PAD_RIGHT
    vg["height"] = SLIDE_H - PAD_TOP - PAD_BOTTOM
    return vg


def compare_png(a: JourneyMap, b: JourneyMap, lang: str, scale: float = 1) -> bytes:
    """The two-persona comparison as a PNG of (1920 × scale) × (1080 × scale) pixels."""
    import vl_convert as vlc

    return vlc.vega_to_png(_pinned(compare_to_vegalite(a, b, lang=lang)), scale=scale)


def compare_svg(a: JourneyMap, b: JourneyMap, lang: str) -> str:
    """The two-persona comparison as a 1920 × 1080 SVG."""
    import vl_convert as vlc

    return vlc.vega_to_svg(_pinned(compare_to_vegalite(a, b, lang=lang)))
