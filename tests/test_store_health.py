"""`check`, `backup` and plain words for a store file that is damaged, foreign or in use."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from journey.cli import main
from journey.db import health
from journey.db.store import Store, StoreError
from journey.ingest.demo import load_sample

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("health") / "sound.duckdb"
    with Store(path) as store:
        load_sample(store, customers=150, seed=5)
    return path


def _copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    return dst


def test_a_sound_store_passes(sound: Path) -> None:
    with Store(sound) as store:
        events = store.cursor().execute("SELECT count(*) FROM events").fetchone()[0]
    report = health.check(sound)
    assert report.ok, report.problems
    assert report.tables["events"] == events > 0
    assert report.tables["customer_keys"] == 150
    assert report.sampled_customers == 150  # fewer customers than the sample size: all of them


def test_a_tampered_journey_table_is_found_and_repaired(sound: Path, tmp_path: Path,
                                                        capsys) -> None:
    path = _copy(sound, tmp_path / "t.duckdb")
    con = duckdb.connect(str(path))
    cid = con.execute("SELECT min(cid) FROM journey_events").fetchone()[0]
    con.execute("UPDATE journey_events SET touchpoint = 'Tampered' WHERE cid = ? AND seq = 1",
                [cid])
    con.close()
    report = health.check(path)
    assert not report.ok
    assert any("journey_events" in p and "for 1 of the sampled" in p for p in report.problems)
    assert main(["check", "--db", str(path)]) == 1
    assert main(["check", "--repair", "--db", str(path)]) == 0
    assert "Rebuilt the journey tables" in capsys.readouterr().out
    assert health.check(path).ok


def test_a_truncated_store_is_called_damaged_not_a_traceback(sound: Path, tmp_path: Path,
                                                             capsys) -> None:
    path = _copy(sound, tmp_path / "cut.duckdb")
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)
    with pytest.raises(StoreError, match="is damaged .* Restore a backup"):
        Store(path)
    assert main(["info", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "is damaged" in err and "Traceback" not in err
    report = health.check(path)
    assert not report.ok and any("is damaged" in p for p in report.problems)
    assert report.problems[-1].startswith("Restore a backup")


def test_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("shopping list\n")
    with pytest.raises(StoreError, match="is not a Parcours store"):
        Store(path)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t AS SELECT 1 AS a").close()
    assert health.check(other).problems == [f"{other} is a DuckDB file but not a Parcours store."]
    assert health.check(tmp_path / "nope.duckdb").problems == [
        f"There is no file {tmp_path / 'nope.duckdb'}."
    ]


def test_the_lock_message_names_the_process_that_holds_it(sound: Path, tmp_path: Path) -> None:
    path = _copy(sound, tmp_path / "busy.duckdb")
    code = ("import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\nprint('ready', "
            "flush=True)\ntime.sleep(60)\n")
    # argv that reads like `python -m journey import ...` to the lock reader
    holder = subprocess.Popen([sys.executable, "-c", code, str(path), "journey", "import"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError) as caught:
            Store(path)
        message = str(caught.value)
        assert f"another `python -m journey import` command (process {holder.pid})" in message
        assert "the app" not in message
    finally:
        holder.kill()
        holder.wait()


def test_backup_is_a_full_consistent_copy(sound: Path, tmp_path: Path, capsys) -> None:
    path = _copy(sound, tmp_path / "live.duckdb")
    out = tmp_path / "backups" / "copy.duckdb"
    assert main(["backup", "--db", str(path), "--out", str(out)]) == 0
    assert f"to {out}" in capsys.readouterr().out
    original, copy = health.check(path), health.check(out)
    assert copy.ok and copy.tables == original.tables
    with Store(out) as store:
        assert store.info()["events"] == original.tables["events"]
    # never overwrite: an existing file is refused and left as it was
    before = out.stat().st_mtime_ns
    time.sleep(0.01)
    assert main(["backup", "--db", str(path), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.stat().st_mtime_ns == before


def test_backup_while_the_store_is_open_in_this_process(sound: Path, tmp_path: Path) -> None:
    path = _copy(sound, tmp_path / "open.duckdb")
    with Store(path) as store:
        cur = store.cursor()
        out = health.backup(cur, tmp_path / "hot.duckdb")
        cur.close()
        n = store.info()["events"]
    assert health.check(out).tables["events"] == n


HOLDER = """
import sys, time
from journey.db.store import Store
store = Store(sys.argv[1])
# Every commit checkpoints too: the copy must never catch the file mid-checkpoint.
store._con.execute("SET checkpoint_threshold = '1KB'")
i = 0
while True:
    i += 1
    with store.transaction() as cur:  # two values, always written together
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('setting:pair_a', ?)", [str(i)])
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('setting:pair_b', ?)", [str(i)])
    if i == 1:
        print("ready", flush=True)
    time.sleep(0.002)
"""


def test_backup_while_another_process_holds_the_store(sound: Path, tmp_path: Path) -> None:
    """The app holds the store (DuckDB lets no other process open it) and keeps writing:
    `python -m journey backup` still makes a copy, consistent to a commit."""
    path = _copy(sound, tmp_path / "held.duckdb")
    events = health.check(path).tables["events"]
    # argv with "streamlit" in it: the lock reader takes it for the app
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "streamlit"],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    outs = [tmp_path / f"held-{k}.duckdb" for k in range(3)]
    try:
        assert holder.stdout.readline().strip() == "ready"
        for out in outs:
            done = subprocess.run(
                [sys.executable, "-m", "journey", "backup", "--db", str(path), "--out", str(out)],
                cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            assert f"to {out}" in done.stdout
        assert holder.poll() is None  # it held the store throughout
    finally:
        holder.kill()
        holder.wait()
    pairs = []
    for out in outs:
        report = health.check(out)
        assert report.ok, report.problems
        assert report.tables["events"] == events
        con = duckdb.connect(str(out), read_only=True)
        a, b = (con.execute("SELECT value FROM meta WHERE key = ?", [f"setting:pair_{k}"])
                .fetchone()[0] for k in "ab")
        con.close()
        assert a == b  # both writes of a commit, or neither
        pairs.append(int(a))
        assert sorted(p.name for p in out.parent.iterdir() if "backup" in p.name) == []
    assert pairs == sorted(pairs) and pairs[0] >= 1
