"""Data page: upload + preview + import, the report, remove with confirmation, editors."""

from __future__ import annotations

import tempfile
from pathlib import Path

from journey import i18n
from journey.db.store import Store
from ui import data_actions

CSV = (
    b"customer_id,timestamp,touchpoint,channel,device\n"
    b"NEW-1,2026-03-01 10:00,Product page,web,mobile\n"
    b"NEW-1,2026-03-01 10:05,Cart,web,mobile\n"
    b"NEW-2,2026-03-02 11:00,Product page,web,desktop\n"
    b"NEW-3,2026-03-02 12:00,Brand new touchpoint,web,desktop\n"
)


def _customers(at) -> str:
    return next(m.value for m in at.metric if m.label == "Customers")


def test_data_page_runs(app_test, demo_db) -> None:
    at = app_test(demo_db, page="views/data.py")
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Data"
    assert at.get("file_uploader")


def test_import_changes_what_every_page_shows(app_test, writable_demo_db) -> None:
    at = app_test(writable_demo_db)
    with Store(writable_demo_db) as store:
        before = store.info()["customers"]
        assert _customers(at) == i18n.fmt_int(before, "en")
        # The very function the Import button calls.
        report = data_actions.run_import(store, "new.csv", CSV)
        assert report.ok, report.to_text()
        assert "Brand new touchpoint" in report.unmapped_touchpoints
        after = store.info()["customers"]
    assert after == before + 3
    at.run()
    assert not at.exception
    assert _customers(at) == i18n.fmt_int(after, "en")


def test_upload_preview_import_in_the_page(app_test, writable_demo_db) -> None:
    at = app_test(writable_demo_db, page="views/data.py")
    at.get("file_uploader")[0].upload("new.csv", CSV, "text/csv")
    at.run()
    assert not at.exception
    # The preview: detected kind, the editable mapping, an Import button.
    assert any(m.label == "Detected" for m in at.metric)
    assert at.data_editor
    at.button(key="data_import").click().run()
    assert not at.exception
    assert any("Imported" in s.value for s in at.success), [s.value for s in at.success]
    with Store(writable_demo_db) as store:
        files = store.imports()["file_name"].tolist()
    assert "new.csv" in files
    # The same file again is refused, naming the earlier import.
    at.button(key="data_import").click().run()
    assert any("already imported" in e.value for e in at.error), [e.value for e in at.error]


def test_remove_asks_for_confirmation(app_test, writable_demo_db) -> None:
    with Store(writable_demo_db) as store:
        report = data_actions.run_import(store, "new.csv", CSV)
        iid = report.import_id
    at = app_test(writable_demo_db, page="views/data.py")
    at.button(key=f"rm_{iid}").click().run()
    assert not at.exception
    with Store(writable_demo_db) as store:
        assert iid in store.imports()["import_id"].tolist()  # not yet: a question first
    assert any(str(iid) in w.value for w in at.warning)
    at.button(key=f"rm_no_{iid}").click().run()
    with Store(writable_demo_db) as store:
        assert iid in store.imports()["import_id"].tolist()
    at.button(key=f"rm_{iid}").click().run()
    at.button(key=f"rm_yes_{iid}").click().run()
    assert not at.exception
    with Store(writable_demo_db) as store:
        assert iid not in store.imports()["import_id"].tolist()


def test_remove_demo_does_not_reload_it(app_test, writable_demo_db) -> None:
    at = app_test(writable_demo_db, page="views/data.py")
    at.button(key="demo_rm").click().run()
    assert not at.exception
    at.run()
    with Store(writable_demo_db) as store:
        assert store.is_empty()
    at.switch_page("views/overview.py").run()
    assert not at.exception
    assert any(i.value == i18n.t("shell.empty.no_data", "en") for i in at.info)


def test_editors_save(app_test, writable_demo_db) -> None:
    at = app_test(writable_demo_db, page="views/data.py")
    at.button(key="save_pe").click().run()
    assert not at.exception
    assert any(s.value == i18n.t("data.saved", "en") for s in at.success)


def test_data_page_on_empty_store_in_french(app_test, empty_db) -> None:
    at = app_test(empty_db, page="views/data.py", query_params={"lang": "fr"})
    assert not at.exception
    assert at.title[0].value == i18n.t("page.data", "fr")


SURVEY = (
    b"customer,satisfaction,nps\n"
    + b"".join(f"c{i},{1 + i % 10},{i % 11}\n".encode() for i in range(12))
)
BAD_PRICE = b"customer,date,page,revenue\n" + b"".join(
    f"c{i},2024-01-0{1 + i % 9},Page,{'cher' if i % 4 else 3}\n".encode() for i in range(8)
)


def test_upload_shows_what_would_be_imported(app_test, writable_demo_db) -> None:
    at = app_test(writable_demo_db, page="views/data.py")
    at.get("file_uploader")[0].upload("survey.csv", SURVEY, "text/csv")
    at.run()
    assert not at.exception
    assert any("12 rows of Survey responses would be imported" in s.value for s in at.success)
    # The 1-10 'satisfaction' is said to be left out, in the page, before importing.
    assert any("'satisfaction' reads like CSAT" in c.value for c in at.caption)


def test_a_fix_is_one_click(app_test, writable_demo_db) -> None:
    at = app_test(writable_demo_db, page="views/data.py")
    at.get("file_uploader")[0].upload("bad.csv", BAD_PRICE, "text/csv")
    at.run()
    assert any("would not be imported" in e.value for e in at.error)
    label = "set “revenue” to “(not imported)” in the column mapping"
    fix = next(b for b in at.button if b.label == label)
    fix.click().run()
    assert not at.exception
    assert any("8 rows of Events (journeys) would be imported" in s.value for s in at.success)
    at.button(key="data_import").click().run()
    with Store(writable_demo_db) as store:
        got = store.cursor().execute(
            "SELECT count(*), count(revenue) FROM events WHERE import_id = "
            "(SELECT max(import_id) FROM imports)"
        ).fetchone()
    assert got == (8, 0)
    # Imported over the demo: the page offers to remove it, the banner counts both.
    assert any("also holds the demo data" in i.value for i in at.info)
    assert any("yours 8 customers, 8 events" in i.value for i in at.info)


def test_the_store_can_be_backed_up(app_test, writable_demo_db, tmp_path) -> None:
    at = app_test(writable_demo_db, page="views/data.py")
    assert not at.exception and not at.error
    labels = [b.proto.label for b in at.get("download_button")]
    assert i18n.t("data.backup.button", "en") in labels
    # What the button downloads: a store holding the same rows, its temp copy gone.
    with Store(writable_demo_db) as store:
        before = set(Path(tempfile.gettempdir()).glob("parcours-backup-*"))
        data = data_actions.backup_bytes(store)
        left = set(Path(tempfile.gettempdir()).glob("parcours-backup-*")) - before
        expected = store.info()
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(data)
    with Store(copy) as restored:
        assert restored.info() == expected and expected["events"] > 0
    assert left == set()


def test_answers_without_a_stage_are_counted_and_their_placement_is_a_setting(
        app_test, writable_demo_db) -> None:
    # Three answers of a plain survey export: a customer and a score, no stage, no touchpoint.
    with Store(writable_demo_db) as s, s.transaction() as cur:
        cur.execute(
            "INSERT INTO responses (response_id, customer_id, ts, nps, import_id) "
            "SELECT 900000 + ROW_NUMBER() OVER (ORDER BY customer_id), customer_id, "
            "MAX(ts) + INTERVAL 1 DAY, 9, 1 FROM events GROUP BY customer_id "
            "ORDER BY customer_id LIMIT 3")
    at = app_test(writable_demo_db, page="views/data.py")
    assert not at.exception and not at.error, [e.value for e in at.error]
    counts = [m.value for m in at.markdown if "name neither a stage" in m.value]
    assert len(counts) == 1 and "3 name neither" in counts[0] and "**3**" in counts[0]
    at.radio(key="data_answer_placement").set_value("none").run()
    at.button(key="save_placement").click().run()
    assert not at.exception and not at.error
    with Store(writable_demo_db) as s:
        assert s.get_setting("answer_placement") == "none"
    counts = [m.value for m in at.markdown if "name neither a stage" in m.value]
    assert "**0**" in counts[0]


def test_editors_show_a_dash_for_a_missing_value_not_none(app_test, writable_demo_db) -> None:
    """A touchpoint no stage knows yet has no stage and no "online" value: the editors
    (and every grid on the page) draw a dash there, where Streamlit writes "None"."""
    with Store(writable_demo_db) as store:
        assert data_actions.run_import(store, "new.csv", CSV).ok
    at = app_test(writable_demo_db, page="views/data.py", query_params={"lang": "fr"})
    assert not at.exception
    grids = at.dataframe
    # The touchpoint editor (the rules preview's grid shows the name too).
    touchpoints = next(g for g in grids if str(getattr(g, "key", "")).startswith("ed_tp_"))
    row = touchpoints.value.set_index("touchpoint").loc["Brand new touchpoint"]
    assert row[["stage", "online"]].isna().all()  # the missing values are there
    assert grids and all(g.proto.placeholder == i18n.DASH for g in grids)
