"""The NPS & voice of customer page under AppTest: demo store, empty store, a store without
survey answers; the grouping picker, the verbatim search and a persona filter."""

from __future__ import annotations

import pandas as pd
import pytest
from app_helpers import direct, run_clean

from journey import i18n
from journey.analytics import compare, metrics, voc, voc_journeys
from journey.analytics.filters import Filters
from journey.db.store import Store
from journey.present import stat_charts as sc

PAGE = "views/nps.py"


def _run(app_test, db, **query_params):
    return run_clean(app_test, db, PAGE, **query_params)


def _charts(at) -> list:
    return at.get("vega_lite_chart")


def _group_table(at):
    # The numbers table sits in the section's expander, made when it is opened.
    if not at.expander[0].dataframe:
        at.session_state["nps_w_table"] = True  # what opening the expander sends
        at.run()
        assert not at.exception
    return at.expander[0].dataframe[0].value


def test_folded_tables_are_made_when_opened(app_test, demo_db):
    """The numbers table and the theme editor are neither read nor sent while folded;
    opened, they are there, and the link says so (a shared link opens them)."""
    at = _run(app_test, demo_db)
    assert len(at.expander[0].dataframe) == 0
    assert not [s for s in at.selectbox if s.key == "themes_w_pick"]
    at.session_state["nps_w_table"] = True
    at.session_state["themes_w_manage"] = True
    at.run()
    assert not at.exception
    table = at.expander[0].dataframe[0].value
    assert table.columns[0] == "Stage"
    assert list(table["Answers (n)"]) == direct(
        demo_db, compare.groups, metric="nps", by="stage")["n"].astype(int).tolist()
    assert at.selectbox(key="themes_w_pick").value is not None
    assert at.query_params["nps_table"] == "1" and at.query_params["nps_manage"] == "1"
    again = _run(app_test, demo_db, nps_table="1", nps_manage="1")
    assert len(again.expander[0].dataframe) == 1
    assert again.selectbox(key="themes_w_pick").value is not None


def _verbatim_rows(at) -> list[str]:
    # The explorer's page of verbatims: one Markdown block each, its details in grey.
    return [m.value for m in at.markdown if ":gray[" in m.value]


def _total_shown(at) -> int:
    # "comments 1–20 of 57": the explorer's caption says how many match.
    for c in at.caption:
        if "comments " in c.value and " of " in c.value:
            return int(c.value.rsplit(" of ", 1)[1].split()[0].replace(",", ""))
    return 0


def test_demo_store_renders_every_section(app_test, demo_db):
    at = _run(app_test, demo_db)
    subheaders = [s.value for s in at.main.subheader]
    # groups, stacked, heatmap, trend; themes (ui/voc_themes.py; its figures folded);
    # sentiment over time, detractors' journeys, verbatims (ui/voc_explorer.py)
    assert len(subheaders) == 8
    # bars, stacked, heatmap, trend, sentiment over time
    assert len(_charts(at)) == 5
    # One click (the link's nps_themes=1) adds the drivers and the two theme charts.
    opened = _run(app_test, demo_db, nps_themes="1")
    assert len(opened.main.subheader) == 9 and len(_charts(opened)) == 7
    # NPS shown with its n, equal to the core's number
    overall = direct(demo_db, metrics.nps, by=None).iloc[0]
    label, value = at.metric[0].label, at.metric[0].value
    assert f"n = {i18n.fmt_int(int(overall['n']), 'en')}" in label
    assert value == sc.fmt_signed(float(overall["nps"]), "en")
    # every chart captioned with the filters and n
    n_captions = [c.value for c in at.caption if "n = " in c.value]
    assert len(n_captions) >= 4
    assert len(_verbatim_rows(at)) == 20  # a full first page
    assert _total_shown(at) == direct(demo_db, voc.count_verbatims)


def test_empty_store_explains_what_to_do(app_test, empty_db):
    at = _run(app_test, empty_db)
    assert at.info, "an empty store shows an explanation"
    assert not _charts(at)


def test_store_without_answers_points_to_survey_files(app_test, writable_demo_db):
    with Store(writable_demo_db) as store:
        store.cursor().execute("DELETE FROM responses")
    at = _run(app_test, writable_demo_db)
    text = " ".join(i.value for i in at.info)
    assert "survey" in text and "Qualtrics" in text
    assert not _charts(at)


def test_french_labels_and_numbers(app_test, demo_db):
    at = _run(app_test, demo_db, lang="fr")
    assert any("Promoteurs" in s.value for s in at.subheader)
    assert "\u202f%" in at.metric[2].value  # promoters, "37 %"
    assert "," in at.metric[1].value  # "± 8,5"


def test_switching_grouping_changes_the_table(app_test, demo_db):
    at = _run(app_test, demo_db)
    before = _group_table(at)
    assert before.columns[0] == "Stage"
    at.segmented_control(key="nps_w_by").set_value("persona").run()
    assert not at.exception
    after = _group_table(at)
    assert after.columns[0] == "Persona"
    personas = set(direct(demo_db, metrics.nps, by="persona")["persona"].dropna())
    assert set(after["Persona"]) == personas
    # kept in the URL with a stable value, for links
    assert at.query_params["nps_by"] == ["persona"] or at.query_params["nps_by"] == "persona"


def test_grouping_from_the_url(app_test, demo_db):
    at = _run(app_test, demo_db, nps_by="month", nps_metric="csat")
    table = _group_table(at)
    assert table.columns[0] == "Month"
    assert any("CSAT" in m.label for m in at.metric)


def test_bad_url_values_fall_back(app_test, demo_db):
    at = _run(app_test, demo_db, nps_by="'; DROP TABLE responses; --", nps_group="nope")
    assert _group_table(at).columns[0] == "Stage"


@pytest.mark.parametrize("search", ["livr", "j'ai", "%'_"])
def test_search_narrows_the_verbatims(app_test, demo_db, search):
    at = _run(app_test, demo_db)
    all_rows = _total_shown(at)
    at.text_input(key="nps_w_q").set_value(search).run()
    assert not at.exception and not at.error
    expected = direct(demo_db, voc.count_verbatims, search=search)
    if expected == 0:
        assert any("No comment" in i.value for i in at.info)
        return
    assert _total_shown(at) == expected < all_rows
    rows = _verbatim_rows(at)
    assert len(rows) == min(expected, 20)
    # Every comment shown has the term highlighted.
    assert all(":orange-background[" in r for r in rows)


def test_score_group_filter(app_test, demo_db):
    at = _run(app_test, demo_db)
    at.selectbox(key="nps_w_group").set_value("detractor").run()
    rows = _verbatim_rows(at)
    scores = [int(r.split("NPS ")[1].split()[0]) for r in rows]
    assert len(scores) == len(rows) == 20 and max(scores) <= 6
    assert _total_shown(at) == direct(demo_db, voc.count_verbatims, group="detractor")


def test_sentiment_stage_and_path_filters(app_test, demo_db):
    at = _run(app_test, demo_db)
    at.selectbox(key="words_w_label").set_value("negative").run()
    rows = _verbatim_rows(at)
    assert rows and all(r.endswith("Negative]") for r in rows)
    assert _total_shown(at) == direct(demo_db, voc.count_verbatims, label="negative")
    at.selectbox(key="words_w_stage").set_value("purchase").run()
    assert _total_shown(at) == direct(demo_db, voc.count_verbatims, label="negative",
                                       filters=Filters(stages=("purchase",)))
    assert all(" Purchase · " in r or "Purchase · " in r for r in _verbatim_rows(at))
    at.selectbox(key="words_w_stage").set_value("all").run()
    top = direct(demo_db, voc_journeys.by_variant, top=10).iloc[0]
    at.selectbox(key="words_w_path").set_value(top["key"]).run()
    assert not at.exception
    expected = direct(demo_db, voc.count_verbatims, label="negative", path=tuple(top["path"]))
    assert _total_shown(at) == expected
    assert len(_verbatim_rows(at)) == min(expected, 20)


def test_persona_filter_changes_the_nps(app_test, demo_db):
    everyone = _run(app_test, demo_db)
    persona = "Cautious senior"
    at = _run(app_test, demo_db, persona=persona)
    core = direct(demo_db, metrics.nps, Filters(personas=(persona,)), by=None).iloc[0]
    assert at.metric[0].value == sc.fmt_signed(float(core["nps"]), "en")
    assert f"n = {int(core['n'])}" in at.metric[0].label
    assert at.metric[0].label != everyone.metric[0].label
    assert any(persona in c.value for c in at.caption)


def _a_day_without_answers(db: str) -> str:
    info = Store(db).info()
    first = pd.Timestamp(info["first_event"]).normalize()
    last = pd.Timestamp(info["last_event"]).normalize()
    for day in pd.date_range(first, last, freq="D"):
        f = Filters(since=day.date(), until=day.date())
        if all(direct(db, fn, f, by=None).empty for fn in (metrics.nps, metrics.csat,
                                                            metrics.ces)) \
                and direct(db, voc.verbatims, f, limit=1).empty:
            return day.date().isoformat()
    pytest.skip("every day of the demo has answers")


def test_filter_matching_nothing(app_test, demo_db):
    day = _a_day_without_answers(demo_db)
    at = _run(app_test, demo_db, since=day, until=day)
    assert at.info
    assert not _charts(at)
    no_match = i18n.t("shell.empty.no_match", "en", button="Reset filters")
    assert no_match in [i.value for i in at.info]
    assert not at.metric and not at.dataframe


def test_explorer_pages(app_test, demo_db):
    at = _run(app_test, demo_db)
    total = _total_shown(at)
    first = _verbatim_rows(at)
    at.number_input(key="words_w_page").set_value(2).run()
    second = _verbatim_rows(at)
    assert len(second) == min(20, total - 20) and second != first
    assert any("comments 21–" in c.value for c in at.caption)
    # A narrower filter keeps the page while it exists, else goes to its last one.
    at.text_input(key="nps_w_q").set_value("livr").run()
    assert not at.exception
    matching = direct(demo_db, voc.count_verbatims, search="livr")
    assert 0 < matching
    start = "comments 21–" if matching > 20 else "comments 1–"
    assert any(start in c.value for c in at.caption)


def _points(at):
    return next(e for e in at.expander if "drop-off point" in e.label)


def test_nps_and_sentiment_by_stage_and_dropoff_point(app_test, demo_db):
    """Read only when asked for: folded, the expander holds nothing (its two queries do not
    run on a view of the page); opened, its tables, with the core's figures, and its state
    in the link."""
    at = _run(app_test, demo_db)
    assert len(_points(at).dataframe) == 0
    assert "nps_points" not in at.query_params
    at.session_state["words_w_points"] = True  # what opening the expander sends
    at.run()
    assert not at.exception
    assert at.query_params["nps_points"] == "1"
    stages = direct(demo_db, voc_journeys.by_stage)
    drops = direct(demo_db, voc_journeys.by_dropoff)
    expander = _points(at)
    by_stage, by_drop = expander.dataframe[0].value, expander.dataframe[1].value
    assert len(by_stage) == len(stages) and len(by_drop) == len(drops)
    assert list(by_stage["Answers (n)"]) == stages["nps_n"].tolist()
    assert by_drop["Last step (journeys that did not convert)"].iloc[-1] == "Converted journeys"


def test_a_link_opens_the_stage_and_dropoff_tables(app_test, demo_db):
    """`nps_points=1` in a link opens the expander with its tables read."""
    at = _run(app_test, demo_db, nps_points="1")
    expander = _points(at)
    assert len(expander.dataframe) == 2
    assert list(expander.dataframe[0].value["Answers (n)"]) == direct(
        demo_db, voc_journeys.by_stage)["nps_n"].tolist()


def test_a_themes_detractors_and_the_journeys_they_took(app_test, demo_db):
    """The issue's "done when": pick a theme and Detractors, read their verbatims and see
    which journeys those detractors took, with the core's counts."""
    from journey.analytics import themes

    listing = direct(demo_db, themes.themes)
    assert not listing.empty, "the demo's comments have themes"
    theme = str(listing.iloc[0]["label"])
    at = _run(app_test, demo_db)
    at.selectbox(key="words_w_theme").set_value(theme).run()
    at.selectbox(key="nps_w_group").set_value("detractor").run()
    assert not at.exception
    assert _total_shown(at) == direct(demo_db, voc.count_verbatims, theme=theme,
                                       group="detractor")
    expected = direct(demo_db, voc.writers_journeys, top=10, theme=theme, group="detractor")
    assert not expected.empty
    box = next(e for e in at.expander if "customers behind these verbatims" in e.label)
    shown = box.dataframe[0].value
    assert list(shown["Customers"]) == expected["customers"].tolist()
    assert list(shown["Journey (path)"]) == [" → ".join(p) for p in expected["path"]]
