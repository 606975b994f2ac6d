"""Overview page: tiles, funnel, top tables, captions, French, empty states."""

from __future__ import annotations

from journey import i18n
from journey.analytics import metrics
from journey.analytics.filters import Filters
from journey.db.store import Store


def _tiles(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_tiles_match_metrics_overview(app_test, demo_db) -> None:
    at = app_test(demo_db)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    with Store(demo_db) as store:
        ov = metrics.overview(store.cursor(), Filters())
    tiles = _tiles(at)
    assert tiles["Customers"] == i18n.fmt_int(ov["customers"], "en")
    assert tiles["Journeys"] == i18n.fmt_int(ov["journeys"], "en")
    assert tiles["Conversion rate"] == i18n.fmt_pct(ov["conversion_rate"], "en")
    assert tiles["Responses"] == i18n.fmt_int(ov["responses"], "en")
    assert tiles["NPS"].startswith(i18n.fmt_num(ov["nps"], "en", 0))
    assert "±" in tiles["NPS"]
    # Every chart/table is captioned with the filters and n.
    n_text = i18n.t("shell.caption.n", "en", n=i18n.fmt_int(ov["customers"], "en"))
    assert any(n_text in c.value for c in at.caption)
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")


def test_overview_in_french(app_test, demo_db) -> None:
    at = app_test(demo_db, query_params={"lang": "fr"})
    tiles = _tiles(at)
    assert "Clients" in tiles and "Taux de conversion" in tiles
    assert "," in tiles["Taux de conversion"]  # decimal comma
    assert any(s.value == i18n.t("overview.funnel", "fr") for s in at.subheader)


def test_persona_filter_changes_the_tiles(app_test, demo_db) -> None:
    at = app_test(demo_db)
    everyone = _tiles(at)["Customers"]
    at.sidebar.multiselect(key="sb_persona").set_value(["Cautious senior"]).run()
    assert _tiles(at)["Customers"] != everyone
    assert any("Cautious senior" in c.value for c in at.caption)


def test_nothing_matches(app_test, demo_db) -> None:
    at = app_test(demo_db, query_params={"since": "2026-06-30", "until": "2026-06-30",
                                         "persona": "Cautious senior", "device": "tablet",
                                         "outcome": "converted"})
    assert not at.exception
    # What the page shows, not only that it did not crash: `guard` would have turned a failing
    # query into an error box, which the lines below reject.
    assert not at.error, [e.value for e in at.error]
    no_match = i18n.t("shell.empty.no_match", "en", button="Reset filters")
    assert no_match in [i.value for i in at.info]
    assert not at.metric and not at.get("vega_lite_chart") and not at.dataframe
    assert [c.value for c in at.caption] == [
        "Persona: Cautious senior · Devices: tablet · Jun 30, 2026 to Jun 30, 2026 · "
        "Converted journeys · n = 0"]


def test_empty_store(app_test, empty_db) -> None:
    at = app_test(empty_db, query_params={"lang": "fr"})
    assert not at.exception
    assert any(i.value == i18n.t("shell.empty.no_data", "fr") for i in at.info)
