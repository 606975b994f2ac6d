"""Time the touchpoint rules on synthetic GA4-like events: the Data page's preview, then
applying the rule set (which touches nearly every customer: a full re-derive), one narrow
edit and its undo (only the customers it can affect), and undo back to no rules.

    python scripts/bench_rules.py [--events 1000000] [--keep] [--store PATH] [--fast-filters]

`--fast-filters` turns the store setting on before the rules (timed: the extra tables'
build), so every re-derive below also keeps the session and device / channel steps.

`--store PATH` starts from a copy of a store an earlier `--keep` run left (its rules are
reset first): a 10M-event store takes minutes to build, and the figures are about what
follows.

The store holds N raw events the way a GA4 export arrives: `page_view` (with a kept
`page_location` attribute over 500 product pages, categories, cart, checkout),
`session_start`, `user_engagement`, `scroll`, `first_visit`, `view_item`, `add_to_cart`,
`purchase`, 10 events per customer, with `session_source` / medium-as-channel attributes. The
rule set is a URL rule (`/product/*` -> "Product page"), the ready-made GA4 set (hide the
automatic events, a page view is its path, default channel grouping) and the e-commerce set.

Targets (issue 11): a preview on 1M events within 1 s; applying to 10M events under a minute.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NAMES = ["page_view", "page_view", "page_view", "page_view", "session_start",
         "user_engagement", "scroll", "first_visit", "view_item", "add_to_cart", "purchase"]
EVENTS_PER_CUSTOMER = 10


def build(path: str, n_events: int) -> float:
    from journey.db.store import EVENT_ID_STRIDE, Store

    n_cust = max(1, n_events // EVENTS_PER_CUSTOMER)
    t0 = time.perf_counter()
    with Store(path) as store, store.transaction() as cur:
        cur.execute("INSERT INTO imports VALUES (1, 'bench-ga4.csv', 'bench', 'events', "
                    "'ga4', ?, 0, now()::TIMESTAMP, NULL)", [n_events])
        cur.execute(
            """
            INSERT INTO events (event_id, customer_id, ts, touchpoint, channel, device, stage,
                                revenue, import_id, attributes)
            SELECT $stride + range, 'U' || CAST(hash(range, 1) % $ncust AS VARCHAR),
                   TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(range, 2) % 7776000 AS BIGINT)),
                   $names[1 + CAST(hash(range, 3) % 11 AS INTEGER)],
                   $media[1 + CAST(hash(range, 4) % 5 AS INTEGER)],
                   CASE WHEN hash(range, 5) % 2 = 0 THEN 'mobile' ELSE 'desktop' END,
                   NULL, NULL, 1,
                   json_object('page_location', 'https://shop.example' ||
                       CASE hash(range, 6) % 4
                           WHEN 0 THEN '/product/' || CAST(hash(range, 7) % 500 AS VARCHAR)
                           WHEN 1 THEN '/category/' || CAST(hash(range, 7) % 20 AS VARCHAR)
                           WHEN 2 THEN '/cart' ELSE '/checkout?step=1' END,
                       'session_source', $sources[1 + CAST(hash(range, 8) % 4 AS INTEGER)])
            FROM range($n)
            """,
            {"stride": EVENT_ID_STRIDE, "ncust": n_cust, "n": n_events, "names": NAMES,
             "media": ["organic", "cpc", "email", "referral", "(none)"],
             "sources": ["google", "(direct)", "newsletter", "instagram.com"]},
        )
    return time.perf_counter() - t0


def rule_list(store: object) -> list:
    from journey.db.rules import Rule
    from journey.ingest import rule_sets

    model = set(store.stages()["stage"])  # type: ignore[attr-defined]
    return ([Rule("page_location", "url_path", "/product/*", "touchpoint", "Product page",
                  only_for="page_view")]
            + rule_sets.rule_set("ga4", model) + rule_sets.rule_set("ecommerce", model))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="preview runs (median)")
    parser.add_argument("--keep", action="store_true", help="keep the store file")
    parser.add_argument("--store", help="start from a copy of this store (built by --keep)")
    parser.add_argument("--fast-filters", action="store_true",
                        help="with the fast-filters store setting on (its build is timed)")
    args = parser.parse_args()

    from journey.analytics import rules_preview
    from journey.db.store import Store

    folder = tempfile.mkdtemp(prefix="parcours-bench-rules-")
    path = str(Path(folder) / "rules.duckdb")
    if args.store:
        shutil.copy(args.store, path)
        with Store(path) as store:
            if store.rules():
                store.set_rules([])
            n = store.cursor().execute("SELECT count(*) FROM events").fetchone()[0]
        print(f"{n:,} events: a copy of {args.store}")
    else:
        built = build(path, args.events)
        print(f"{args.events:,} events: store built (with journeys) in {built:.1f} s")
    from journey.db import fast_filters

    with Store(path) as store:
        t0, c0 = time.perf_counter(), time.process_time()
        fast_filters.switch(store, args.fast_filters)
        if args.fast_filters:
            print(f"fast filters on (their build: {time.perf_counter() - t0:.1f} s wall, "
                  f"{time.process_time() - c0:.1f} s CPU)")
        else:
            print("fast filters off")
    with open("/proc/loadavg") as fh:  # the dev machine is shared: say how busy it was
        print(f"load average before: {fh.read().split()[0]}")
    with Store(path) as store:
        rules = rule_list(store)
        times, cpus = [], []
        for _ in range(args.repeat + 1):  # the first run warms up
            cur = store.cursor()
            t0, c0 = time.perf_counter(), time.process_time()
            pv = rules_preview.preview(cur, rules)
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            cur.close()
        print(f"preview of {len(rules)} rules: {statistics.median(times[1:]):.2f} s wall, "
              f"{statistics.median(cpus[1:]):.2f} s CPU (median; first {times[0]:.2f} s), on "
              f"{pv.customers:,} customers / {pv.events:,} events "
              f"({'sample' if pv.sampled else 'all'}); "
              f"hidden {pv.hidden_before:,} -> {pv.hidden_after:,}")

        def timed(what: str, change) -> None:  # noqa: ANN001 - a callable on the store
            t0, c0 = time.perf_counter(), time.process_time()
            change()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            n = store.cursor().execute("SELECT count(*) FROM journey_events").fetchone()[0]
            print(f"{what}: {wall:.1f} s wall, {cpu:.1f} s CPU ({store.last_refresh} "
                  f"re-derive); {n:,} events left in journeys")

        timed(f"apply {len(rules)} rules", lambda: store.set_rules(rules))
        # A narrow edit, the way people tune a rule set: one product page gets its own
        # name. Only the customers who saw it are re-derived.
        from journey.db.rules import Rule

        star = Rule("page_location", "url_path", "/product/7", "touchpoint", "Star product",
                    only_for="page_view")
        timed("add one narrow rule", lambda: store.set_rules([star, *rules]))
        timed("undo it", store.undo_rules)
        timed("undo again (back to no rules)", store.undo_rules)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:,.0f} MB; load average after: {os.getloadavg()[0]:.1f}")
    if args.keep:
        print(f"store kept at {path}")
    else:
        for f in Path(folder).iterdir():
            f.unlink()
        Path(folder).rmdir()


if __name__ == "__main__":
    main()
