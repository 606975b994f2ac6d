"""Time `python -m journey backup` on a store another process holds the way the app does
(DuckDB refuses that store to every other process, so the backup copies its file and
write-ahead log under the store's write lock): the whole command, and how long the holder's
commits waited for the copy meanwhile.

    python scripts/bench_backup.py [--customers 100000] [--keep]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOLDER = """
import sys, time
from journey.db.store import Store
store = Store(sys.argv[1])
print("ready", flush=True)
import os
worst, n = 0.0, 0
while not os.path.exists(sys.argv[2]):  # until the benchmark says stop
    t = time.monotonic()
    with store.transaction() as cur:  # a small commit, as a setting change in the app
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('setting:bench', ?)", [str(n)])
    worst, n = max(worst, time.monotonic() - t), n + 1
    time.sleep(0.05)
print(f"{n} {worst:.3f}", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    from journey.db.store import Store
    from journey.ingest.demo import load_sample

    work = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    db = work / "store.duckdb"
    with Store(db) as store:
        load_sample(store, customers=args.customers)
        events = store.info()["events"]
    size = db.stat().st_size / 1e6
    stop = work / "stop"
    # "streamlit" in its argv: the lock reader takes it for the app, as it would the real one
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(stop), "streamlit"],
                              cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    time.sleep(1)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "journey", "backup", "--db", str(db),
                           "--out", str(work / "copy.duckdb")], cwd=ROOT,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    stop.touch()
    out, _ = holder.communicate(timeout=120)
    commits, worst = out.split()
    print(f"store: {args.customers:,} demo customers, {events:,} events, "
          f"{size:.0f} MB file")
    print(f"backup while held: exit {done.returncode}, {wall:.2f} s wall "
          f"(interpreter start included); {done.stdout.strip() or done.stderr.strip()}")
    print(f"the holder's commits meanwhile: {commits}, the longest {float(worst):.2f} s "
          "(it waited for the copy)")
    if not args.keep:
        for p in sorted(work.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        work.rmdir()


if __name__ == "__main__":
    main()
