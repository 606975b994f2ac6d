"""Data page: upload + preview + import, the report, remove with confirmation, editors."""

from __future__ import annotations

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


def test_editors_show_a_dash_for_a_missing_value_not_none(app_test, writable_demo_db) -> None:
    """A touchpoint no stage knows yet has no stage and no "online" value: the editors
    (and every grid on the page) draw a dash there, where Streamlit writes "None"."""
    with Store(writable_demo_db) as store:
        assert data_actions.run_import(store, "new.csv", CSV).ok
    at = app_test(writable_demo_db, page="views/data.py", query_params={"lang": "fr"})
    assert not at.exception
    grids = at.dataframe
    touchpoints = next(g for g in grids if "Brand new touchpoint" in str(g.value))
    row = touchpoints.value.set_index("touchpoint").loc["Brand new touchpoint"]
    assert row[["stage", "online"]].isna().all()  # the missing values are there
    assert grids and all(g.proto.placeholder == i18n.DASH for g in grids)
