"""The journey map page, slide-ready: the persona card, the curve's named extremes, pain
points with only their own negative words, and the comparison slide's downloads."""

from __future__ import annotations

import json

from journey import i18n
from journey.analytics.filters import Filters
from journey.analytics.journey_map import build_map
from journey.db.store import Store
from journey.present import map_export

PAGE = "views/journey_map.py"


def _problems(at) -> list[str]:
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def _map(db: str, persona: str | None, lang: str = "en"):
    with Store(db) as s:
        return build_map(s.cursor(), Filters(), lang=lang, persona=persona,
                         stages_df=s.stages(), notes_df=s.notes(persona))


def _downloads(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_the_persona_card_is_on_the_page(app_test, demo_db):
    for lang in ("en", "fr"):
        at = app_test(demo_db, page=PAGE, query_params={"map_persona": "Busy parent",
                                                        "lang": lang})
        assert not _problems(at)
        lines = map_export.card_lines(_map(demo_db, "Busy parent", lang).card, lang)
        name = i18n.md_escape(lines[0])
        assert f"**{name}**" in [m.value for m in at.markdown]
        texts = [t.value for t in at.text]
        for line in lines[1:]:
            assert line in texts
        # The size's figures: customers and their share of everyone in view.
        assert "Busy parent — " in lines[0] and "%" in lines[0]


def test_the_emotion_curve_names_its_extremes(app_test, demo_db):
    for lang, pos, neg in (("en", "positive", "negative"), ("fr", "positif", "négatif")):
        at = app_test(demo_db, page=PAGE, query_params={"lang": lang})
        assert not _problems(at)
        specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
        text = json.dumps(specs, ensure_ascii=False)
        assert pos in text and neg in text
        assert i18n.t("map.axis_title_nps", lang) in text


def test_pain_lines_on_the_page_are_the_cores(app_test, demo_db):
    at = app_test(demo_db, page=PAGE)
    assert not _problems(at)
    jm = _map(demo_db, None)
    texts = [t.value for t in at.text]
    for s in jm.stages:
        for line in map_export.pain_lines(s, "en", chars=500):
            assert line in texts
        for p in s.pain_points:
            assert p.score is None or p.score < 0  # never a positive NPS as pain


def test_comparison_slide_downloads(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={
        "map_persona": "Busy parent", "map_compare": "persona",
        "map_b_persona": "Cautious senior", "lang": "fr"})
    assert not _problems(at)
    labels = _downloads(at)
    # Labels go through md_escape in download_buttons (a word joiner keeps "16:9" text).
    assert i18n.md_escape(i18n.t("map.export_compare_png", "fr")) in labels
    assert i18n.md_escape(i18n.t("map.export_compare_svg", "fr")) in labels
    # Both cards beside the two curves.
    bold = [m.value for m in at.markdown]
    for who in ("Busy parent", "Cautious senior"):
        assert any(v.startswith(f"**{who} — ") for v in bold), who


def test_no_comparison_slide_when_projecting(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={
        "map_persona": "Busy parent", "map_compare": "persona",
        "map_b_persona": "Cautious senior", "workshop": "1"})
    assert not _problems(at)
    assert not _downloads(at)
    # The card is on the projected map too.
    assert any(m.value.startswith("**Busy parent — ") for m in at.markdown)
