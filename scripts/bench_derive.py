"""What each derived table costs in a full rebuild, statement by statement.

    python scripts/bench_derive.py STORE [--repeat 3] [--only device_steps]

Opens a built store (e.g. one `scripts/bench_queries.py --keep` left), and times the SELECT
of every per-customer derived table of the one-statement full rebuild
(`derived._per_customer_tables`), each written into a temporary table inside a transaction
that is rolled back: the store is left as it was. Prints the median wall and process CPU
(all DuckDB threads) ms, and the load average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journey.db import derived, rules  # noqa: E402
from journey.db.store import Store  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("store")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--only", help="time only the tables whose name contains this text")
    args = p.parse_args()
    store = Store(args.store)
    cur = store.cursor()
    params: dict = {}
    n_stages = cur.execute("SELECT count(*) FROM stages").fetchone()[0]
    # The tables this store builds: with the fast-filter extras when its setting is on.
    extras = derived.extras_ready(cur)
    tables = derived._per_customer_tables("", n_stages, rules.stored_rows(cur), params,
                                          extras=extras)
    n_events = cur.execute("SELECT count(*) FROM events").fetchone()[0]
    print(f"{n_events:,} events; fast filters {'on' if extras else 'off'}; "
          f"load average {os.getloadavg()[0]:.1f} before")
    print(f"{'table':<24} {'rows':>10} {'wall ms':>9} {'cpu ms':>9}")
    total = [0.0, 0.0]
    for table, select in tables:
        if args.only and args.only not in table:
            continue
        walls, cpus, n = [], [], 0
        for _ in range(args.repeat):
            cur.execute("BEGIN")
            try:
                t, c = time.perf_counter(), time.process_time()
                cur.execute(f"CREATE TEMP TABLE _bench_t AS {select}",
                            params if table == "journey_events" else None)
                walls.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
                n = cur.execute("SELECT count(*) FROM _bench_t").fetchone()[0]
            finally:
                cur.execute("ROLLBACK")
        w, c = statistics.median(walls) * 1000, statistics.median(cpus) * 1000
        total[0] += w
        total[1] += c
        print(f"{table:<24} {n:>10,} {w:>9.0f} {c:>9.0f}")
    print(f"{'all of the above':<24} {'':>10} {total[0]:>9.0f} {total[1]:>9.0f}")
    print(f"load average {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
    store.close()


if __name__ == "__main__":
    main()
