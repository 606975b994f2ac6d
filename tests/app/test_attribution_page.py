"""Attribution page (AppTest): the models side by side and what to fix first, EN and FR, its
controls in the URL, and the catalogue of its area."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from journey import i18n

PAGE = "views/attribution.py"


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_page_on_demo_data(demo_db, app_test, lang):
    at = app_test(demo_db, page=PAGE, query_params={"lang": lang})
    _clean(at)
    assert at.title[0].value == i18n.t("page.attribution", lang)
    subheaders = [s.value for s in at.subheader]
    assert i18n.t("attribution.chart_title", lang) in subheaders
    assert i18n.t("attribution.fix_title", lang) in subheaders
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"), "the grouped bars"
    assert len(at.dataframe) == 2, "credits by model, then the fixes"
    credits = at.dataframe[0].value
    # One column per model besides the node; every model credits the same conversions.
    sums = credits.drop(columns=["node", "journeys", "converting"]).sum()
    assert len(sums) == 7 and (sums - sums.iloc[0]).abs().max() < 1e-6
    # The summary caption names the conversions and n.
    assert any("n = 300" in c.value or "n = 300" in c.value.replace(i18n.NNBSP, " ")
               for c in at.caption)


def test_level_and_half_life_go_to_the_url(demo_db, app_test):
    at = app_test(demo_db, page=PAGE)
    at.segmented_control(key="attribution_level").set_value("channel").run()
    _clean(at)
    assert at.query_params.get("attribution_level") in ("channel", ["channel"])
    at.number_input(key="attribution_half_life").set_value(3).run()
    _clean(at)
    assert "attribution_half_life" in at.query_params
    # A shared link reopens the same view.
    again = app_test(demo_db, page=PAGE, query_params={"attribution_level": "channel",
                                                       "attribution_lookback": "30"})
    _clean(again)
    assert again.segmented_control(key="attribution_level").value == "channel"
    assert again.number_input(key="attribution_lookback").value == 30


def test_a_persona_without_conversions_says_so(demo_db, app_test):
    at = app_test(demo_db, page=PAGE, query_params={"outcome": "dropped_off"})
    assert not at.exception and not at.error
    assert any(i18n.t("attribution.no_conversion", "en").split("{")[0] in x.value
               for x in at.info)


# -- the area's catalogue -----------------------------------------------------------------------
def _area(lang: str) -> dict[str, str]:
    path = i18n.LOCALES_DIR / lang / "attribution.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_both_languages_and_french_punctuation():
    en, fr = _area("en"), _area("fr")
    assert en.keys() == fr.keys()
    for key in en:
        assert set(re.findall(r"\{(\w+)\}", en[key])) == set(re.findall(r"\{(\w+)\}", fr[key]))
    bad = [(k, t) for k, t in fr.items()
           if re.search(r"(?<!\u202f)(?<!\u00a0)[:;!?](?!\d)", re.sub(r"\{[^}]*\}", "", t))]
    assert bad == []


def test_every_key_of_the_area_is_used():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = "\n".join(p.read_text(encoding="utf-8") for p in [
        root / "app.py", *(root / "views").glob("*.py"), *(root / "ui").glob("*.py"),
        *(root / "journey").rglob("*.py")])
    assert [k for k in _area("en") if f'"{k}"' not in code] == []


def test_no_lookback_window_reads_no_limit_not_zero(demo_db, app_test):
    """The lookback's default is no window: the box is empty with "No limit" in it (a 0 read
    as "zero days"); a value counts, and emptying it is no window again."""
    at = app_test(demo_db, page=PAGE)
    _clean(at)
    box = at.number_input(key="attribution_lookback")
    assert box.value is None
    assert box.proto.placeholder == "No limit"
    assert box.proto.min == 1
    box.set_value(30).run()
    _clean(at)
    assert at.query_params.get("attribution_lookback") in ("30", ["30"])
    at.number_input(key="attribution_lookback").set_value(None).run()
    _clean(at)
    assert "attribution_lookback" not in at.query_params
    fr = app_test(demo_db, page=PAGE, query_params={"lang": "fr"})
    _clean(fr)
    assert fr.number_input(key="attribution_lookback").proto.placeholder == "Sans limite"
