"""What the AppTest benchmarks (bench_firstview.py, bench_filter_cpu.py) share: the pages they
time, the child-process prelude that profiles the script thread's runs, and running that child.

Each benchmark times a page in a fresh process (empty Streamlit caches, as after a start): its
child script is `prelude(...)` + its own steps, and prints one line "JSON{...}".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PAGES = {"overview": "views/overview.py", "flows": "views/flows.py",
         "network": "views/network.py", "nps": "views/nps.py",
         "journey-map": "views/journey_map.py", "attribution": "views/attribution.py",
         "data": "views/data.py"}

_PRELUDE = r"""
import cProfile, io, json, os, pstats, sys, time
root, page = sys.argv[1], sys.argv[2]
{args} = {values}
os.chdir(root)
sys.path.insert(0, root)
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

# The script runs in its own thread: profile that thread's run (while PROF["on"] holds a
# profiler), not the waiting one.
PROF = {{"on": None}}
_orig = script_runner.ScriptRunner._run_script

def _profiled(self, rerun_data):
    prof = PROF["on"]
    if prof is None:
        return _orig(self, rerun_data)
    prof.enable()
    try:
        return _orig(self, rerun_data)
    finally:
        prof.disable()

script_runner.ScriptRunner._run_script = _profiled

# A warm server process has imported the chart library (the first chart of any page did).
import altair  # noqa: F401
"""


def prelude(args: str, values: str) -> str:
    """The child's start: `root` and `page` from argv[1:3], then `{args} = {values}` (the
    benchmark's own arguments, parsed from argv[3:]), and the profiled script runs."""
    return _PRELUDE.format(args=args, values=values)


def run_child(child: str, root: Path, page: str, extra: list[str], env: dict[str, str]
              ) -> tuple[dict | None, str]:
    """Run `child` for `page` of the app in `root`: (its JSON line, or None when it failed;
    its stdout after the JSON line, or the tail of its stderr when it failed)."""
    proc = subprocess.run([sys.executable, "-c", child, str(root), page, *extra], env=env,
                          capture_output=True, text=True, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("JSON")), None)
    if line is None:
        return None, proc.stderr[-1500:]
    return json.loads(line[4:]), proc.stdout.split("\n", 1)[1]
