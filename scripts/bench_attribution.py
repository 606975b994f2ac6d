"""Time every attribution model and the "fix first" table on a demo store of ~1M events.

    python scripts/bench_attribution.py [--db /tmp/attrib_bench.duckdb] [--customers 100000]
                                        [--runs 5]

Builds the demo store when the file does not exist (`python -m journey sample --customers N`:
100,000 customers make about 1.05M events), then, for a few filters, reports the median wall
and CPU time of: loading the paths (SQL), each model on them (numpy), and each model end to
end as the page or the CLI asks for it (`attribution.attribute`: load + model).

Targets (issue 12): at 1M events every model <= 1 s, Shapley <= 3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms) of `runs` calls after one warm-up call."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="/tmp/attrib_bench.duckdb")
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    if not Path(args.db).exists():
        print(f"building {args.db} ({args.customers:,} demo customers)...", flush=True)
        subprocess.run([sys.executable, "-m", "journey", "sample", "--customers",
                        str(args.customers), "--db", args.db], check=True)

    from journey.analytics import attribution, fix_first
    from journey.analytics.filters import Filters
    from journey.db.engine import Engine
    from journey.db.store import Store

    with Store(args.db) as store:
        engine = Engine(store.cursor())
        (events,) = engine.one("SELECT COUNT(*) FROM journey_events")
        print(f"{events:,} events; median of {args.runs} runs, wall / CPU ms")
        cases = [
            ("all journeys", Filters(), attribution.AttributionOptions()),
            ("channel level", Filters(), attribution.AttributionOptions(level="channel")),
            ("one persona", Filters(personas=["Busy parent"]),
             attribution.AttributionOptions()),
            ("device filter (computed steps)", Filters(devices=["mobile"]),
             attribution.AttributionOptions()),
            ("30-day lookback", Filters(), attribution.AttributionOptions(lookback_days=30)),
        ]
        for name, filters, options in cases:
            paths = attribution.load_paths(engine, filters, options)
            w, c = timed(lambda f=filters, o=options: attribution.load_paths(engine, f, o),
                         args.runs)
            print(f"\n{name}: {paths.journeys:,} journeys, {paths.conversions:,} converting, "
                  f"{len(paths.nodes)} {options.level}s, {paths.node.size:,} path steps")
            print(f"  {'load paths (SQL)':28} {w:8.0f} / {c:6.0f}")
            for model in attribution.MODELS:
                mw, mc = timed(lambda m=model, p=paths, o=options: attribution.credit(
                    p, m, o.half_life_days), args.runs)
                ew, ec = timed(lambda m=model, f=filters, o=options: attribution.attribute(
                    engine, f, m, o), args.runs)
                print(f"  {model:12} model {mw:6.0f} / {mc:5.0f}   end to end "
                      f"{ew:6.0f} / {ec:6.0f}")
        w, c = timed(lambda: fix_first.fix_first(engine, Filters()), args.runs)
        print(f"\nfix first (all journeys)        {w:8.0f} / {c:6.0f}")


if __name__ == "__main__":
    main()
