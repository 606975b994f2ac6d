"""The slide-ready exports: the emotion curve's axis with its named extremes, the persona
card's figures, pain points with only their own negative words (escaped), in EN and FR; the
two-persona comparison slide."""

from __future__ import annotations

import pytest
from test_journey_map_slide import MISLEADING, SLOW, make_slide_store
from test_map_export import png_size

from journey import cli, i18n
from journey.analytics import journey_map
from journey.analytics.filters import Filters
from journey.analytics.journey_map import build_map
from journey.db.store import Store
from journey.present import map_export

NNBSP = "\u202f"


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr(journey_map, "MIN_PASSING", 1)
    mp.setattr(journey_map, "MIN_SCORE_N", 1)
    store = make_slide_store(tmp_path_factory.mktemp("slide") / "s.duckdb")
    cur = store.cursor()
    out = {(lang, who): build_map(cur, Filters(), lang=lang, persona=who)
           for lang in ("en", "fr") for who in ("Busy", "Calm", None)}
    store.close()
    yield out
    mp.undo()


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    from journey.ingest import demo

    path = tmp_path_factory.mktemp("cmpdemo") / "demo.duckdb"
    with Store(path) as s:
        demo.load_sample(s, customers=600, seed=3)
    return str(path)


def _svg_text(svg: str) -> str:
    """SVG text as XML writes it (escaped): what a reader of the file sees, unescaped."""
    import html
    return html.unescape(svg)


@pytest.mark.parametrize("lang,words", [
    ("en", ("+100 positive", "\u2212100 negative", "Persona")),
    ("fr", ("+100 positif", "\u2212100 négatif", "Persona")),
])
def test_svg_has_the_curves_axis_and_its_named_extremes(maps, lang, words):
    svg = _svg_text(map_export.to_svg(maps[(lang, "Busy")], lang))
    for w in words:
        assert w in svg


def test_svg_has_the_persona_cards_figures(maps):
    en = _svg_text(map_export.to_svg(maps[("en", "Busy")], "en"))
    # Hand-counted in test_journey_map_slide: 4 of 6 customers; 7 events.
    assert "Busy — 4 customers · 67% of all 6 customers" in en
    assert "Shops <b>on the go</b>, between two meetings" in en  # as text, never markup
    assert "Top channels: social 43%, web 43%, search 14%" in en
    assert "Top devices: mobile 71%, desktop 29%" in en
    fr = _svg_text(map_export.to_svg(maps[("fr", "Busy")], "fr"))
    assert f"Busy — 4 clients · 67{NNBSP}% des 6 clients" in fr
    assert f"Canaux principaux{NNBSP}: social 43{NNBSP}%" in fr
    assert f"Appareils principaux{NNBSP}: mobile 71{NNBSP}%, desktop 29{NNBSP}%" in fr
    # Calm's list entry has no description: none shown, the size is.
    calm = _svg_text(map_export.to_svg(maps[("en", "Calm")], "en"))
    assert "Calm — 2 customers · 33% of all 6 customers" in calm


def test_pain_points_quote_only_negative_words_escaped(maps):
    raw = map_export.to_svg(maps[("en", None)], "en")
    # User text is escaped in the SVG: no element is made from a comment.
    assert "<b>misleading" not in raw and "&lt;b&gt;misleading" in raw
    svg = _svg_text(raw)
    assert f"“{MISLEADING}”" in svg and f"“{SLOW}”" in svg
    assert "Said about the stage as a whole:" in svg
    assert "No negative verbatim here" in svg
    for positive in ("Loved the ad", "Great page", "Fine checkout", "Reviews are fine"):
        assert positive not in svg
    fr = _svg_text(map_export.to_svg(maps[("fr", None)], "fr"))
    assert f"«{NNBSP}{MISLEADING}{NNBSP}»" in fr and "Aucun verbatim négatif ici" in fr


def test_html_carries_the_card_escaped(maps):
    out = map_export.to_html(maps[("en", "Busy")], "en")
    assert "Shops &lt;b&gt;on the go&lt;/b&gt;" in out and "<b>on the go" not in out
    assert "Busy — 4 customers · 67% of all 6 customers" in out
    assert "No negative verbatim here" in out


def test_png_is_one_slide(maps):
    assert png_size(map_export.to_png(maps[("fr", "Busy")], "fr")) == (1920, 1080)


# -- two personas on one slide ------------------------------------------------------------------
def test_comparison_cells_by_hand(maps):
    a, b = maps[("en", "Busy")], maps[("en", "Calm")]
    cells = map_export.compare_cells(a, b, journey_map.compare_maps(a, b), "en")
    purchase = {lane: next(c for c in cells[lane] if c["label"] == "Purchase")
                for lane in map_export.CMP_LANES}
    # Reach of purchase: Busy 1 of 4, Calm 1 of 2. Agresti-Caffo by hand: p~ 2/6 and 2/4,
    # var = (1/3)(2/3)/6 + (1/2)(1/2)/4 = 0.0995, margin 1.96 * 0.3155 = 0.618.
    assert purchase["reach"]["text"].split("\n") == [
        "A 25% · B 50%", "Δ +25 pts ± 62", "could be noise"]
    aw = next(c for c in cells["score"] if c["label"] == "Awareness")
    # NPS: Busy 1 promoter, 3 detractors of 4 = -50; Calm 2 promoters of 2 = +100.
    # Adjusted Wald: var A = (0.25 + 0.5357 - 0.2857²)/7 = 0.1006, var B = (0.55 + 0.15 -
    # 0.4²)/5 = 0.108; margin 1.96 * sqrt(0.2086) = 0.895.
    assert aw["text"].split("\n")[:2] == ["A -50 · B +100", "Δ +150 pts ± 90"]
    # Nothing on six customers is beyond the noise: every cell is greyed.
    assert all(c["color"] == map_export.NOISE for lane in cells.values() for c in lane
               if c["text"] != "–")
    # Conversion from the last stage does not exist: a dash, not a number.
    assert purchase["conversion"]["text"] == "–"


@pytest.mark.parametrize("lang,words", [
    ("en", ("Busy vs Calm — journey maps compared", "Δ +25 pts ± 62", "Δ +150 pts ± 90",
            "could be noise", "+100 positive", "\u2212100 negative",
            "A · Busy — 4 customers · 67% of all 6 customers",
            "B · Calm — 2 customers · 33% of all 6 customers")),
    ("fr", ("Busy vs Calm — cartes du parcours comparées", "Δ +25 pts ± 62",
            "peut-être du bruit", "+100 positif", "\u2212100 négatif",
            f"A · Busy — 4 clients · 67{NNBSP}% des 6 clients", f"A 25{NNBSP}% · B 50{NNBSP}%")),
])
def test_comparison_slide_svg(maps, lang, words):
    raw = map_export.compare_svg(maps[(lang, "Busy")], maps[(lang, "Calm")], lang)
    assert 'width="1920"' in raw and 'height="1080"' in raw
    svg = _svg_text(raw)
    for w in words:
        assert w in svg, w
    assert f'fill="{map_export.NOISE}"' in raw  # the noise is drawn grey
    assert "&lt;b&gt;on the go" in raw and "<b>on the go" not in raw


def test_comparison_slide_png_is_16_9(maps):
    data = map_export.compare_png(maps[("en", "Busy")], maps[("en", "Calm")], "en")
    assert png_size(data) == (1920, 1080)
    data = map_export.compare_png(maps[("en", "Busy")], maps[("en", "Calm")], "en", scale=0.5)
    assert png_size(data) == (960, 540)


def test_comparison_slide_on_the_demo_shows_a_real_move_in_ink(demo_path):
    with Store(demo_path) as s:
        cur = s.cursor()
        a = build_map(cur, Filters(), lang="en", persona="Busy parent")
        b = build_map(cur, Filters(), lang="en", persona="Cautious senior")
    diff = journey_map.compare_maps(a, b)
    cells = map_export.compare_cells(a, b, diff, "en")
    strong = [c for lane in cells.values() for c in lane if c["significant"]]
    assert strong and all(c["color"] == map_export.INK for c in strong)
    assert all("● beyond the noise" in c["text"] for c in strong)
    # The slide's figures are compare_maps' own: the headline move is on it, as shown.
    top = diff.iloc[0]
    assert bool(top["significant"])
    svg = _svg_text(map_export.compare_svg(a, b, "en"))
    want = (f"Δ {map_export._signed(top['delta'], 'en')} pts ± "
            f"{i18n.fmt_num(top['margin'], 'en', 0)}")
    assert want in svg


@pytest.mark.parametrize("ext", ["png", "svg"])
def test_cli_compare_persona(demo_path, tmp_path, ext, capsys):
    out = tmp_path / f"cmp.{ext}"
    rc = cli.main(["export-map", "--db", demo_path, "--persona", "Busy parent",
                   "--compare-persona", "Cautious senior", "--lang", "fr", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    data = out.read_bytes()
    if ext == "png":
        assert png_size(data) == (1920, 1080)
    else:
        text = _svg_text(data.decode("utf-8"))
        assert "Busy parent vs Cautious senior" in text and "Δ " in text


@pytest.mark.parametrize("args, words", [
    (["--persona", "Busy parent", "--compare-persona", "Nobody", "--out", "x.png"],
     "no persona 'Nobody'"),
    (["--persona", "Busy parent", "--compare-persona", "Cautious senior", "--out", "x.html"],
     ".png or .svg"),
    (["--persona", "Busy parent", "--compare-persona", "Busy parent", "--out", "x.svg"],
     "another one"),
])
def test_cli_compare_persona_refuses_plainly(demo_path, tmp_path, capsys, args, words):
    argv = ["export-map", "--db", demo_path]
    argv += [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not list(tmp_path.glob("x.*"))


def test_a_csat_stage_sits_on_the_same_span_and_the_axis_says_so(tmp_path, monkeypatch):
    from test_journey_map import make_store

    monkeypatch.setattr(journey_map, "MIN_PASSING", 1)
    monkeypatch.setattr(journey_map, "MIN_SCORE_N", 1)
    store = make_store(tmp_path / "csat.duckdb")
    jm = build_map(store.cursor(), Filters(), lang="en")
    store.close()
    # Purchase has CSAT only: 1 of 2 satisfied = 50 %, drawn at the middle (0).
    assert jm.stage("purchase").score_metric == "csat"
    spec = map_export.map_to_vegalite(jm, lang="en")
    emotion = next(v for v in spec["vconcat"] if v.get("name") == "emotion")
    line = next(ly for ly in emotion["layer"] if ly["mark"]["type"] == "line")
    ys = {p["label"]: p["score"] for p in line["data"]["values"]}
    assert ys["Purchase"] == pytest.approx(0.0)
    assert ys["Awareness"] == pytest.approx(-25.0)  # NPS as it is
    svg = _svg_text(map_export.to_svg(jm, "en"))
    assert "NPS +100 · CSAT 100% positive" in svg
    assert "NPS \u2212100 · CSAT 0% negative" in svg
