"""scripts/bench_retentioneering.py without retentioneering: Parcours's half on a replicated
3-customer clickstream (counts computed by hand), the mapping of retentioneering's outputs
to the shared terms, the comparison, and the "not installed" message. No timing asserted."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_retentioneering.py"

# u1: a a b; u2: a c (same second: file order decides, a first); u3: b.
CLICKSTREAM = (
    "user_id,event,timestamp\n"
    "u1,a,2024-01-01 10:00:00\n"
    "u1,a,2024-01-01 10:01:00\n"
    "u1,b,2024-01-01 10:02:00\n"
    "u2,a,2024-01-02 09:00:00\n"
    "u2,c,2024-01-02 09:00:00\n"
    "u3,b,2024-01-03 12:00:00\n"
)
# Two copies (6 customers), repeats kept, by hand:
TRANSITIONS = {
    "<start>\ta": 4, "<start>\tb": 2,  # u1, u2 start at a; u3 at b
    "a\ta": 2, "a\tb": 2, "a\tc": 2,  # u1's a -> a -> b, u2's a -> c
    "b\t<end>": 4, "c\t<end>": 2,  # u1 and u3 end at b, u2 at c
}
SANKEY = {
    "paths": 6,
    "nodes": {"1|a": 4, "1|b": 2, "2|a": 2, "2|c": 2, "3|b": 2},
    # paths with fewer than k events: u3 (1 event) from step 2, u2 (2 events) from step 3
    "ended": {1: 0, 2: 2, 3: 4},
}


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_retentioneering", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    path = tmp_path / "clicks.csv"
    path.write_text(CLICKSTREAM, encoding="utf-8")
    return path


def test_replicate_gives_new_ids_per_copy(bench: ModuleType, source: Path,
                                          tmp_path: Path) -> None:
    out = tmp_path / "rep.csv"
    assert bench.write_replicated(bench.read_clickstream(source), 2, out) == 12
    df = pd.read_csv(out)
    assert list(df.columns) == ["customer_id", "ts", "touchpoint"]
    assert df["customer_id"].tolist()[:6] == ["u1#1"] * 3 + ["u2#1"] * 2 + ["u3#1"]
    assert df["customer_id"].nunique() == 6
    assert df["touchpoint"].tolist()[6:] == ["a", "a", "b", "a", "c", "b"]


def test_parcours_half_counts_by_hand(bench: ModuleType, source: Path,
                                      tmp_path: Path) -> None:
    csv_path = tmp_path / "rep.csv"
    bench.write_replicated(bench.read_clickstream(source), 2, csv_path)
    db = tmp_path / "b.duckdb"
    assert bench.build_store(db, csv_path)["rows"] == 12
    mine = bench.parcours_half(db, steps=3, repeat=1)
    assert mine["transitions"] == TRANSITIONS
    assert mine["sankey"] == SANKEY
    assert mine["link_problems"] == []
    assert set(mine["times"]) >= {"sankey", "transitions"}


def test_rete_outputs_map_to_the_same_terms(bench: ModuleType) -> None:
    # retentioneering's shapes: the step matrix in shares of the 6 paths (step 0 is
    # path_start), the count matrix with path_start / path_end rows and columns.
    sm = pd.DataFrame(
        {0: [1, 0, 0, 0, 0], 1: [0, 4 / 6, 2 / 6, 0, 0], 2: [0, 2 / 6, 0, 2 / 6, 2 / 6],
         3: [0, 0, 2 / 6, 0, 4 / 6]},
        index=["path_start", "a", "b", "c", "path_end"])
    names = ["path_start", "a", "b", "c", "path_end"]
    tm = pd.DataFrame(0, index=names, columns=names)
    for (src, tgt), n in {("path_start", "a"): 4, ("path_start", "b"): 2, ("a", "a"): 2,
                          ("a", "b"): 2, ("a", "c"): 2, ("b", "path_end"): 4,
                          ("c", "path_end"): 2}.items():
        tm.at[src, tgt] = n
    theirs = bench.rete_counts(sm, tm, paths=6, steps=3)
    assert theirs == {"sankey": SANKEY, "transitions": TRANSITIONS}
    mine = {"sankey": SANKEY, "transitions": TRANSITIONS}
    assert bench.differences(mine, theirs) == []
    tm.at["a", "c"] = 3
    assert bench.differences(mine, bench.rete_counts(sm, tm, 6, 3)) == [
        "transition 'a\\tc': Parcours 2, retentioneering 3"]


def test_without_retentioneering_says_so_and_prints_parcours(
    bench: ModuleType, source: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(bench, "rete_importable", lambda: False)
    assert bench.main(["--source", str(source), "--copies", "2", "--steps", "3",
                       "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "retentioneering is not installed in this interpreter" in out
    assert "pip install retentioneering==5.2.4" in out
    assert "Parcours sankey, repeats kept" in out
    assert "Parcours transitions, repeats kept" in out
    assert "12 events, 6 users" in out


def test_without_dataset_or_retentioneering_says_how_to_install(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(bench, "rete_importable", lambda: False)
    assert bench.main(["--copies", "1", "--steps", "3", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "ecom dataset was not found" in out
    assert "pip install retentioneering==5.2.4" in out
    assert "clickstream: stand-in (not ecom) x 1" in out
    assert "Parcours transitions, repeats kept" in out
    assert "retentioneering was not run" in out
