"""Time the export to Parquet and each `query` kind on DuckDB and on Spark, same store.

    python scripts/bench_spark.py [--db /tmp/spark_bench.duckdb] [--customers 5000]
                                  [--engine spark] [--runs 3]

Builds the demo store when the file does not exist (`python -m journey sample`), exports it
(`export-parquet`), then prints, per query kind, the median wall time on DuckDB and on the
Spark engine (`--engine spark` = local[2]; `spark://HOST:PORT` for a cluster) after one
warm-up, and whether both gave the same answer. Spark pays a fixed cost per query (planning,
a job per stage); it wins on data one machine cannot hold, not on a laptop's store.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KINDS = [["sankey"], ["transitions"], ["funnel"], ["dropoffs"], ["paths"], ["nps"],
         ["devices"], ["overview"], ["attribution", "--model", "linear"], ["variants"]]


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """(median wall ms of `runs` calls after one warm-up, the last answer)."""
    answer = fn()
    wall = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = fn()
        wall.append((time.perf_counter() - start) * 1000)
    return statistics.median(wall), answer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="/tmp/spark_bench.duckdb")
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--engine", default="spark")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from journey.analytics.filters import Filters
    from journey.cli import build_parser
    from journey.cli import query as q
    from journey.db.engine import Engine
    from journey.db.parquet_export import export_parquet
    from journey.db.spark_engine import SparkEngine
    from journey.db.store import Store

    db = Path(args.db)
    if not db.exists():
        subprocess.run([sys.executable, "-m", "journey", "sample", "--db", str(db),
                        "--customers", str(args.customers)], check=True,
                       stdout=subprocess.DEVNULL)
    out = db.with_suffix(".parquet")
    with Store(db) as store:
        start = time.perf_counter()
        manifest = export_parquet(store.cursor(), out)
        export_s = time.perf_counter() - start
        events = manifest["tables"]["events"]["rows"]
        print(f"export-parquet: {events:,} events, {len(manifest['tables'])} tables, "
              f"{export_s:.2f} s")
        start = time.perf_counter()
        spark = SparkEngine.open(args.engine, str(out))
        print(f"Spark session ({args.engine}): {time.perf_counter() - start:.1f} s")
        duck = Engine(store.cursor())
        print(f"{'query':28} {'duckdb ms':>10} {'spark ms':>10}  identical")
        for argv in KINDS:
            parsed = build_parser().parse_args(["query", *argv])
            filters = Filters.from_cli_args(parsed, conversion_stage="purchase")

            def ask(engine: Engine, parsed: argparse.Namespace = parsed,
                    filters: Filters = filters) -> str:
                return json.dumps(q._plain(q._compute(parsed, engine, filters)))

            d_ms, d = timed(lambda: ask(duck), args.runs)
            s_ms, s = timed(lambda: ask(spark), args.runs)
            print(f"{' '.join(argv):28} {d_ms:10.1f} {s_ms:10.1f}  {d == s}")


if __name__ == "__main__":
    main()
