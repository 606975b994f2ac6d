"""Import speed: our import of a 1M-row events CSV vs DuckDB's own read_csv into a table.

Target (issue 2): the import takes at most 1.5x DuckDB's `CREATE TABLE AS SELECT * FROM
read_csv(...)` on the same file. The import also refreshes the store's derived tables on
commit (journey/derived.py); that part is timed on its own line (by wrapping the store's
commit hook), because it grows with the whole store, not with the file. The machine may be
shared: wall times are noisy, so process CPU time (all DuckDB threads) and the load
average are printed too.

    python scripts/bench_import.py [--rows 1000000] [--repeat 3] [--profile [--explain DIR]]

`--profile`: then each journey table's SELECT of a first import (derived._per_customer_tables),
run again on the imported store with wall and CPU per table (EXPLAIN ANALYZE; `--explain DIR`
writes each plan to DIR/<table>.txt).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journey.db import derived, rules  # noqa: E402
from journey.db.store import Store  # noqa: E402
from journey.ingest import importer, loader  # noqa: E402

# How the loader read each file (typed-first, then any re-read as text): one entry per read.
READS: list[str] = []
_create_typed = loader.Loader._create_typed


def _noted_read(self: loader.Loader, typed: dict, trim: bool) -> None:
    kinds = ", ".join(f"{t} {v[1]}" for t, v in typed.items()) or "all text"
    READS.append(f"{kinds}{', trimmed' if trim else ''}")
    _create_typed(self, typed, trim)


loader.Loader._create_typed = _noted_read  # type: ignore[method-assign]


def make_csv(path: Path, rows: int, offset: int = 0) -> None:
    """A realistic events export: 50k customers, ISO times, 23 touchpoints, some revenue.

    `offset` shifts the row numbers: a small follow-up file then adds events to existing
    customers (and a few new ones) at new times."""
    new = 50000 if offset else 0
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
            SELECT 'c' || (i % 50000 + CASE WHEN i % 10 = 0 THEN {new} ELSE 0 END)
                   AS customer_id,
                   strftime(TIMESTAMP '2024-01-01' + to_seconds(i * 13), '%Y-%m-%d %H:%M:%S')
                       AS timestamp,
                   'touchpoint ' || (i * 7 % 23) AS touchpoint,
                   ['web', 'app', 'email', 'store'][1 + i % 4] AS channel,
                   ['mobile', 'desktop', 'tablet'][1 + i % 3] AS device,
                   CASE WHEN i % 10 = 0 THEN round((i % 997) * 1.25, 2) END AS revenue
            FROM range({int(offset)}, {int(offset) + int(rows)}) t(i)
        ) TO '{path}' (HEADER)
        """
    )
    con.close()


class Clock:
    """Wall and process CPU time (all threads) of one block."""

    def __enter__(self) -> Clock:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def time_duckdb(csv: Path, work: Path, run: int) -> tuple[float, float]:
    con = duckdb.connect(str(work / f"plain{run}.duckdb"))
    with Clock() as c:
        con.execute("CREATE TABLE events AS SELECT * FROM read_csv(?)", [str(csv)])
    con.close()
    return c.wall, c.cpu


def time_import(csv: Path, work: Path, run: int, small: Path) -> dict[str, float | str]:
    """One import of the big file, split into our ingest and the store's derived refresh
    (timed by wrapping the hook the store runs on commit), then a small follow-up import."""
    store = Store(work / f"parcours{run}.duckdb")
    refresh = {"wall": 0.0, "cpu": 0.0}
    after_change = store._after_change

    def timed_after_change(cur: duckdb.DuckDBPyConnection, **kw: object) -> None:
        with Clock() as c:
            after_change(cur, **kw)
        refresh["wall"] += c.wall
        refresh["cpu"] += c.cpu

    store._after_change = timed_after_change  # type: ignore[method-assign]
    READS.clear()
    with Clock() as whole:
        report = importer.import_file(store, csv)
    reads = list(READS)
    if not report.ok:
        raise SystemExit(report.to_text())
    assert report.rows_imported > 0
    out: dict[str, float | str] = {
        "whole": whole.wall, "whole_cpu": whole.cpu,
        "refresh": refresh["wall"], "refresh_cpu": refresh["cpu"],
        "ingest": whole.wall - refresh["wall"], "ingest_cpu": whole.cpu - refresh["cpu"],
        "rows": report.rows_imported, "reads": " then ".join(reads),
    }
    # A small follow-up import into the now big store: only its customers are recomputed.
    refresh["wall"] = refresh["cpu"] = 0.0
    with Clock() as c:
        small_report = importer.import_file(store, small)
    if not small_report.ok:
        raise SystemExit(small_report.to_text())
    out.update(small=c.wall, small_cpu=c.cpu, small_refresh=refresh["wall"],
               how=store.last_refresh or "?")
    # Removed the way the app and the CLI remove it (importer.remove_import: themes found
    # again when answers go), so the figure is what a user waits for.
    with Clock() as c:
        importer.remove_import(store, small_report.import_id)
    out["remove"], out["remove_cpu"] = c.wall, c.cpu
    store.close()
    return out


def profile_build(db: Path, explain: Path | None) -> None:
    """Each journey table's SELECT of a full build over the imported store, on its own:
    wall and process CPU, and (with `explain`) DuckDB's EXPLAIN ANALYZE plan per table."""
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    params: dict = {}
    tables = derived._per_customer_tables(
        "", derived._n_stages(con), rules.stored_rows(con), params,
        extras=derived.fast_filters_wanted(con))
    print("journey tables of a first import, each SELECT on its own (wall s / cpu s):")
    for table, select in tables:
        with Clock() as c:
            plan = con.execute(f"EXPLAIN ANALYZE CREATE TEMP TABLE _bench_{table} AS {select}",
                               derived._params(table, params)).fetchall()
        print(f"  {table:22s}: {c.wall:6.2f} s  cpu {c.cpu:6.2f} s")
        if explain is not None:
            explain.mkdir(parents=True, exist_ok=True)
            (explain / f"{table}.txt").write_text(plan[0][1])
    con.close()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (an upper bound for one import)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--small-rows", type=int, default=1000)
    parser.add_argument("--profile", action="store_true",
                        help="then time each journey table's SELECT on the imported store")
    parser.add_argument("--explain", type=Path, default=None,
                        help="with --profile: write each EXPLAIN ANALYZE plan to this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        work = Path(tmp)
        csv = work / "events.csv"
        make_csv(csv, args.rows)
        small = work / "more_events.csv"
        make_csv(small, args.small_rows, offset=args.rows)
        size = csv.stat().st_size / 1e6
        rss_before = peak_rss_mb()
        plain, plain_cpu, runs = [], [], []
        cpu0 = time.process_time()
        loads = []
        for run in range(args.repeat):
            wall, cpu = time_duckdb(csv, work, run)
            plain.append(wall)
            plain_cpu.append(cpu)
            runs.append(time_import(csv, work, run, small))
            assert runs[-1]["rows"] == args.rows, runs[-1]["rows"]
            loads.append(os.getloadavg()[0])

        def med(key: str) -> float:
            return statistics.median(float(r[key]) for r in runs)

        d, dc = statistics.median(plain), statistics.median(plain_cpu)
        ing, ingc = med("ingest"), med("ingest_cpu")
        print(f"file: {args.rows:,} rows, {size:.1f} MB; median of {args.repeat} runs "
              f"(wall s / process cpu s, all threads)")
        print(f"duckdb read_csv -> table      : {d:6.2f} s  cpu {dc:6.2f} s")
        print(f"parcours ingest (no refresh)  : {ing:6.2f} s  cpu {ingc:6.2f} s  "
              f"({ing / d:.2f}x wall, {ingc / dc:.2f}x cpu; target <= 1.5x)")
        print(f"  how the file was read       : {runs[-1]['reads']}")
        print(f"derived refresh on commit     : {med('refresh'):6.2f} s  "
              f"cpu {med('refresh_cpu'):6.2f} s")
        print(f"parcours import (whole)       : {med('whole'):6.2f} s  "
              f"cpu {med('whole_cpu'):6.2f} s  ({med('whole') / d:.2f}x wall, "
              f"{med('whole_cpu') / dc:.2f}x cpu; target <= 3x)")
        print(f"then a {args.small_rows:,}-row import   : {med('small'):6.2f} s "
              f"(cpu {med('small_cpu'):.2f} s; derived refresh {med('small_refresh'):.2f} s, "
              f"{runs[-1]['how']})")
        print(f"  and removing it again       : {med('remove'):6.2f} s "
              f"(cpu {med('remove_cpu'):.2f} s; importer.remove_import, as the app does)")
        threads = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
        print(f"peak RSS {peak_rss_mb():.0f} MB (before the runs {rss_before:.0f} MB); "
              f"DuckDB threads {threads}")
        print(f"process cpu {time.process_time() - cpu0:.1f} s in all; load average "
              f"{', '.join(f'{x:.1f}' for x in loads)} (after each run) on "
              f"{os.cpu_count()} CPUs")
        if args.profile:
            profile_build(work / f"parcours{args.repeat - 1}.duckdb", args.explain)


if __name__ == "__main__":
    main()
