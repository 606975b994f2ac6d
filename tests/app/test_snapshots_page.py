"""Snapshots on the journey map under AppTest: save, what changed after an import, open a
snapshot from a link (workshop mode too), remove it."""

from __future__ import annotations

import pandas as pd

from journey import i18n
from journey.analytics import snapshots
from journey.analytics.filters import Filters
from journey.db.store import EVENT_ID_STRIDE, Store

PAGE = "views/journey_map.py"


def _problems(at) -> list[str]:
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def _changes_table(at) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if "Before" in getattr(d.value, "columns", [])]
    assert len(found) == 1
    return found[0]


def _buyers_again(db: str) -> None:
    """Next month's import: every buyer of the demo comes back as a new customer who buys."""
    with Store(db) as s, s.transaction() as cur:
        iid = int(cur.execute("SELECT COALESCE(MAX(import_id), 0) + 1 FROM imports").fetchone()[0])
        cur.execute("INSERT INTO imports VALUES (?, 'next-month.csv', 'h-next', 'events', "
                    "'generic', 0, 0, TIMESTAMP '2026-01-01', NULL)", [iid])
        cur.execute(
            "INSERT INTO events (event_id, customer_id, ts, touchpoint, channel, device, stage, "
            "revenue, import_id) SELECT ? + ROW_NUMBER() OVER (ORDER BY e.event_id), "
            "e.customer_id || '-next', e.ts, e.touchpoint, e.channel, e.device, e.stage, "
            "e.revenue, ? FROM events e WHERE e.customer_id IN (SELECT je.customer_id FROM "
            "journey_events je WHERE je.stage = 'purchase')",
            [iid * EVENT_ID_STRIDE, iid],
        )


def test_save_then_what_changed_after_an_import(app_test, writable_demo_db):
    db = writable_demo_db
    at = app_test(db, page=PAGE)
    assert not _problems(at)
    assert i18n.t("snap.none_yet", "en") in [t.value for t in at.text]
    at.text_input(key="w_snap_name").input("Before the redesign").run()
    at.button(key="snap_save").click().run()
    assert not _problems(at)
    assert 'Saved the snapshot “Before the redesign”.' in [s.value for s in at.success]
    assert at.selectbox(key="w_map_snapshot").value == "Before the redesign"
    table = _changes_table(at)
    # Nothing moved yet: every difference is zero and could be noise.
    assert set(table["Difference"]) <= {"0.0", "+0.0", "−0.0", "-0.0"}
    assert set(table["Beyond the noise?"]) == {"could be noise"}

    _buyers_again(db)
    at = app_test(db, page=PAGE, query_params={"map_snapshot": "Before the redesign"})
    assert not _problems(at)
    with Store(db) as s:
        lanes, _notes = snapshots.compare(s, "Before the redesign")
    table = _changes_table(at)
    assert list(table["Difference"]) == [i18n.fmt_signed(d, "en", 1) for d in lanes["delta"]]
    assert list(table["Margin (95%)"]) == ["± " + i18n.fmt_num(m, "en", 1)
                                           for m in lanes["margin"]]
    assert list(table["Beyond the noise?"]) == [
        "yes" if s else "could be noise" for s in lanes["significant"]]
    assert lanes["significant"].any()  # more buyers: the purchase reach moved
    reach = lanes[(lanes["stage"] == "purchase") & (lanes["lane"] == "reach")].iloc[0]
    assert reach["delta"] > 0 and reach["significant"]

    # The saved map, read-only, as the slide it was.
    at.toggle(key="snap_show_slide").set_value(True).run()
    assert not _problems(at)
    assert len(at.get("image")) == 1

    at.button(key="snap_remove").click().run()
    assert not _problems(at)
    assert 'Removed the snapshot “Before the redesign”.' in [s.value for s in at.success]
    with Store(db) as s:
        assert s.snapshots().empty
        assert s.info()["imports"] == 2  # the data stays


def test_a_link_opens_a_snapshot_in_workshop_mode_in_french(app_test, writable_demo_db):
    db = writable_demo_db
    with Store(db) as s:
        snapshots.save(s, "Janvier", Filters(), lang="fr")
    at = app_test(db, page=PAGE, query_params={"map_snapshot": "Janvier", "lang": "fr",
                                               "workshop": "1"})
    assert not _problems(at)
    tables = [t.value for t in at.table if i18n.t("snap.col_before", "fr") in t.value.columns]
    assert len(tables) == 1
    verdicts = set(tables[0][i18n.t("map.col_verdict", "fr")])
    assert verdicts == {i18n.t("map.could_be_noise", "fr")}  # nothing imported since
    assert not at.text_input  # no controls when projecting
    # The moves as one chart (the slide the PNG download gives), beside the emotion curve.
    assert len(at.get("vega_lite_chart")) >= 2


def test_two_snapshots_compared_then_the_other_one_opened(app_test, writable_demo_db):
    db = writable_demo_db
    with Store(db) as s:
        snapshots.save(s, "A", Filters(), lang="en")
        snapshots.save(s, "B", Filters(personas=["Busy parent"]), lang="en")
        lanes, _ = snapshots.compare(s, "A", "B")
    at = app_test(db, page=PAGE, query_params={"map_snapshot": "A", "map_snapshot_to": "B"})
    assert not _problems(at)
    assert at.selectbox(key="w_map_snapshot_to").value == "B"
    table = _changes_table(at)
    assert list(table["Difference"]) == [i18n.fmt_signed(d, "en", 1) for d in lanes["delta"]]
    assert 'What changed from “A” to “B”' in [m.value.strip("*") for m in at.markdown]
    # Opening B while comparing to B: compared to the map today instead, no error.
    at.selectbox(key="w_map_snapshot").set_value("B").run()
    assert not _problems(at)
    assert at.selectbox(key="w_map_snapshot_to").value == ""
    assert at.query_params.get("map_snapshot") in ("B", ["B"])
