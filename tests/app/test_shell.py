"""The shell: app.py, sidebar filters <-> URL, language, demo loading, errors, workshop mode."""

from __future__ import annotations

from pathlib import Path

from journey import i18n
from journey.analytics import metrics
from journey.analytics.filters import Filters
from journey.db.store import Store

PAGES = ["views/overview.py", "views/flows.py", "views/network.py", "views/nps.py",
         "views/journey_map.py", "views/data.py"]


def _tile(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _overview(db: str, filters: Filters) -> dict:
    with Store(db) as store:
        return metrics.overview(store.cursor(), filters)


def test_every_page_runs_on_demo_data(app_test, demo_db) -> None:
    at = app_test(demo_db)
    assert not at.exception
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.info and "demo" in " ".join(i.value for i in at.info).lower(), page


def test_every_page_runs_on_an_empty_store(app_test, empty_db) -> None:
    at = app_test(empty_db)
    assert not at.exception
    assert not at.metric  # no tiles without data: an empty state instead
    assert any(i.value == i18n.t("shell.empty.no_data", "en") for i in at.info)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
    with Store(empty_db) as store:
        assert store.is_empty()  # autoload is off for this store: nothing was loaded


def test_empty_store_gets_the_demo(app_test, tmp_path: Path) -> None:
    db = str(tmp_path / "fresh.duckdb")
    at = app_test(db)
    assert not at.exception
    with Store(db) as store:
        info = store.info()
    assert info["customers"] == 300  # PARCOURS_DEMO_CUSTOMERS in the fixture
    assert _tile(at, "Customers") == i18n.fmt_int(300, "en")
    assert any(i.value == i18n.t("shell.demo.banner", "en") for i in at.info)


def test_customers_tile_matches_the_store(app_test, demo_db) -> None:
    at = app_test(demo_db)
    with Store(demo_db) as store:
        customers = store.info()["customers"]
    assert _tile(at, "Customers") == i18n.fmt_int(customers, "en")
    assert at.query_params.get("lang") in ("en", ["en"])


def test_url_preselects_filters_and_language(app_test, demo_db) -> None:
    at = app_test(demo_db, query_params={"persona": "Busy parent", "stage": "purchase",
                                         "lang": "fr"})
    assert not at.exception
    assert at.session_state["sb_persona"] == ["Busy parent"]
    assert at.session_state["sb_stage"] == ["purchase"]
    expected = _overview(demo_db, Filters(personas=["Busy parent"], stages=["purchase"]))
    assert _tile(at, i18n.t("tile.customers", "fr")) == i18n.fmt_int(expected["customers"], "fr")
    assert at.title[0].value == i18n.t("page.overview", "fr")
    assert any("Achat" in c.value and "Busy parent" in c.value for c in at.caption)


def test_unknown_url_values_are_ignored(app_test, demo_db) -> None:
    at = app_test(demo_db, query_params={
        "persona": ["Nobody", "Busy parent"], "stage": "nope", "since": "not-a-date",
        "outcome": "maybe", "lang": "xx", "channel": "<script>",
    })
    assert not at.exception
    assert at.session_state["sb_persona"] == ["Busy parent"]
    assert at.session_state["sb_stage"] == []
    assert at.session_state["sb_channel"] == []
    assert at.session_state["sb_outcome"] == "all"
    assert at.query_params["persona"] in ("Busy parent", ["Busy parent"])
    assert "stage" not in at.query_params


def test_changing_a_filter_changes_numbers_and_url(app_test, demo_db) -> None:
    at = app_test(demo_db)
    before = _tile(at, "Customers")
    at.sidebar.multiselect(key="sb_persona").set_value(["Deal hunter"]).run()
    assert not at.exception
    expected = _overview(demo_db, Filters(personas=["Deal hunter"]))["customers"]
    after = _tile(at, "Customers")
    assert after == i18n.fmt_int(expected, "en") != before
    assert at.query_params["persona"] in ("Deal hunter", ["Deal hunter"])
    # Reset brings everything back.
    at.sidebar.button(key="sb_reset").click().run()
    assert _tile(at, "Customers") == before
    assert "persona" not in at.query_params


def test_language_switch(app_test, demo_db) -> None:
    at = app_test(demo_db)
    at.sidebar.radio(key="sb_lang").set_value("fr").run()
    assert not at.exception
    assert at.title[0].value == i18n.t("page.overview", "fr")
    assert any(m.label == "Clients" for m in at.metric)
    assert at.query_params["lang"] in ("fr", ["fr"])


def test_workshop_mode_has_no_sidebar(app_test, demo_db) -> None:
    at = app_test(demo_db, query_params={"workshop": "1", "persona": "Busy parent"})
    assert not at.exception
    assert not at.sidebar.multiselect
    assert at.metric  # the page itself is there, with the link's filters
    expected = _overview(demo_db, Filters(personas=["Busy parent"]))["customers"]
    assert _tile(at, "Customers") == i18n.fmt_int(expected, "en")


def test_a_file_that_is_not_a_store_gives_a_plain_message(app_test, tmp_path: Path) -> None:
    bad = tmp_path / "notes.duckdb"
    bad.write_text("this is not a database\n" * 100)
    at = app_test(str(bad))
    assert not at.exception
    assert at.error and "notes.duckdb" in at.error[0].value
