"""Server CPU of each page's first view, and of a new session's first run (AppTest).

    python scripts/bench_firstview.py --db PATH [--pages nps,journey-map] [--profile N]
                                      [--root CHECKOUT]

Each page is timed in a fresh process (so Streamlit's caches are empty, as after a start):
1. a new session's first run, cold (AppTest lands on the overview: imports, store facts,
   options lists, the sidebar and the overview's queries);
2. the page's first view after that run (every query of the page a cache miss): the main
   figure, what `bench_load --sessions 1` calls a page's server CPU;
3. another session with every cache warm: its first run (the overview), the Data page's
   first view (its own work: the rules preview, a one-off import of pyvis by
   present/flow_charts.py; not the shell alone) and the page (what a second visitor's new tab costs
   the server).
CPU is the process's own (every thread: DuckDB's too), robust to the machine's load; wall time
follows the machine. `--profile N` prints the N dearest functions of the page's first view.
`--root` times another checkout's app (a before/after on the same store). Never a test.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from apptest_child import PAGES, prelude, run_child

ROOT = Path(__file__).resolve().parents[1]

CHILD = prelude("profile, detail", 'int(sys.argv[3]), sys.argv[4] == "1"') + r"""
# --detail: CPU per query (fn name; a cache hit costs ~0) and per chart builder.
SPENT = []
if detail:
    import functools, importlib, inspect
    from ui import page as ui_page
    _query = ui_page.PageContext.query

    def query(self, fn, **kw):
        c0 = time.process_time()
        try:
            return _query(self, fn, **kw)
        finally:
            SPENT.append(("query " + fn.__module__.split(".")[-1] + "." + fn.__name__,
                          time.process_time() - c0))

    ui_page.PageContext.query = query
    for name in ("stat_charts", "theme_charts", "voc_charts", "map_charts", "charts"):
        try:
            mod = importlib.import_module("journey.present." + name)
        except ImportError:
            continue
        for attr, fn in list(vars(mod).items()):
            if (inspect.isfunction(fn) and not attr.startswith("_")
                    and fn.__module__ == mod.__name__):
                def wrap(fn=fn, label="chart " + name + "." + attr):
                    @functools.wraps(fn)
                    def inner(*a, **k):
                        c0 = time.process_time()
                        try:
                            return fn(*a, **k)
                        finally:
                            SPENT.append((label, time.process_time() - c0))
                    return inner
                setattr(mod, attr, wrap())

def timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0

def new_session():
    at = AppTest.from_file(os.path.join(root, "app.py"), default_timeout=600)
    at.query_params["lang"] = "en"
    return at

out = {}
# A new session's first run lands on "/" and is forwarded to the overview (AppTest cannot open
# another page first): the process's cold start, imports and the shell's caches included.
at = new_session()
out["cold"] = timed(at.run)
at.switch_page(page)
prof = cProfile.Profile() if profile else None
PROF["on"] = prof
out["first"] = timed(at.run)
PROF["on"] = None
out["errors"] = [str(e.value)[:300] for e in at.exception]
out["detail"] = sorted(SPENT, key=lambda x: -x[1])
SPENT.clear()
# Another session (another tab), every cache warm: its first run (the overview), the Data
# page's first view (its own work, not the shell alone) and this page.
at2 = new_session()
out["new_overview"] = timed(at2.run)
at2.switch_page("views/data.py")
out["shell_warm"] = timed(at2.run)
at2.switch_page(page)
prof3 = cProfile.Profile() if profile else None
PROF["on"] = prof3
SPENT.clear()
out["second_session"] = timed(at2.run)
PROF["on"] = None
out["detail_warm"] = sorted(SPENT, key=lambda x: -x[1])
print("JSON" + json.dumps(out))
for title, p in (("first view", prof), ("page in a new session", prof3)):
    if p:
        s = io.StringIO()
        pstats.Stats(p, stream=s).sort_stats("cumulative").print_stats(profile)
        print("## profile:", title)
        print(s.getvalue())
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--runs", type=int, default=1, help="fresh processes per page")
    ap.add_argument("--profile", type=int, default=0)
    ap.add_argument("--detail", action="store_true",
                    help="CPU per query and per chart builder of the page's first view")
    ap.add_argument("--root", help="time this checkout's app instead (before/after)")
    args = ap.parse_args(argv)
    root = Path(args.root).resolve() if args.root else ROOT
    env = {**os.environ, "PARCOURS_DB": str(Path(args.db).resolve()), "PARCOURS_DEMO": "0"}
    load = os.getloadavg()
    print(f"app: {root}; load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| page | cold start (overview) CPU / wall (s) | page first view CPU / wall (s) "
          "| new session: overview, warm | new session: Data page's first view "
          "| new session: page, warm |\n|---|---:|---:|---:|---:|---:|")
    for name in args.pages.split(","):
        for _ in range(args.runs):
            r, rest = run_child(CHILD, root, PAGES[name],
                                [str(args.profile), "1" if args.detail else "0"], env)
            if r is None:
                print(f"| {name} | failed: {rest[-800:]} |")
                continue
            cells = [f"{r[k][0]:.2f} / {r[k][1]:.2f}" for k in ("cold", "first",
                                                                 "new_overview",
                                                                 "shell_warm",
                                                                 "second_session")]
            err = f" errors: {r['errors']}" if r["errors"] else ""
            print(f"| {name} | {' | '.join(cells)} |{err}", flush=True)
            for title, key in (("first view", "detail"), ("new session", "detail_warm")):
                if r.get(key):
                    print(f"  {title}:")
                for label, cpu in r.get(key, [])[:25]:
                    print(f"    {cpu * 1000:7.0f} ms  {label}")
            if args.profile:
                print(rest[:20000])
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
