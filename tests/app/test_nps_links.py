"""The NPS page's themes and explorer controls in a shared link: each `nps_*` key opened with a
valid value shows it (figures as the core computes them), a hostile or stale value is named in
a notice (escaped) and the default used, and the controls set by hand are written back."""

from __future__ import annotations

import math

import pytest
from app_helpers import direct, run_clean

from journey import i18n
from journey.analytics import drivers, themes, voc, voc_journeys
from journey.analytics.filters import Filters

PAGE = "views/nps.py"
HOSTILE = "[x](http://127.0.0.1:9/x)"
# URL key -> (the control showing it, its default, the notice's name for it)
CONTROLS = {
    "nps_hm": ("themes_w_value", "share", "urlstate.heatmap_value"),
    "nps_drv_stage": ("themes_w_stage", None, "urlstate.drivers_stage"),
    "nps_trend": ("words_w_grain", "month", "urlstate.trend_grain"),
    "nps_sent": ("words_w_label", "all", "urlstate.sentiment"),
    "nps_stage": ("words_w_stage", "all", "urlstate.stage"),
    "nps_path": ("words_w_path", "all", "urlstate.path"),
    "nps_theme": ("words_w_theme", "all", "urlstate.theme"),
}
# Checked against the data (named "not in the data") or against fixed choices ("not valid").
DATA_KEYS = ("nps_drv_stage", "nps_stage", "nps_path", "nps_theme")


def _run(app_test, db, **query_params):
    return run_clean(app_test, db, PAGE, **query_params)


def _widget(at, key: str):
    for kind in (at.selectbox, at.segmented_control, at.number_input):
        found = [w for w in kind if w.key == key]
        if found:
            return found[0]
    raise AssertionError(f"no control {key}")


def _param(at, key: str) -> str | None:
    if key not in at.query_params:
        return None
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def _total_shown(at) -> int:
    for c in at.caption:
        if "comments " in c.value and " of " in c.value:
            return int(c.value.rsplit(" of ", 1)[1].split()[0].replace(",", ""))
    return 0


def _notices(at) -> list[str]:
    return [w.value for w in at.warning if "link" in w.value]


def _theme(db: str) -> str:
    listing = direct(db, themes.themes)
    assert not listing.empty, "the demo's comments have themes"
    return str(listing.iloc[0]["label"])


def _top_path(db: str):
    return direct(db, voc_journeys.by_variant, top=10).iloc[0]


def test_explorer_filters_from_a_link(app_test, demo_db):
    theme, top = _theme(demo_db), _top_path(demo_db)
    at = _run(app_test, demo_db, nps_sent="negative", nps_stage="purchase",
              nps_path=top["key"], nps_theme=theme)
    assert _notices(at) == []
    assert _widget(at, "words_w_label").value == "negative"
    assert _widget(at, "words_w_stage").value == "purchase"
    assert _widget(at, "words_w_path").value == top["key"]
    assert _widget(at, "words_w_theme").value == theme
    expected = direct(demo_db, voc.count_verbatims, label="negative", theme=theme,
                       path=tuple(top["path"]), filters=Filters(stages=("purchase",)))
    assert _total_shown(at) == expected
    # the link is kept as given
    assert _param(at, "nps_stage") == "purchase" and _param(at, "nps_theme") == theme


@pytest.mark.parametrize(("key", "value"), [("nps_sent", "positive"), ("nps_stage", "purchase"),
                                            ("nps_theme", None)])
def test_each_filter_alone_matches_the_core(app_test, demo_db, key, value):
    value = value or _theme(demo_db)
    at = _run(app_test, demo_db, **{key: value})
    assert _notices(at) == []
    assert _widget(at, CONTROLS[key][0]).value == value
    kw = {"nps_sent": {"label": value}, "nps_theme": {"theme": value},
          "nps_stage": {"filters": Filters(stages=(value,))}}[key]
    assert _total_shown(at) == direct(demo_db, voc.count_verbatims, **kw)


def test_views_from_a_link(app_test, demo_db):
    stages = direct(demo_db, drivers.drivers, by="stage")
    at = _run(app_test, demo_db, nps_themes="1")
    default = _widget(at, "themes_w_stage").value
    other = next(s for s in stages.loc[stages["scope"] == "stage", "group"] if s != default)
    at = _run(app_test, demo_db, nps_themes="1", nps_hm="nps", nps_trend="week",
              nps_drv_stage=other)
    assert _notices(at) == []
    assert _widget(at, "themes_w_value").value == "nps"
    assert _widget(at, "words_w_grain").value == "week"
    assert _widget(at, "themes_w_stage").value == other
    assert (_param(at, "nps_hm"), _param(at, "nps_trend"), _param(at, "nps_drv_stage")) == (
        "nps", "week", other)


def test_page_from_a_link_and_page_999(app_test, demo_db):
    total = direct(demo_db, voc.count_verbatims)
    pages = math.ceil(total / 20)
    assert pages >= 3
    at = _run(app_test, demo_db, nps_page="2")
    assert _notices(at) == [] and _widget(at, "words_w_page").value == 2
    assert any("comments 21–40 of" in c.value for c in at.caption)
    at = _run(app_test, demo_db, nps_page="999")
    assert _notices(at) == [i18n.t("shell.url_clamped", "en", name="Verbatims page",
                                   value="999", used=i18n.fmt_int(pages, "en"))]
    assert _widget(at, "words_w_page").value == pages
    first = (pages - 1) * 20 + 1
    assert any(f"comments {i18n.fmt_int(first, 'en')}–" in c.value for c in at.caption)
    assert _param(at, "nps_page") == str(pages)


def test_page_is_clamped_to_the_pages_of_the_links_filters(app_test, demo_db):
    matching = direct(demo_db, voc.count_verbatims, label="negative")
    pages = math.ceil(matching / 20)
    at = _run(app_test, demo_db, nps_sent="negative", nps_page="999")
    assert _notices(at) == [i18n.t("shell.url_clamped", "en", name="Verbatims page",
                                   value="999", used=i18n.fmt_int(pages, "en"))]
    assert _total_shown(at) == matching


@pytest.mark.parametrize("key", sorted(CONTROLS))
def test_a_hostile_value_is_named_and_the_default_used(app_test, demo_db, key):
    widget, default, label = CONTROLS[key]
    # The themes' controls are drawn (and the drivers' stages read) with their section open.
    opened = {"nps_themes": "1"} if key in ("nps_hm", "nps_drv_stage") else {}
    at = _run(app_test, demo_db, **opened, **{key: HOSTILE})
    why = "shell.url_unknown" if key in DATA_KEYS else "shell.url_invalid"
    notice = i18n.t(why, "en", name=i18n.t(label, "en"), value=i18n.md_escape(HOSTILE))
    assert _notices(at) == [notice]
    # escaped: no live link in the notice
    assert "](" not in notice.replace("\\](", "")
    shown = _widget(at, widget).value
    if default is None:  # the drivers' own default: the conversion stage
        assert shown != HOSTILE and _param(at, key) is None
    else:
        assert shown == default
    assert _param(at, key) is None
    assert _total_shown(at) == direct(demo_db, voc.count_verbatims)


def test_a_theme_that_no_longer_exists(app_test, demo_db):
    at = _run(app_test, demo_db, nps_theme="Old theme · gone", nps_page="abc")
    assert _notices(at) == [
        i18n.t("shell.url_unknown", "en", name="Verbatims theme", value="Old theme · gone"),
        i18n.t("shell.url_invalid", "en", name="Verbatims page", value="abc"),
    ]
    assert _widget(at, "words_w_theme").value == "all"
    assert _widget(at, "words_w_page").value == 1


def test_notice_in_french(app_test, demo_db):
    at = _run(app_test, demo_db, lang="fr", nps_stage=HOSTILE)
    assert i18n.t("shell.url_unknown", "fr", name="Étape des verbatims",
                  value=i18n.md_escape(HOSTILE)) in [w.value for w in at.warning]


def test_controls_are_written_to_the_url(app_test, demo_db):
    theme, top = _theme(demo_db), _top_path(demo_db)
    at = _run(app_test, demo_db)
    assert _param(at, "nps_themes") is None  # folded by default
    at.session_state["themes_w_figures"] = True  # what opening the expander sends
    at.run()
    assert _param(at, "nps_themes") == "1"
    for key in ("nps_hm", "nps_trend", "nps_sent", "nps_stage", "nps_path", "nps_theme",
                "nps_page"):
        assert _param(at, key) is None  # defaults are left out of links
    at.segmented_control(key="themes_w_value").set_value("nps").run()
    at.segmented_control(key="words_w_grain").set_value("week").run()
    at.selectbox(key="words_w_label").set_value("negative").run()
    at.selectbox(key="words_w_path").set_value(top["key"]).run()
    at.selectbox(key="words_w_theme").set_value(theme).run()
    assert not at.exception and not at.error
    written = {k: _param(at, k) for k in ("nps_hm", "nps_trend", "nps_sent", "nps_path",
                                          "nps_theme")}
    assert written == {"nps_hm": "nps", "nps_trend": "week", "nps_sent": "negative",
                       "nps_path": top["key"], "nps_theme": theme}
    at.selectbox(key="words_w_theme").set_value("all").run()
    at.selectbox(key="words_w_path").set_value("all").run()
    at.selectbox(key="words_w_label").set_value("all").run()
    at.selectbox(key="words_w_stage").set_value("purchase").run()
    at.number_input(key="words_w_page").set_value(2).run()
    assert _param(at, "nps_stage") == "purchase" and _param(at, "nps_page") == "2"
    assert _param(at, "nps_theme") is None and _param(at, "nps_path") is None
    assert _param(at, "nps_sent") is None
    # the written link reopens the same view
    link = {k: _param(at, k) for k in ("nps_themes", "nps_hm", "nps_trend", "nps_stage",
                                       "nps_page")}
    again = _run(app_test, demo_db, **link)
    assert _notices(again) == []
    assert _total_shown(again) == _total_shown(at) == direct(
        demo_db, voc.count_verbatims, filters=Filters(stages=("purchase",)))
    assert _widget(again, "words_w_page").value == 2
    assert _widget(again, "words_w_grain").value == "week"
    assert _widget(again, "themes_w_value").value == "nps"
    assert any("comments 21–" in c.value for c in again.caption)


def test_workshop_mode_keeps_the_links_values(app_test, demo_db):
    at = _run(app_test, demo_db, workshop="1", nps_sent="negative", nps_trend="week")
    assert _notices(at) == []
    assert _widget(at, "words_w_label").value == "negative"
    assert _total_shown(at) == direct(demo_db, voc.count_verbatims, label="negative")
    assert (_param(at, "workshop"), _param(at, "nps_sent"), _param(at, "nps_trend")) == (
        "1", "negative", "week")
