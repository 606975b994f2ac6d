"""Browser speed benchmark: every page in Chromium on a demo store of N customers.

    python scripts/bench_browser.py [--customers 100000] [--runs 3] [--db PATH] [--strict]
                                    [--root CHECKOUT] [--pages nps,journey-map] [--floor]

Builds a demo store (`python -m journey sample`; 100,000 customers ≈ 1.05M events), starts the
app on a free port, and for each page measures with Playwright + Debian Chromium:
- navigation: from `page.goto` to interactive (app connected, script done, page title drawn,
  no spinner or skeleton), each run in a new browser context (a new Streamlit session);
- sidebar click: in one warm session, from clicking a page's link in the sidebar to
  interactive (how people move between pages all day);
- filter change: from picking a persona in the sidebar to the rerun done (a different persona
  each run, so each is a cache miss for that page), then the same for a device (an event-level
  filter: the journeys' steps are recomputed, the dearest kind of filter);
- a new tab is split in two: until the app is connected (Streamlit's own start-up: its
  JavaScript, the websocket, the session) and from there to interactive (Parcours's run);
  a new tab with a cold browser cache (a new browser context: every script chunk fetched
  and compiled) and, in the same context, a second tab (Streamlit's chunks are served
  `immutable` for a year, so the browser reuses them: what a returning user's new tab
  costs; still a new Streamlit session);
- `--floor`: the same new tabs on a one-title Streamlit app (same config, same server
  flags): Streamlit's own floor, which no change to Parcours can go below.
`--root` serves another checkout's app (same script and store: a before/after comparison),
with that checkout's own .streamlit/config.toml (its file watcher setting included: the
server runs as `streamlit run app.py` does for users).
Prints the median of the runs (and the first, cold, navigation) against the targets of issue 4:
≤ 2 s navigation, ≤ 1 s filter change. The machine may be shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PAGES = [("overview", "Overview"), ("flows", "Flows"), ("network", "Touchpoint network"),
         ("nps", "NPS & voice of customer"), ("journey-map", "Journey map"), ("data", "Data")]
NAV_TARGET, FILTER_TARGET = 2.0, 1.0

# Interactive: connected, the script has finished, the page title is drawn, nothing pending.
IDLE_JS = """(title) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    const state = app.getAttribute('data-test-script-state');
    const conn = (app.getAttribute('data-test-connection-state') || '').toUpperCase();
    if (state !== 'notRunning' || !conn.includes('CONNECTED')) return false;
    if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"],'
        + '[data-testid="stStatusWidgetRunningManIcon"], [data-testid="stSpinner"],'
        + '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"],'
        + '[data-testid="stAppSkeleton"]')) return false;
    const h1 = document.querySelector('[data-testid="stMain"] h1');
    return !!h1 && (!title || h1.textContent.trim() === title);
}"""
WATCH_JS = """() => {
    window.__ranSince = false;
    const app = document.querySelector('[data-testid="stApp"]');
    const obs = new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__ranSince = true;
    });
    obs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_store(customers: int, db: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "journey", "sample", "--customers", str(customers),
                    "--db", str(db)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def store_facts(db: Path) -> tuple[list[str], int, list[str]]:
    sys.path.insert(0, str(ROOT))
    from journey.analytics.filter_options import filter_options
    from journey.db.store import Store

    with Store(db) as store:
        options = filter_options(store.cursor())
        events = store.info()["events"]
    return list(options["personas"]), int(events), list(options.get("devices") or [])


def start_server(db: Path, log: Path, root: Path = ROOT,
                 script: Path | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PARCOURS_DB": str(db), "PARCOURS_DEMO": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script or root / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=root, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("streamlit did not start within 120 s")


def wait_idle(page, title: str | None, timeout_ms: int = 120_000) -> None:
    page.wait_for_function(IDLE_JS, arg=title, timeout=timeout_ms, polling=50)


CONNECTED_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const conn = app && (app.getAttribute('data-test-connection-state') || '').toUpperCase();
    return !!conn && conn.includes('CONNECTED');
}"""
PERSONA_FILTER, DEVICE_FILTER = 0, 3  # the sidebar's multiselects: persona, stage, channel, device


def pick_persona(page, persona: str, which: int = PERSONA_FILTER) -> float:
    """Pick `persona` (or, with `which`, a value of another of the sidebar's multiselects);
    seconds until the rerun is done."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').nth(which).click()
    option = page.get_by_role("option", name=persona, exact=True)
    option.wait_for()
    page.evaluate(WATCH_JS)
    t0 = time.perf_counter()
    option.click()
    page.wait_for_function("() => window.__ranSince === true", timeout=30_000, polling=20)
    wait_idle(page, None)
    elapsed = time.perf_counter() - t0
    page.keyboard.press("Escape")
    return elapsed


def warm_tab(context, url: str, title: str | None) -> float:
    """Seconds from opening `url` in a new tab of `context` (its HTTP cache already holds
    Streamlit's script chunks) to interactive."""
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    wait_idle(page, title)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


FLOOR_APP = """import streamlit as st
st.set_page_config(page_title="Parcours", layout="wide", initial_sidebar_state="expanded")
st.sidebar.multiselect("Persona", ["Busy parent", "Cautious senior"])
st.title("Floor")
"""


def measure_floor(root: Path, runs: int, tmp: Path) -> dict[str, list[float]]:
    """New tabs on a one-title Streamlit app served like Parcours (same config, flags)."""
    from playwright.sync_api import sync_playwright

    app = tmp / "floor_app.py"
    app.write_text(FLOOR_APP, encoding="utf-8")
    proc, url = start_server(tmp / "none.duckdb", tmp / "floor.log", root, script=app)
    out: dict[str, list[float]] = {"navs": [], "starts": [], "warm": []}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1440, "height": 1000},
                                              locale="en-US")
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto(url)
                page.wait_for_function(CONNECTED_JS, timeout=120_000, polling=20)
                out["starts"].append(time.perf_counter() - t0)
                wait_idle(page, "Floor")
                out["navs"].append(time.perf_counter() - t0)
                out["warm"].append(warm_tab(context, url, "Floor"))
                context.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return out


def measure(url: str, personas: list[str], runs: int, devices: list[str] | None = None,
            pages: list[tuple[str, str]] = PAGES) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path, title in pages:
            navs, changes, extra, starts, devs, warm = [], [], "", [], [], []
            for i in range(runs):
                context = browser.new_context(viewport={"width": 1440, "height": 1000},
                                              locale="en-US")
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto(f"{url}/{path}?lang=en")
                page.wait_for_function(CONNECTED_JS, timeout=120_000, polling=20)
                starts.append(time.perf_counter() - t0)
                wait_idle(page, title)
                navs.append(time.perf_counter() - t0)
                warm.append(warm_tab(context, f"{url}/{path}?lang=en", title))
                if path == "network":
                    size = page.evaluate(
                        "() => { const f = document.querySelector('iframe');"
                        " return f ? (f.srcdoc || '').length : 0; }")
                    extra = f"iframe {size / 1024:.0f} KiB"
                changes.append(pick_persona(page, personas[i % len(personas)]))
                if devices:
                    devs.append(pick_persona(page, devices[i % len(devices)], DEVICE_FILTER))
                context.close()
            rows.append({"page": path, "navs": navs, "changes": changes, "extra": extra,
                         "clicks": [], "starts": starts, "devices": devs, "warm": warm})
            print(f"  {path}: nav {', '.join(f'{x:.2f}' for x in navs)} s (second tab "
                  f"{', '.join(f'{x:.2f}' for x in warm)}; connected after "
                  f"{', '.join(f'{x:.2f}' for x in starts)}); persona "
                  f"{', '.join(f'{x:.2f}' for x in changes)} s; device "
                  f"{', '.join(f'{x:.2f}' for x in devs)} s {extra}", flush=True)
        # In-app navigation: what a user does all day. One session, click each page's link in
        # the sidebar (the browser already has Streamlit's code; the session is warm).
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
        page = context.new_page()
        page.goto(f"{url}/overview?lang=en")
        wait_idle(page, "Overview")
        by_path = {r["page"]: r for r in rows}
        for _ in range(runs):
            for path, title in [*pages[1:], pages[0]]:
                link = page.locator('[data-testid="stSidebarNav"] a', has_text=title).first
                t0 = time.perf_counter()
                link.click()
                wait_idle(page, title)
                by_path[path]["clicks"].append(time.perf_counter() - t0)
        context.close()
        browser.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", help="reuse this store instead of building one")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a page misses a target")
    ap.add_argument("--root", help="serve the app of this checkout (default: this one)")
    ap.add_argument("--pages", help="only these pages (comma-separated paths, e.g. nps,data)")
    ap.add_argument("--floor", action="store_true",
                    help="also time new tabs on a one-title Streamlit app (Streamlit's floor)")
    args = ap.parse_args(argv)
    wanted = args.pages.split(",") if args.pages else [p for p, _ in PAGES]
    pages = [(p, title) for p, title in PAGES if p in wanted]

    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "bench.duckdb"
        if not args.db:
            secs = build_store(args.customers, db)
            print(f"demo store: {args.customers:,} customers built in {secs:.1f} s")
        personas, events, devices = store_facts(db)
        print(f"store: {events:,} events, personas {personas}")
        print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
              f"{os.getloadavg()[2]:.2f} ({os.cpu_count()} cores)")
        root = Path(args.root).resolve() if args.root else ROOT
        print(f"app: {root}")
        proc, url = start_server(db, Path(tmp) / "streamlit.log", root)
        try:
            rows = measure(url, personas, args.runs, devices, pages)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        floor = measure_floor(root, args.runs, Path(tmp)) if args.floor else None
        load = os.getloadavg()

    print()
    print(f"| page | new tab, cold (s) | new tab, median (s) | of which Streamlit start-up "
          f"(s) | second tab, warm browser cache, median / max (s) "
          f"| sidebar click, median / max (s) | persona filter, median / max (s) "
          f"| device filter, median / max (s) | ok (click ≤ {NAV_TARGET:g} s, filters ≤ "
          f"{FILTER_TARGET:g} s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    if floor is not None:
        print(f"| Streamlit alone (one title) | {floor['navs'][0]:.2f} | "
              f"{statistics.median(floor['navs']):.2f} | "
              f"{statistics.median(floor['starts']):.2f} | "
              f"{statistics.median(floor['warm']):.2f} / {max(floor['warm']):.2f} "
              "| | | | |")
    failed = 0
    for r in rows:
        nav, chg = statistics.median(r["navs"]), statistics.median(r["changes"])
        click = statistics.median(r["clicks"])
        devs = r["devices"] or [0.0]
        dev = statistics.median(devs)
        ok = click <= NAV_TARGET and chg <= FILTER_TARGET and dev <= FILTER_TARGET
        failed += not ok
        note = f" ({r['extra']})" if r["extra"] else ""
        print(f"| {r['page']} | {r['navs'][0]:.2f} | {nav:.2f} | "
              f"{statistics.median(r['starts']):.2f} | "
              f"{statistics.median(r['warm']):.2f} / {max(r['warm']):.2f} | "
              f"{click:.2f} / {max(r['clicks']):.2f} | "
              f"{chg:.2f} / {max(r['changes']):.2f} | {dev:.2f} / {max(devs):.2f} | "
              f"{'yes' if ok else 'NO'}{note} |")
    print(f"\ntargets: navigation ≤ {NAV_TARGET:g} s, filter change ≤ {FILTER_TARGET:g} s "
          f"(median of {args.runs}); {events:,} events")
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
