"""Import speed: our import of a 1M-row events CSV vs DuckDB's own read_csv into a table.

Target (issue 2): the import takes at most 1.5x DuckDB's `CREATE TABLE AS SELECT * FROM
read_csv(...)` on the same file. The import also rebuilds the store's derived tables on
commit (journey/derived.py); that part is timed separately and shown on its own line,
because it grows with the whole store, not with the file.

    python scripts/bench_import.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journey import derived, ingest  # noqa: E402
from journey.store import Store  # noqa: E402


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


def time_duckdb(csv: Path, work: Path, run: int) -> float:
    con = duckdb.connect(str(work / f"plain{run}.duckdb"))
    start = time.perf_counter()
    con.execute("CREATE TABLE events AS SELECT * FROM read_csv(?)", [str(csv)])
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def time_import(
    csv: Path, work: Path, run: int, small: Path
) -> tuple[float, float, int, float, float, float, str]:
    store = Store(work / f"parcours{run}.duckdb")
    start = time.perf_counter()
    report = ingest.import_file(store, csv)
    total = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(report.to_text())
    # A small follow-up import into the now big store: only its customers are recomputed.
    start, cpu = time.perf_counter(), time.process_time()
    small_report = ingest.import_file(store, small)
    small_s, small_cpu = time.perf_counter() - start, time.process_time() - cpu
    if not small_report.ok:
        raise SystemExit(small_report.to_text())
    how = store.last_refresh or "?"
    # The derived refresh alone for that small import: remove it again (one more
    # incremental refresh) and time that.
    start = time.perf_counter()
    store.remove_import(small_report.import_id)
    remove_s = time.perf_counter() - start
    # What the commit spent on derived tables: rebuild again on the same data and time it.
    cur = store.cursor()
    start = time.perf_counter()
    cur.execute("BEGIN")
    derived.rebuild(cur)
    cur.execute("ROLLBACK")
    rebuild = time.perf_counter() - start
    store.close()
    return total, rebuild, report.rows_imported, small_s, small_cpu, remove_s, how


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--small-rows", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        work = Path(tmp)
        csv = work / "events.csv"
        make_csv(csv, args.rows)
        small = work / "more_events.csv"
        make_csv(small, args.small_rows, offset=args.rows)
        size = csv.stat().st_size / 1e6
        plain, ours, rebuilds, smalls, small_cpus, removes = [], [], [], [], [], []
        cpu0 = time.process_time()
        for run in range(args.repeat):
            plain.append(time_duckdb(csv, work, run))
            total, rebuild, rows, small_s, small_cpu, remove_s, how = time_import(
                csv, work, run, small
            )
            assert rows == args.rows, rows
            ours.append(total)
            rebuilds.append(rebuild)
            smalls.append(small_s)
            small_cpus.append(small_cpu)
            removes.append(remove_s)
        d, o, r = (statistics.median(x) for x in (plain, ours, rebuilds))
        print(f"file: {args.rows:,} rows, {size:.1f} MB; median of {args.repeat} runs")
        print(f"duckdb read_csv -> table      : {d:6.2f} s")
        print(f"parcours import (whole)       : {o:6.2f} s  ({o / d:.2f}x)")
        print(f"  of which derived rebuild    : {r:6.2f} s")
        ratio = (o - r) / d
        print(f"parcours import w/o rebuild   : {o - r:6.2f} s  ({ratio:.2f}x, target <= 1.5x)")
        print(f"then a {args.small_rows:,}-row import   : {statistics.median(smalls):6.2f} s "
              f"(cpu {statistics.median(small_cpus):.2f} s; derived refresh: {how})")
        print(f"  and removing it again       : {statistics.median(removes):6.2f} s")
        print(f"process cpu {time.process_time() - cpu0:.1f} s in all; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
