"""Time the journey queries on synthetic demo-like data.

    python scripts/bench_queries.py [--events 1000000] [--events 10000000] [--keep]
                                    [--fast-filters]

`--fast-filters` builds the store with the store setting on (journey/db/fast_filters.py): the
derive also builds the session step tables and the device / channel steps, and the one-device,
one-channel and 30-min / 1-day gap questions read them. Without it they are computed.

For each size: a child process builds a store (one import of N events generated in DuckDB SQL,
then the derived tables are rebuilt as after any import) and reports how long that took; a
second child process opens the store, runs each query once to warm up, then 5 times, and
reports the median and its own peak RSS. Separate processes so the peak RSS printed for the
queries is what an app process serving them needs, not what the bulk build needed.

Targets (issue 3): median <= 100 ms at 1M events, <= 1 s at 10M, queries process < 2 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOUCHPOINTS = [
    # (touchpoint, stage, channel)
    ("Instagram ad", "awareness", "social"),
    ("YouTube ad", "awareness", "video"),
    ("Search ad", "awareness", "search"),
    ("Friend referral", "awareness", "word of mouth"),
    ("Home page", "consideration", "web"),
    ("Product page", "consideration", "web"),
    ("Comparison page", "consideration", "web"),
    ("Reviews", "consideration", "web"),
    ("App browse", "consideration", "app"),
    ("Store visit", "consideration", "store"),
    ("Cart", "purchase", "web"),
    ("Checkout", "purchase", "web"),
    ("In-store purchase", "purchase", "store"),
    ("Order e-mail", "retention", "e-mail"),
    ("Delivery", "retention", "logistics"),
    ("Hotline", "retention", "phone"),
    ("Loyalty app", "retention", "app"),
    ("Follow-up e-mail", "retention", "e-mail"),
    ("Review request", "advocacy", "e-mail"),
    ("Referral programme", "advocacy", "web"),
]
PERSONAS = ["Busy parent", "Cautious senior", "Deal hunter", "Tech enthusiast"]
DEVICES = ["mobile", "desktop", "tablet", "in-store"]
EVENTS_PER_CUSTOMER = 10


def build(path: str, n_events: int, fast: bool = False) -> dict:
    from journey.db import derived
    from journey.db.store import EVENT_ID_STRIDE, Store

    n_cust = max(1, n_events // EVENTS_PER_CUSTOMER)
    t0 = time.perf_counter()
    store = Store(path)
    if fast:
        store.set_setting(derived.FAST_FILTERS_SETTING, "on")
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO imports VALUES (1, 'bench.csv', 'bench', 'events', 'generic', ?, 0, "
            "now()::TIMESTAMP, NULL)",
            [n_events],
        )
        cur.executemany(
            "INSERT INTO touchpoints (touchpoint, stage, channel, online, import_id) "
            "VALUES (?, ?, ?, TRUE, 1)",
            TOUCHPOINTS,
        )
        cur.executemany("INSERT INTO personas (persona) VALUES (?)", [[p] for p in PERSONAS])
        cur.execute(
            "INSERT INTO customers SELECT 'C' || CAST(range AS VARCHAR), "
            "$personas[1 + CAST(hash(range, 7) % 4 AS INTEGER)], NULL, 1 FROM range($n)",
            {"personas": PERSONAS, "n": n_cust},
        )
        # Journeys drift forward through the stages: each event's touchpoint is drawn
        # from a window that moves with the event's time rank, plus noise; devices mostly
        # stick to the customer's main device.
        cur.execute(
            """
            INSERT INTO events (event_id, customer_id, ts, touchpoint, channel, device, stage,
                                revenue, import_id, attributes)
            SELECT $stride + range AS event_id,
                   'C' || CAST(c AS VARCHAR) AS customer_id,
                   TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(range, 2) % 7776000 AS BIGINT))
                       AS ts,
                   $tps[1 + CAST(LEAST(19, GREATEST(0,
                        CAST(hash(range, 2) % 7776000 AS BIGINT) * 20 / 7776000
                        + CAST(hash(range, 3) % 7 AS BIGINT) - 3)) AS INTEGER)] AS touchpoint,
                   NULL AS channel,
                   CASE WHEN hash(range, 4) % 10 < 8
                        THEN $devices[1 + CAST(hash(c, 5) % 3 AS INTEGER)]
                        ELSE $devices[1 + CAST(hash(range, 6) % 4 AS INTEGER)] END AS device,
                   NULL AS stage,
                   CASE WHEN hash(range, 8) % 20 = 0 THEN 49.5 ELSE NULL END AS revenue,
                   1 AS import_id,
                   NULL AS attributes
            FROM (SELECT range, hash(range, 1) % $ncust AS c FROM range($n))
            """,
            {
                "stride": EVENT_ID_STRIDE,  # import 1
                "tps": [t[0] for t in TOUCHPOINTS],
                "devices": DEVICES,
                "ncust": n_cust,
                "n": n_events,
            },
        )
        t_insert = time.perf_counter()
        c_insert = time.process_time()
    t_done = time.perf_counter()
    c_done = time.process_time()
    have = {r[0] for r in store.cursor().execute("SELECT table_name FROM duckdb_tables()")
            .fetchall()}
    counts = {
        t: store.cursor().execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("events", "journey_events", "tp_steps", "stage_steps", "device_switches",
                  "tp_steps_s30", "tp_steps_s1d", "device_steps", "channel_steps") if t in have
    }
    store.close()
    return {
        "insert_s": t_insert - t0,
        "rebuild_s": t_done - t_insert,
        "rebuild_cpu_s": c_done - c_insert,
        "counts": counts,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def queries() -> list[tuple[str, object]]:
    from journey.analytics import devices, flows, metrics, reach
    from journey.analytics.filters import Filters
    from journey.analytics.scope import FlowOptions

    f0 = Filters()
    persona = Filters(personas=["Busy parent"])
    device = Filters(devices=["mobile", "desktop"])
    # The other event-level filters (issue 14: "including event-level filters"): each drops
    # events, so the journeys' steps are recomputed.
    channel = Filters(channels=["web", "app"])
    stage = Filters(stages=["consideration", "purchase"])
    dates = Filters(since=dt.date(2024, 2, 1), until=dt.date(2024, 2, 29))
    # One device / one channel: the sidebar's common case, read from the slice tables.
    mobile = Filters(devices=["mobile"])
    web = Filters(channels=["web"])
    out: list[tuple[str, object]] = [
        ("sankey", lambda c: flows.sankey(c, f0)),
        ("sankey stage level", lambda c: flows.sankey(c, f0, FlowOptions(level="stage"))),
        ("sankey start_at", lambda c: flows.sankey(c, f0, start_at="Product page")),
        ("sankey end_at", lambda c: flows.sankey(c, f0, end_at="Checkout")),
        ("sankey persona", lambda c: flows.sankey(c, persona)),
        ("sankey device (event filter)", lambda c: flows.sankey(c, device)),
        ("sankey session 30 min", lambda c: flows.sankey(c, f0, FlowOptions(session_gap=30))),
        ("sankey keep repeats", lambda c: flows.sankey(c, f0, FlowOptions(keep_repeats=True))),
        ("transitions", lambda c: flows.transitions(c, f0)),
        ("transitions persona", lambda c: flows.transitions(c, persona)),
        ("transitions device (event filter)", lambda c: flows.transitions(c, device)),
        ("transitions session 30 min",
         lambda c: flows.transitions(c, f0, FlowOptions(session_gap=30))),
        # Every flow query with a session gap of the Flows page (30 min, 1 day): read from the
        # precomputed session steps (derived.SESSION_GAPS).
        ("sankey session 1 day", lambda c: flows.sankey(c, f0, FlowOptions(session_gap=1440))),
        ("transitions session 1 day",
         lambda c: flows.transitions(c, f0, FlowOptions(session_gap=1440))),
        ("sankey stage session 30 min",
         lambda c: flows.sankey(c, f0, FlowOptions(level="stage", session_gap=30))),
        ("transitions stage session 1 day",
         lambda c: flows.transitions(c, f0, FlowOptions(level="stage", session_gap=1440))),
        ("sankey start_at session 30 min",
         lambda c: flows.sankey(c, f0, FlowOptions(session_gap=30), start_at="Product page")),
        ("sankey end_at session 1 day",
         lambda c: flows.sankey(c, f0, FlowOptions(session_gap=1440), end_at="Checkout")),
        ("sankey persona session 30 min",
         lambda c: flows.sankey(c, persona, FlowOptions(session_gap=30))),
        ("top_paths session 30 min",
         lambda c: flows.top_paths(c, f0, FlowOptions(session_gap=30))),
        ("top_paths session 1 day",
         lambda c: flows.top_paths(c, f0, FlowOptions(session_gap=1440))),
        ("dropoffs session 30 min",
         lambda c: flows.dropoffs(c, f0, FlowOptions(session_gap=30))),
        ("last_steps session 1 day",
         lambda c: flows.last_steps(c, f0, FlowOptions(session_gap=1440))),
        ("sankey session 45 min (computed)",
         lambda c: flows.sankey(c, f0, FlowOptions(session_gap=45))),
        ("sankey channel (event filter)", lambda c: flows.sankey(c, channel)),
        ("sankey stage (event filter)", lambda c: flows.sankey(c, stage)),
        ("sankey dates (event filter)", lambda c: flows.sankey(c, dates)),
        ("transitions keep repeats",
         lambda c: flows.transitions(c, f0, FlowOptions(keep_repeats=True))),
        ("transitions dates (event filter)", lambda c: flows.transitions(c, dates)),
        ("top_paths", lambda c: flows.top_paths(c, f0)),
        ("top_paths device (event filter)", lambda c: flows.top_paths(c, device)),
        ("dropoffs", lambda c: flows.dropoffs(c, f0)),
        ("last_steps", lambda c: flows.last_steps(c, f0)),
        ("devices", lambda c: devices.device_switching(c, f0)),
        ("devices persona", lambda c: devices.device_switching(c, persona)),
        ("network", lambda c: flows.network(c, f0)),
    ]
    out += [
        ("sankey one device (slice)", lambda c: flows.sankey(c, mobile)),
        ("sankey one device stage level",
         lambda c: flows.sankey(c, mobile, FlowOptions(level="stage"))),
        ("sankey one device start_at", lambda c: flows.sankey(c, mobile, start_at="Product page")),
        ("transitions one device (slice)", lambda c: flows.transitions(c, mobile)),
        ("top_paths one device (slice)", lambda c: flows.top_paths(c, mobile)),
        ("dropoffs one device (slice)", lambda c: flows.dropoffs(c, mobile)),
        ("network one device (slice)", lambda c: flows.network(c, mobile)),
        ("sankey one channel (slice)", lambda c: flows.sankey(c, web)),
        ("transitions one channel (slice)", lambda c: flows.transitions(c, web)),
        ("sankey one device persona",
         lambda c: flows.sankey(c, Filters(devices=["mobile"], personas=["Busy parent"]))),
    ]
    for fn in (reach.funnel, metrics.nps, metrics.overview):
        out.append((f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}",
                    lambda c, fn=fn: fn(c, f0)))
    out.append(("reach.funnel device (event filter)", lambda c: reach.funnel(c, device)))
    out.append(("reach.funnel one device", lambda c: reach.funnel(c, mobile)))
    return out


def run_queries(path: str, repeat: int, memory_limit: str | None = None,
                only: list[str] | None = None) -> dict:
    from journey.db.engine import Engine
    from journey.db.store import Store

    store = Store(path)
    if memory_limit:
        # DuckDB's default limit is 80% of RAM: it keeps what it may. A limit makes big sorts
        # spill instead (what an app process sharing a machine should do).
        store.cursor().execute(f"SET memory_limit = '{memory_limit}'")
    results = {}
    for name, fn in queries():
        if only and not any(o in name for o in only):
            continue
        cur = store.cursor()
        engine = Engine(cur)  # what the app runs them through (timing, errors with a purpose)
        try:
            fn(engine)  # warm-up
            times, cpu = [], []
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                fn(engine)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            # CPU time (all threads) is shown too: on a loaded shared machine it says more
            # about the query than the wall clock does.
            results[name] = {
                "median_ms": statistics.median(times) * 1000,
                "cpu_ms": statistics.median(cpu) * 1000,
            }
        except Exception as exc:  # report, keep timing the others
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            cur.close()
    store.close()
    return {
        "queries": results,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(args: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--events", type=int, action="append", help="repeatable; default 1000000")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--dir", help="where to keep the bench stores (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep (and reuse) the bench stores")
    p.add_argument("--fast-filters", action="store_true",
                   help="build the store with the fast-filters setting on")
    p.add_argument("--_build", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--_query", help=argparse.SUPPRESS)
    p.add_argument("--memory-limit", help="DuckDB memory_limit for the queries, e.g. 1GB")
    p.add_argument("--only", action="append",
                   help="time only the queries whose name contains this text (repeatable: any)")
    args = p.parse_args()
    if args._build:
        print(json.dumps(build(args._build[0], int(args._build[1]), args.fast_filters)))
        return
    if args._query:
        print(json.dumps(run_queries(args._query, args.repeat, args.memory_limit, args.only)))
        return

    sizes = args.events or [1_000_000]
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="parcours-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    target = {1_000_000: 100.0, 10_000_000: 1000.0}
    for n in sizes:
        db = workdir / f"bench_{n}{'_ff' if args.fast_filters else ''}.duckdb"
        if db.exists() and not args.keep:
            db.unlink()
        if not db.exists():
            b = _child(["--_build", str(db), str(n)]
                       + (["--fast-filters"] if args.fast_filters else []))
            print(
                f"\n== {n:,} events: insert {b['insert_s']:.1f} s, derived rebuild "
                f"{b['rebuild_s']:.1f} s ({b['rebuild_cpu_s']:.1f} s CPU), "
                f"build peak RSS {b['peak_rss_mb']:.0f} MB; "
                f"rows {b['counts']}"
            )
        else:
            print(f"\n== {n:,} events (reusing {db})")
        print(f"fast filters {'on' if args.fast_filters else 'off'}")
        load0 = os.getloadavg()[0]
        q = _child(["--_query", str(db), "--repeat", str(args.repeat)]
                   + (["--memory-limit", args.memory_limit] if args.memory_limit else [])
                   + [a for o in (args.only or []) for a in ("--only", o)])
        limit = target.get(n)
        print(f"{'query':<36} {'median ms':>10} {'cpu ms':>8}  {'target':>8}")
        for name, r in q["queries"].items():
            if "error" in r:
                print(f"{name:<36} {'ERROR':>10}  {r['error']}")
                continue
            ok = "" if limit is None else ("ok" if r["median_ms"] <= limit else "MISSED")
            print(f"{name:<36} {r['median_ms']:>10.1f} {r['cpu_ms']:>8.1f}  {ok:>8}")
        mem = f" (DuckDB memory_limit {args.memory_limit})" if args.memory_limit else ""
        print(f"queries process peak RSS: {q['peak_rss_mb']:.0f} MB{mem}; load average "
              f"{load0:.1f} before / {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
        if not args.keep:
            db.unlink(missing_ok=True)
            Path(str(db) + ".wal").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
