"""The slide-ready exports: the emotion curve's axis with its named extremes, the persona
card's figures, pain points with only their own negative words (escaped), in EN and FR; the
two-persona comparison slide."""

from __future__ import annotations

import pytest
from test_journey_map_slide import MISLEADING, SLOW, make_slide_store
from test_map_export import png_size

from journey.analytics import journey_map
from journey.analytics.filters import Filters
from journey.analytics.journey_map import build_map
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
