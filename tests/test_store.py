"""The store: schema, migrations, transactions, removal, settings and notes."""

from __future__ import annotations

import json

import duckdb
import pytest

from journey import cli
from journey.db.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError


def _add_import(cur, import_id: int, name: str = "f.csv") -> None:
    cur.execute(
        "INSERT INTO imports (import_id, file_name, content_hash, kind, layout, rows, "
        "imported_at) VALUES (?, ?, ?, 'events', 'generic', 2, now()::TIMESTAMP)",
        [import_id, name, f"hash-{import_id}"],
    )


def _add_events(store: Store, import_id: int, customer: str) -> None:
    with store.transaction() as cur:
        _add_import(cur, import_id)
        cur.executemany(
            "INSERT INTO events (event_id, customer_id, ts, touchpoint, import_id) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (import_id * 10, customer, "2026-01-01 10:00", "Ad", import_id),
                (import_id * 10 + 1, customer, "2026-01-02 10:00", "Cart", import_id),
            ],
        )


def test_new_store_has_default_stages_and_nothing_else(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        info = store.info()
        assert info["schema_version"] == SCHEMA_VERSION == 8
        assert (info["events"], info["customers"], info["imports"], info["stages"]) == (0, 0, 0, 5)
        stages = store.stages()
        assert list(stages["stage"]) == [
            "awareness", "consideration", "purchase", "retention", "advocacy",
        ]
        assert list(stages["label_fr"])[2] == "Achat"
        assert store.is_empty()


def test_reopening_keeps_data_and_version(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        _add_events(store, 1, "c1")
        version = store.data_version
    with Store(path) as store:
        assert store.info()["events"] == 2
        assert store.data_version == version == 1


def test_v1_file_upgrades_with_nothing_lost(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('data_version', '7')")
    con.execute("INSERT INTO stages VALUES ('awareness', 1, 'Awareness', 'Sensibilisation')")
    con.execute(
        "INSERT INTO imports VALUES (1, 'old.csv', 'h', 'responses', 'generic', 1, 0, "
        "TIMESTAMP '2025-01-01', NULL)"
    )
    con.execute(
        "INSERT INTO responses VALUES (5, 'c9', TIMESTAMP '2025-01-01', 'awareness', NULL, "
        "9, NULL, 6, 'Très bien', 1)"
    )
    con.close()

    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 8
        assert store.data_version == 7
        row = store.cursor().execute(
            "SELECT customer_id, nps, ces, comment, ces_high_is_easy FROM responses"
        ).fetchone()
        assert row == ("c9", 9, 6, "Très bien", True)
        assert store.info()["stages"] == 1  # an upgraded file keeps its own stage model
        store.set_note("awareness", "Relancer les publicités", persona="Busy parent")
        assert list(store.notes("Busy parent")["note"]) == ["Relancer les publicités"]


def test_failed_transaction_changes_nothing(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        _add_events(store, 1, "c1")
        before = store.info()
        with pytest.raises(RuntimeError):
            with store.transaction() as cur:
                _add_import(cur, 2)
                cur.execute(
                    "INSERT INTO events (event_id, customer_id, ts, touchpoint, import_id) "
                    "VALUES (99, 'c2', TIMESTAMP '2026-01-01', 'Ad', 2)"
                )
                raise RuntimeError("boom")
        assert store.info() == before


def test_remove_import_removes_only_that_import(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        _add_events(store, 1, "c1")
        _add_events(store, 2, "c2")
        assert store.info()["events"] == 4
        assert store.remove_import(1) is True
        info = store.info()
        assert (info["events"], info["customers"], info["imports"]) == (2, 1, 1)
        remaining = store.cursor().execute("SELECT DISTINCT customer_id FROM events").fetchall()
        assert remaining == [("c2",)]
        derived = store.cursor().execute("SELECT count(*) FROM journey_events").fetchone()[0]
        assert derived == 2
        assert store.remove_import(1) is False


def test_touchpoint_map_wins_over_file_stage(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        _add_events(store, 1, "c1")
        store.set_touchpoints([("Cart", "purchase", "web", True)])
        rows = store.cursor().execute(
            "SELECT touchpoint, stage, stage_position, seq FROM journey_events ORDER BY seq"
        ).fetchall()
        assert rows == [("Ad", None, None, 1), ("Cart", "purchase", 3, 2)]


def test_stage_edits_are_validated(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(StoreError, match="same name"):
            store.set_stages([("a", "A", "A"), ("a", "B", "B")])
        store.set_stages([("awareness", "Awareness", None), ("conversion", None, "Conversion"),
                          ("loyalty", "Loyalty", "Fidélité")])
        assert list(store.stages()["stage"]) == ["awareness", "conversion", "loyalty"]
        assert list(store.stages()["label_fr"]) == ["Awareness", "Conversion", "Fidélité"]


def test_notes_set_replace_and_delete(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.set_note("purchase", "Simplifier le paiement")
        store.set_note("purchase", "Simplify payment")
        store.set_note("awareness", "More reviews", persona="Deal hunter")
    with Store(path) as store:
        assert list(store.notes()["note"]) == ["Simplify payment"]
        store.set_note("purchase", "  ")
        assert store.notes().empty
        assert list(store.notes("Deal hunter")["note"]) == ["More reviews"]


def test_foreign_and_newer_files_are_refused(tmp_path):
    foreign = tmp_path / "other.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="not Parcours tables"):
        Store(foreign)

    newer = tmp_path / "newer.duckdb"
    with Store(newer) as store:
        store.cursor().execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer Parcours"):
        Store(newer)


def test_cli_info_json_and_remove(tmp_path, capsys):
    db = str(tmp_path / "s.duckdb")
    with Store(db) as store:
        _add_events(store, 1, "c1")
    assert cli.main(["info", "--db", db, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    for key in ("events", "customers", "responses", "touchpoints", "stages", "personas",
                "imports"):
        assert isinstance(info[key], int)
    assert (info["events"], info["customers"], info["imports"]) == (2, 1, 1)

    assert cli.main(["remove", "--db", db, "7"]) == 1
    assert "no import 7" in capsys.readouterr().err
    assert cli.main(["remove", "--db", db, "1"]) == 0
    assert capsys.readouterr().out.strip() == "Removed import 1."
    assert cli.main(["info", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == 0


def test_removing_an_import_removes_the_stages_and_personas_it_added(tmp_path):
    from journey.ingest import importer

    events = tmp_path / "events.csv"
    events.write_text(
        "customer_id,timestamp,touchpoint,stage\n"
        "c1,2026-01-01 10:00,Podcast,Discovery\n"
        "c1,2026-01-02 10:00,Cart,Achat\n",
        encoding="utf-8",
    )
    people = tmp_path / "customers.csv"
    people.write_text("customer_id,persona\nc1,Night owl\nc2,Busy parent\n", encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as store:
        store.set_personas([("Busy parent", "Kids, little time")])
        before = store.info()
        first = importer.import_file(store, events)
        second = importer.import_file(store, people)
        assert first.ok and second.ok
        assert first.new_stages == ["Discovery"]
        assert list(store.stages()["stage"])[-1] == "Discovery"
        assert sorted(store.personas()["persona"]) == ["Busy parent", "Night owl"]

        assert store.remove_import(second.import_id)
        assert list(store.personas()["persona"]) == ["Busy parent"]  # the user's stays
        assert store.remove_import(first.import_id)
        after = store.info()
        for key in ("events", "customers", "stages", "personas", "touchpoints", "imports"):
            assert after[key] == before[key], key
