"""`export-parquet`: every table of the store as Parquet, one folder each, with a manifest."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.parquet as pq
import pytest
from small_store import small_store

from journey.cli import main
from journey.db import derived
from journey.db.parquet_export import ExportError, export_parquet
from journey.db.spark_engine import SparkEngine
from journey.db.store import SCHEMA_VERSION

T0 = dt.datetime(2024, 1, 1, 9, 0)
TOUCHPOINTS = [("ad", "awareness", "social", True), ("checkout", "purchase", "web", True)]
EVENTS = [
    ("a", T0, "ad", "mobile", None),
    ("a", T0 + dt.timedelta(hours=5), "checkout", "desktop", 40.0),
    ("b", T0 + dt.timedelta(days=1), "ad", None, None),
]
RESPONSES = [("a", T0 + dt.timedelta(days=2), "purchase", "checkout", 10, 5, 7, "l'appli")]


@pytest.fixture
def store(tmp_path):
    s = small_store(tmp_path / "s.duckdb", touchpoints=TOUCHPOINTS, events=EVENTS,
                    customers=[("a", "Parent")], responses=RESPONSES)
    yield s
    s.close()


def test_every_table_with_its_rows_and_a_manifest(store, tmp_path):
    out = tmp_path / "pq"
    manifest = export_parquet(store.cursor(), out)
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert manifest["format"] == "parcours-parquet/1"
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["data_version"] == store.data_version
    tables = manifest["tables"]
    # The stored tables and the derived journey tables the analytics read.
    for name in ("events", "responses", "customers", "touchpoints", "stages", "meta",
                 "journey_events", "tp_steps", "stage_steps", "customer_summary"):
        assert name in tables, name
    # Fast filters off (the default): no extra table, and a Spark engine on it knows.
    assert not set(derived.EXTRA_TABLES) & set(tables)
    assert not SparkEngine(object(), str(out)).fast_filters
    assert tables["events"]["rows"] == 3
    assert tables["responses"]["rows"] == 1
    assert tables["touchpoints"]["rows"] == 2
    events = pq.read_table(out / "events").to_pandas().sort_values("event_id")
    assert events["touchpoint"].tolist() == ["ad", "checkout", "ad"]
    assert events["revenue"].tolist()[1] == 40.0
    # Wall-clock timestamps without a zone: Spark reads them as TIMESTAMP_NTZ.
    ts_type = pq.read_schema(out / "events" / "part-0.parquet").field("ts").type
    assert ts_type.tz is None
    assert events["ts"].tolist()[1] == T0 + dt.timedelta(hours=5)
    assert pq.read_table(out / "responses").column("comment").to_pylist() == ["l'appli"]


def test_a_new_export_replaces_the_old_one(store, tmp_path):
    out = tmp_path / "pq"
    export_parquet(store.cursor(), out)
    store.set_setting("conversion_stage", "awareness")  # a write: the data version moves
    manifest = export_parquet(store.cursor(), out)
    assert manifest["data_version"] == store.data_version
    meta = dict(pq.read_table(out / "meta").to_pandas()[["key", "value"]].values)
    assert meta["setting:conversion_stage"] == "awareness"


def test_a_folder_holding_something_else_is_left_alone(store, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious", encoding="utf-8")
    with pytest.raises(ExportError, match="holds no Parcours export"):
        export_parquet(store.cursor(), out)
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_the_command(store, tmp_path, capsys):
    path = str(store.path)
    store.close()
    out = tmp_path / "cli"
    assert main(["export-parquet", "--db", path, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Wrote ") and "(3 events, data version" in said
    assert (out / "events" / "part-0.parquet").exists()
    assert main(["export-parquet", "--db", path, "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tables"]["events"]["rows"] == 3
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["export-parquet", "--db", path, "--out", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_query_refuses_spark_without_a_parquet_folder(store, capsys):
    path = str(store.path)
    store.close()
    assert main(["query", "funnel", "--db", path, "--engine", "spark"]) == 2
    assert "add --parquet DIR" in capsys.readouterr().err
    assert main(["query", "funnel", "--db", path, "--engine", "mysql", "--parquet", "x"]) == 2
    assert "use duckdb, spark or spark://HOST:PORT" in capsys.readouterr().err
    assert main(["query", "funnel", "--db", path, "--parquet", "x"]) == 2
    assert "--parquet is read by --engine spark" in capsys.readouterr().err


def test_the_app_picks_its_engine_from_the_environment(monkeypatch):
    from journey.db.store import StoreError
    from ui.store import analytics_engine, engine_setting

    monkeypatch.delenv("PARCOURS_ENGINE", raising=False)
    monkeypatch.delenv("PARCOURS_PARQUET", raising=False)
    assert engine_setting() == ("duckdb", None)
    assert analytics_engine() is None  # a DuckDB cursor per query, as before
    monkeypatch.setenv("PARCOURS_ENGINE", "spark://10.0.0.5:7077")
    with pytest.raises(StoreError) as got:
        analytics_engine()
    assert got.value.code == "spark_no_parquet"
    assert "set PARCOURS_PARQUET" in got.value.text("en", "app")
    assert "donnez à PARCOURS_PARQUET" in got.value.text("fr", "app")


def test_fast_filter_tables_are_exported_when_built(store, tmp_path):
    store.set_setting(derived.FAST_FILTERS_SETTING, "on")
    out = tmp_path / "pq"
    tables = export_parquet(store.cursor(), out)["tables"]
    # a: ad (mobile), checkout (desktop) 5 h later; b: ad (no device). One step per
    # (customer, device) at each of the two levels: a-mobile, a-desktop = 4 rows.
    assert tables["device_steps"]["rows"] == 4
    # The 30-min gap cuts a's journey: a [ad] | [checkout], b [ad] = 3 session steps.
    assert tables["tp_steps_s30"]["rows"] == 3
    assert set(derived.EXTRA_TABLES) <= set(tables)
    assert SparkEngine(object(), str(out)).fast_filters
