"""Real-browser fixtures: a Streamlit server per test module, Debian Chromium via Playwright.

Built for a 2-core CI box: one server per module (started lazily, reused by its tests), one
Chromium per module, generous timeouts, and every browser test in one xdist group so two
Chromiums never fight for the cores (`pytest -n 2 --dist loadgroup`).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium")
START_TIMEOUT = 120  # seconds for a server to answer /_stcore/health
IDLE_TIMEOUT_MS = 90_000  # a first page run on 2 busy cores can take a while
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, db_path: str, env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir = ARTIFACTS / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"streamlit-{self.port}.log"
        full_env = {**os.environ, "PARCOURS_DB": db_path, "PARCOURS_DEMO_CUSTOMERS": "300",
                    **(env or {})}
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                "--server.port", str(self.port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false", "--client.showErrorDetails", "full",
            ],
            cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"streamlit did not start within {START_TIMEOUT}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


@pytest.fixture(scope="module")
def app_server() -> Iterator[Callable[..., str]]:
    """`app_server(db_path) -> base_url`: a server on that store, one per (module, path)."""
    servers: dict[str, Server] = {}

    def start(db_path: str, **env: str) -> str:
        key = f"{db_path}|{sorted(env.items())}"
        if key not in servers:
            servers[key] = Server(str(db_path), env)
        return servers[key].url

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
def browser_demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 300-customer demo store private to the test module (tests may import into it)."""
    from journey.db.store import Store
    from journey.ingest.demo import load_sample

    path = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    with Store(path) as store:
        load_sample(store, customers=300)
    return str(path)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    """A fresh tab (own context: own cookies, own Streamlit session), English locale."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1440, "height": 1000}, locale="en-US"
    )
    context.set_default_timeout(IDLE_TIMEOUT_MS)
    p = context.new_page()
    dialogs: list[str] = []
    p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    p.dialogs = dialogs  # type: ignore[attr-defined]  # tests assert no alert() ever opened
    yield p
    context.close()


def _wait_idle(page: object, timeout_ms: int = IDLE_TIMEOUT_MS) -> None:
    """Wait until the app is connected, its script has finished, and nothing is running.

    stApp carries data-test-script-state ("initial", "running", "notRunning", ...) and
    data-test-connection-state; the status widget shows while a run is in progress.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app) return false;
            const state = app.getAttribute('data-test-script-state');
            const conn = (app.getAttribute('data-test-connection-state') || '').toUpperCase();
            const running = document.querySelector('[data-testid="stStatusWidgetRunningIcon"],'
                + '[data-testid="stStatusWidgetRunningManIcon"]');
            // Skeletons stand in for widgets whose code is still loading (lazy JS chunks).
            const busy = document.querySelector('[data-testid="stSpinner"],'
                + '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"],'
                + '[data-testid="stAppSkeleton"]');
            return state === 'notRunning' && conn.includes('CONNECTED') && !running && !busy;
        }""",
        timeout=timeout_ms,
        polling=250,
    )
    page.wait_for_timeout(400)  # type: ignore[attr-defined]  # let the last deltas paint


def _screenshot(page: object, name: str) -> Path:
    """Save a full-page PNG into test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
    path = ARTIFACTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def _assert_no_exception(page: object) -> None:
    count = page.locator('[data-testid="stException"]').count()  # type: ignore[attr-defined]
    if count:
        text = page.locator('[data-testid="stException"]').first.inner_text()  # type: ignore[attr-defined]
        raise AssertionError(f"{count} exception element(s) on {page.url}: {text[:1500]}")  # type: ignore[attr-defined]


@pytest.fixture()
def wait_idle() -> Callable[..., None]:
    """`wait_idle(page)`: block until the app is connected and done running."""
    return _wait_idle


@pytest.fixture()
def screenshot() -> Callable[[object, str], Path]:
    """`screenshot(page, name)`: full-page PNG into test-artifacts/<name>.png."""
    return _screenshot


@pytest.fixture()
def assert_no_exception() -> Callable[[object], None]:
    """`assert_no_exception(page)`: fail with the text of any Streamlit exception box."""
    return _assert_no_exception


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    # A failing browser test leaves a screenshot of what the browser showed.
    report = yield
    if report.when == "call" and report.failed and "page" in getattr(item, "funcargs", {}):
        try:
            _screenshot(item.funcargs["page"], f"FAILED-{item.name}")
        except Exception:  # noqa: BLE001 - the page may be gone already
            pass
    return report
