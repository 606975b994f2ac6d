"""Variants of the process-mining logs in ../shared/real-exports, imported as a user would."""

from __future__ import annotations

from pathlib import Path

import pytest

from journey.analytics import variants
from journey.analytics.filters import Filters
from journey.db.store import Store
from journey.ingest import importer

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-exports"
pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason="the real exports (../shared/real-exports) are not here"
)


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "real.duckdb")
    yield s
    s.close()


def test_pm4py_running_example_has_six_cases_in_six_variants(store: Store) -> None:
    report = importer.import_file(store, REAL / "pm4py_running_example.csv")
    assert report.ok, report.to_text()
    df = variants.variants(store.cursor(), Filters())
    assert (len(df), df["customers"].sum()) == (6, 6)
    assert set(df["customers"]) == {1} and set(df["kind"]) == {"variant"}
    # Case 3's trace, as pm4py lists it: a loop through "reinitiate request".
    assert ["register request", "examine casually", "check ticket", "decide",
            "reinitiate request", "examine thoroughly", "check ticket", "decide",
            "pay compensation"] in list(df["path"])


def test_helpdesk_variants_count_every_case_once(store: Store) -> None:
    report = importer.import_file(store, REAL / "helpdesk_event_log.csv")
    assert report.ok, report.to_text()
    df = variants.variants(store.cursor(), Filters(), top=10)
    assert df["customers"].sum() == 3_804
    assert list(df["kind"]) == ["variant"] * 10 + ["other"]
    assert df["share"].sum() == pytest.approx(1.0)
    everything = variants.variants(store.cursor(), Filters(), top=100_000)
    assert everything["customers"].sum() == 3_804
    assert (everything["kind"] == "variant").all()
    assert len(everything) == 10 + int(df.iloc[-1]["variants"])
