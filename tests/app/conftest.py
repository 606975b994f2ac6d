"""AppTest fixtures: a small demo store and `app_test` to run the app on one (the empty store,
`empty_db`, is in tests/conftest.py: browser tests use it too).

AppTest runs the script in this process, so the store path goes through $PARCOURS_DB and
Streamlit's caches (keyed by path and data version) keep stores apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journey.db.store import Store
from journey.ingest.demo import load_sample

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
DEMO_CUSTOMERS = 300
TIMEOUT = 60  # seconds per run: CI machines have 2 cores and the first run warms caches


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store holding 300 demo customers, built once per test session (do not write to it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Store(path) as store:
        load_sample(store, customers=DEMO_CUSTOMERS)
    return str(path)


@pytest.fixture()
def writable_demo_db(tmp_path: Path) -> str:
    """A private copy-equivalent of the demo store for tests that import or remove."""
    path = tmp_path / "demo-rw.duckdb"
    with Store(path) as store:
        load_sample(store, customers=DEMO_CUSTOMERS)
    return str(path)


@pytest.fixture()
def app_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """`app_test(db_path, page=None, query_params=None)`: the app run once on that store.

    `page` is a page file ("views/flows.py") to switch to after the first run.
    """

    def run(db_path: str, page: str | None = None,
            query_params: dict[str, str | list[str]] | None = None) -> AppTest:
        monkeypatch.setenv("PARCOURS_DB", str(db_path))
        monkeypatch.setenv("PARCOURS_DEMO_CUSTOMERS", str(DEMO_CUSTOMERS))
        monkeypatch.chdir(ROOT)
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        for key, value in (query_params or {}).items():
            at.query_params[key] = value
        at.run()
        if page is not None:
            at.switch_page(page)
            at.run()
        return at

    yield run
    os.environ.pop("PARCOURS_DB", None)
