"""The Altair builders: encodings and values of the Vega-Lite spec for small hand-made frames,
the French locale, and offline PNG/SVG export (size, not blank)."""

from __future__ import annotations

import io
import math
import re
import struct

import pandas as pd
import pytest

from journey.present import stat_charts as sc

LABELS = {"awareness": "Awareness!", "consideration": "Consideration!", "purchase": "Purchase!"}


def _nps_frame() -> pd.DataFrame:
    # The shape of journey.analytics.metrics.nps(by="stage"): stages in stage order, NPS in points.
    df = pd.DataFrame({
        "stage": ["awareness", "consideration", "purchase"],
        "n": [120, 45, 12],
        "promoters": [60, 15, 3],
        "passives": [30, 10, 4],
        "detractors": [30, 20, 5],
    })
    for c in ("promoters", "passives", "detractors"):
        df[f"{c}_pct"] = df[c] / df["n"] * 100.0
    df["nps"] = df["promoters_pct"] - df["detractors_pct"]
    df["margin"] = [12.25, 20.5, 45.0]
    df["small_sample"] = df["n"] < 30
    return df


def _layers(spec: dict) -> list[dict]:
    out = []
    for layer in spec.get("layer", [spec]):
        out.extend(_layers(layer) if "layer" in layer else [layer])
    return out


def _data(chart) -> list[dict]:
    """The rows of the chart's (single) inline dataset."""
    spec = chart.to_dict()
    datasets = spec.get("datasets", {})
    biggest = max(datasets.values(), key=len)
    return biggest


def _mark(layer: dict) -> str:
    m = layer["mark"]
    return m if isinstance(m, str) else m["type"]


def _svg_texts(svg: str) -> list[str]:
    return re.findall(r">([^<>]+)</text>", svg)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


# -- nps_bars ---------------------------------------------------------------------------


def test_nps_bars_encodings_and_values():
    df = _nps_frame()
    chart = sc.nps_bars(df, by="stage", lang="en", labels=LABELS)
    spec = chart.to_dict()
    layers = _layers(spec)
    bar = next(layer for layer in layers if _mark(layer) == "bar")
    assert bar["encoding"]["x"]["field"] == "nps"
    assert bar["encoding"]["x"]["scale"]["domain"] == [-100, 100]
    # Category order = the frame's order (stage order), with the display labels.
    assert bar["encoding"]["y"]["sort"] == ["Awareness!", "Consideration!", "Purchase!"]
    # n is in the tooltip of the bars
    assert "n" in [t["field"] for t in bar["encoding"]["tooltip"]]
    rule = next(layer for layer in layers if _mark(layer) == "rule" and "x2" in layer["encoding"])
    assert (rule["encoding"]["x"]["field"], rule["encoding"]["x2"]["field"]) == ("low", "high")
    rows = _data(chart)
    by_label = {r["label"]: r for r in rows}
    aw = by_label["Awareness!"]
    assert aw["nps"] == pytest.approx(25.0)
    assert aw["low"] == pytest.approx(25.0 - 12.25)
    assert aw["high"] == pytest.approx(25.0 + 12.25)
    assert aw["n"] == 120 and aw["small"] is False
    assert aw["mark_text"] == "+25 · n = 120"
    # n < 30: flagged in the label, the tooltip note and the data
    pu = by_label["Purchase!"]
    assert pu["small"] is True and sc.WARN in pu["mark_text"] and "n = 12" in pu["mark_text"]
    assert pu["flag"]
    # error bars never leave the axis
    assert pu["low"] >= -100 and pu["high"] <= 100
    # a title line explains the flag
    assert sc.WARN in spec["title"]["text"]


def test_nps_bars_without_small_groups_has_no_warning():
    df = _nps_frame().iloc[:2]
    spec = sc.nps_bars(df, by="stage", lang="en").to_dict()
    assert "title" not in spec or sc.WARN not in str(spec["title"])
    labels = [r["label"] for r in _data(sc.nps_bars(df, by="stage", lang="en"))]
    assert labels == ["awareness", "consideration"]  # raw values when no labels are given


def test_nps_bars_small_sample_from_n_when_column_absent():
    df = _nps_frame().drop(columns=["small_sample"])
    rows = _data(sc.nps_bars(df, by="stage", lang="en"))
    assert [r["small"] for r in rows] == [False, False, True]


def test_empty_frames_give_a_chart_not_an_error():
    empty = _nps_frame().iloc[0:0]
    for chart in (
        sc.nps_bars(empty, by="stage", lang="fr"),
        sc.nps_stacked(empty, by="stage", lang="fr"),
        sc.heatmap(pd.DataFrame(columns=["persona", "stage", "n", "value"]), lang="fr"),
        sc.trend(pd.DataFrame(columns=["month", "n", "nps", "margin"]), lang="fr"),
        sc.funnel(pd.DataFrame(columns=["stage", "customers"]), lang="fr"),
        sc.emotion_curve(empty, lang="fr"),
        sc.csat_bars(pd.DataFrame(columns=["stage", "n", "csat_pct", "margin"]), by="stage",
                     lang="fr"),
        sc.ces_bars(pd.DataFrame(columns=["stage", "n", "mean"]), by="stage", lang="fr"),
    ):
        spec = chart.to_dict()
        assert spec["mark"]["type"] == "text"
        assert "Aucune donnée" in str(_data(chart))


# -- stacked ----------------------------------------------------------------------------


def test_nps_stacked_colours_order_and_shares():
    chart = sc.nps_stacked(_nps_frame(), by="stage", lang="en", labels=LABELS)
    layers = _layers(chart.to_dict())
    bar = next(layer for layer in layers if _mark(layer) == "bar")
    colour = bar["encoding"]["color"]["scale"]
    assert colour["range"] == [sc.DETRACTOR_COLOR, sc.PASSIVE_COLOR, sc.PROMOTER_COLOR]
    assert colour["domain"][0].startswith("Detractors")
    assert colour["domain"][2].startswith("Promoters")
    rows = _data(chart)
    aw = {r["group"]: r for r in rows if r["label"] == "Awareness!"}
    assert sum(r["share"] for r in aw.values()) == pytest.approx(100.0)
    prom = next(r for g, r in aw.items() if g.startswith("Promoters"))
    assert prom["share"] == pytest.approx(50.0) and prom["count"] == 60 and prom["n"] == 120


def test_nps_stacked_french_labels():
    chart = sc.nps_stacked(_nps_frame(), by="stage", lang="fr")
    groups = {r["group"] for r in _data(chart)}
    assert any(g.startswith("Promoteurs") for g in groups)
    assert any(g.startswith("Détracteurs") for g in groups)
    texts = {r["share_text"] for r in _data(chart)}
    assert "50,0\u202f%" in texts


# -- heatmap ----------------------------------------------------------------------------


def _heat_frame() -> pd.DataFrame:
    # metrics.heatmap(rows="persona", cols="stage"): persona "A" has no consideration cell,
    # and its first cell is purchase: the stage order must still come from the labels.
    return pd.DataFrame({
        "persona": ["A", "A", "B", "B"],
        "stage": ["purchase", "awareness", "awareness", "consideration"],
        "n": [50, 10, 40, 35],
        "value": [12.5, -40.0, 60.0, 0.0],
    })


def test_heatmap_diverging_scale_centred_on_zero():
    chart = sc.heatmap(_heat_frame(), lang="en", col_labels=LABELS)
    layers = _layers(chart.to_dict())
    rect = next(layer for layer in layers if _mark(layer) == "rect")
    scale = rect["encoding"]["color"]["scale"]
    assert scale["domainMid"] == 0 and scale["domain"] == [-100, 100]
    assert rect["encoding"]["x"]["sort"] == ["Awareness!", "Consideration!", "Purchase!"]
    assert "n" in [t["field"] for t in rect["encoding"]["tooltip"]]
    rows = {(r["row"], r["col"]): r for r in _data(chart)}
    small = rows[("A", "Awareness!")]
    assert small["small"] is True and sc.WARN in small["value_text"]
    big = rows[("B", "Awareness!")]
    assert big["small"] is False and big["value_text"] == "+60" and big["n"] == 40


def test_heatmap_legend_no_taller_than_its_grid():
    # Vega-Lite's default gradient (200 px) hung below a short grid and the page cut its
    # lowest label (-100) off: the gradient is the grid's height (38 px a row) less 50.
    chart = sc.heatmap(_heat_frame(), lang="en", col_labels=LABELS)
    rect = next(layer for layer in _layers(chart.to_dict()) if _mark(layer) == "rect")
    rows = {r["row"] for r in _data(chart)}
    assert len(rows) == 2
    assert rect["encoding"]["color"]["legend"]["gradientLength"] == 60  # max(60, 2 * 38 - 50)


# -- trend ------------------------------------------------------------------------------


def test_trend_line_band_and_months():
    df = pd.DataFrame({"month": ["2024-01", "2024-02", "2024-03"], "n": [50, 10, 40],
                       "nps": [12.5, -3.25, 30.0], "margin": [10.0, 30.0, 12.0]})
    chart = sc.trend(df, lang="fr")
    layers = _layers(chart.to_dict())
    marks = [_mark(layer) for layer in layers]
    assert {"area", "line", "point"} <= set(marks)
    area = layers[marks.index("area")]
    assert area["encoding"]["y"]["field"] == "low" and area["encoding"]["y2"]["field"] == "high"
    rows = _data(chart)
    assert [r["month_text"] for r in rows] == ["janvier 2024", "février 2024", "mars 2024"]
    assert [r["small"] for r in rows] == [False, True, False]


# -- funnel -----------------------------------------------------------------------------


def _funnel_frame() -> pd.DataFrame:
    # The shape of journey.analytics.reach.funnel: the every-journey bar, then the stages.
    return pd.DataFrame({
        "kind": ["journeys", "stage", "stage", "stage"],
        "stage": [None, "awareness", "consideration", "purchase"], "position": [0, 1, 2, 3],
        "customers": [1200, 1000, 450, 120], "share": [1, 1000 / 1200, 450 / 1200, 0.1],
        "from_previous": [math.nan, 1000 / 1200, 0.45, 120 / 450],
        "in_order": [1200, 900, 300, 60], "in_order_share": [1, 0.75, 0.25, 0.05],
        "in_order_from_previous": [math.nan, 0.75, 1 / 3, 0.2],
        "median_days_to_reach": [math.nan, 0.0, 2.0, 5.0],
    })


def test_funnel_draws_both_forms_after_the_every_journey_bar():
    rows = _data(sc.funnel(_funnel_frame(), lang="en", labels=LABELS))
    assert [r["label"] for r in rows[::2]] == [
        "All journeys in scope", "Awareness!", "Consideration!", "Purchase!"]
    assert [r["form"] for r in rows[:2]] == [
        "Reached the stage (at all)", "Reached it after the previous one"]
    assert [r["value"] for r in rows] == [1200, 1200, 1000, 900, 450, 300, 120, 60]
    # n and the share of every journey in scope on the bar; no made-up "of previous" first.
    assert rows[0]["mark_text"] == "1,200 · 100%"
    assert rows[0]["prev_text"] == ""
    assert rows[4]["mark_text"] == "450 · 38%"
    assert rows[4]["prev_text"] == "45.0%"
    assert rows[5]["definition"].startswith("Journeys in scope with an event at this stage after")
    fr = _data(sc.funnel(_funnel_frame(), lang="fr"))
    assert fr[0]["mark_text"] == "1\u202f200 · 100\u202f%"
    assert fr[0]["label"] == "Tous les parcours retenus"
    assert fr[4]["prev_text"] == "45,0\u202f%"


# -- emotion curve ----------------------------------------------------------------------


def test_emotion_curve_nps_line_band_and_n():
    chart = sc.emotion_curve(_nps_frame(), lang="en", labels=LABELS)
    layers = _layers(chart.to_dict())
    marks = [_mark(layer) for layer in layers]
    assert {"area", "line", "point", "text"} <= set(marks)
    line = layers[marks.index("line")]
    assert line["encoding"]["y"]["field"] == "nps"
    assert line["encoding"]["x"]["sort"] == ["Awareness!", "Consideration!", "Purchase!"]
    rows = _data(chart)
    assert [r["n_label"] for r in rows] == ["n = 120", "n = 45", f"n = 12 {sc.WARN}"]


def test_emotion_curve_csat():
    df = pd.DataFrame({"stage": ["awareness", "purchase"], "n": [80, 20], "satisfied": [60, 10],
                       "csat_pct": [75.0, 50.0], "margin": [9.0, 20.0]})
    chart = sc.emotion_curve(df, lang="fr", metric="csat")
    rows = _data(chart)
    assert [r["value"] for r in rows] == [75.0, 50.0]
    assert rows[0]["value_label"] == "75,0\u202f%"


# -- CSAT / CES -------------------------------------------------------------------------


def test_csat_and_ces_bars():
    cs = pd.DataFrame({"stage": ["awareness", "purchase"], "n": [80, 20], "satisfied": [60, 10],
                       "csat_pct": [75.0, 50.0], "margin": [9.0, 20.0]})
    chart = sc.csat_bars(cs, by="stage", lang="en")
    layers = _layers(chart.to_dict())
    bar = next(layer for layer in layers if _mark(layer) == "bar")
    assert bar["encoding"]["x"]["scale"]["domain"] == [0, 100]
    rows = _data(chart)
    assert rows[0]["mark_text"] == "75.0% · n = 80"
    assert rows[1]["small"] is True
    ce = pd.DataFrame({"stage": ["awareness", "purchase"], "n": [80, 40], "mean": [5.25, 3.5],
                       "ease_pct": [70.0, 30.0]})
    chart = sc.ces_bars(ce, by="stage", lang="fr")
    layers = _layers(chart.to_dict())
    bar = next(layer for layer in layers if _mark(layer) == "bar")
    assert bar["encoding"]["x"]["scale"]["domain"] == [1, 7]
    assert not any(_mark(layer) == "rule" for layer in layers)  # no margin in metrics.ces
    assert _data(chart)[0]["mark_text"] == "5,25 · n = 80"


# -- locale and export ------------------------------------------------------------------


def test_locale_is_embedded_in_the_spec():
    fr = sc.nps_bars(_nps_frame(), by="stage", lang="fr").to_dict()
    assert fr["config"]["locale"]["number"]["decimal"] == ","
    assert fr["config"]["locale"]["time"]["months"][0] == "janvier"
    en = sc.nps_bars(_nps_frame(), by="stage", lang="en").to_dict()
    assert en["config"]["locale"]["number"]["decimal"] == "."


def test_french_svg_has_decimal_commas():
    df = pd.DataFrame({"stage": ["awareness", "purchase"], "n": [80, 40], "mean": [5.25, 3.5],
                       "ease_pct": [70.0, 30.0]})
    fr = _svg_texts(sc.to_svg(sc.ces_bars(df, by="stage", lang="fr")))
    en = _svg_texts(sc.to_svg(sc.ces_bars(df, by="stage", lang="en")))
    # axis ticks formatted by Vega with the embedded locale
    assert "1,0" not in fr  # the axis format is ".0f" for CES ticks
    assert any(re.fullmatch(r"5,25 · n = 80", t) for t in fr)
    assert any(re.fullmatch(r"5\.25 · n = 80", t) for t in en)
    cs = pd.DataFrame({"stage": ["a"], "n": [80], "csat_pct": [75.5], "margin": [9.0]})
    spec = sc.csat_bars(cs, by="stage", lang="fr").to_dict()
    # a chart whose axis labels carry decimals: Vega itself must write the decimal comma
    spec["layer"][0]["encoding"]["x"]["axis"]["format"] = ".1f"
    ticks = _svg_texts(sc.to_svg(spec))
    assert "50,0" in ticks and "50.0" not in ticks


def test_to_png_has_the_expected_size_and_is_not_blank():
    chart = sc.nps_bars(_nps_frame(), by="stage", lang="fr", labels=LABELS, width=400)
    svg = sc.to_svg(chart)
    width = float(re.search(r'<svg[^>]*width="([\d.]+)"', svg).group(1))
    height = float(re.search(r'<svg[^>]*height="([\d.]+)"', svg).group(1))
    png = sc.to_png(chart, scale=2)
    w, h = _png_size(png)
    assert (w, h) == (round(width * 2), round(height * 2))
    assert w > 800  # 400 px of plot + axis, doubled
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - PIL is a Streamlit dependency
        return
    img = Image.open(io.BytesIO(png)).convert("RGB")
    colours = img.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 20  # text, bars, antialiasing: not blank
    # the NPS bar colour is really drawn
    bar = tuple(int(sc.BAR_COLOR[i:i + 2], 16) for i in (1, 3, 5))
    assert any(max(abs(a - b) for a, b in zip(c, bar, strict=True)) < 30 for _, c in colours)


def test_with_title_keeps_the_small_sample_note():
    chart = sc.with_title(sc.nps_bars(_nps_frame(), by="stage", lang="en"), "NPS by stage",
                          "Everyone · n = 177")
    title = chart.to_dict()["title"]
    assert title["text"] == "NPS by stage"
    assert title["subtitle"][0] == "Everyone · n = 177"
    assert sc.WARN in title["subtitle"][1]
    svg = sc.to_svg(chart)
    assert "NPS by stage" in _svg_texts(svg)
    assert "Everyone · n = 177" in svg  # (subtitle lines are <tspan>s)


def test_labels_are_text_not_markup():
    df = _nps_frame()
    evil = {"awareness": "<img src=x onerror=alert(1)>"}
    svg = sc.to_svg(sc.nps_bars(df, by="stage", lang="en", labels=evil))
    assert "<img" not in svg and "&lt;img src=x onerror=alert(1)&gt;" in svg
