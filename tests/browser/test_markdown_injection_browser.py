"""Names from the data and from a link render as text on every page, in a real Chromium.

A stage named `![px](http://host/p.png)` made every viewer's browser fetch that URL, and a
persona named `[Log in again](http://host/login)` became a link to another site. Here those
names are imported as stage, persona and touchpoint, with a local HTTP server on their port
counting hits; every page is opened, and the map with the names in its link. No request may
reach that port and no link or image may point there.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest

from journey.db.store import Store
from journey.ingest.importer import import_file

pytestmark = pytest.mark.browser

PAGES = ["/overview", "/flows", "/network", "/nps", "/journey-map", "/data"]


class Trap:
    """A server on a free loopback port that counts every request it gets."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.origin = f"127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def names(self) -> dict[str, str]:
        o = self.origin
        return {
            "stage": f"![px](http://{o}/stage.png)",
            "persona": f"[Log in again](http://{o}/persona)",
            "touchpoint": f"![tp](http://{o}/tp.png) [Log in again](http://{o}/tp) <http://{o}/a>",
            "channel": f"http://{o}/channel",
        }


@pytest.fixture(scope="module")
def trap() -> Iterator[Trap]:
    t = Trap()
    yield t
    t.server.shutdown()


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory, trap: Trap) -> str:
    n = trap.names()
    events, customers, responses = [], [], []
    for i in range(40):
        cid = f"c{i}"
        day = f"2026-01-{1 + i % 28:02d}"
        customers.append([cid, n["persona"] if i % 2 else "Busy parent"])
        events.append([cid, f"{day} 10:00:00", n["touchpoint"], n["channel"], "mobile",
                       n["stage"]])
        events.append([cid, f"{day} 10:05:00", "Product page", "web", "mobile", "consideration"])
        if i % 3:
            events.append([cid, f"{day} 10:10:00", "Checkout", "web", "mobile", "purchase"])
        responses.append([cid, f"{day} 11:00:00", n["stage"], n["touchpoint"], i % 11,
                          f"see {n['persona']}"])
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    with Store(path) as store:
        store.set_setting("demo_autoload", "off")
        for name, data in (
            ("customers.csv", _csv(["customer_id", "persona"], customers)),
            ("events.csv", _csv(["customer_id", "timestamp", "touchpoint", "channel", "device",
                                 "stage"], events)),
            ("responses.csv", _csv(["customer_id", "timestamp", "stage", "touchpoint", "nps",
                                    "comment"], responses)),
        ):
            report = import_file(store, data, file_name=name)
            assert report.ok, report.to_text("en")
        assert n["stage"] in set(store.stages()["stage"])
    return str(path)


def _links(trap: Trap) -> dict[str, list[str]]:
    n = trap.names()
    unknown = f"[Log in again](http://{trap.origin}/unknown)"
    return {
        "/overview": [urlencode({"persona": n["persona"], "stage": n["stage"],
                                 "touchpoint": n["touchpoint"]}),
                      urlencode({"includes": n["touchpoint"], "persona": unknown})],
        "/flows": [urlencode({"flows_start": n["touchpoint"]}),
                   urlencode({"flows_level": "stage", "flows_start": n["stage"]}),
                   urlencode({"flows_start": unknown})],
        "/nps": [urlencode({"nps_by": "persona"}), urlencode({"nps_by": "touchpoint"}),
                 urlencode({"nps_by": "stage", "nps_q": n["persona"]})],
        "/journey-map": [urlencode({"map_persona": n["persona"]}),
                         urlencode({"map_persona": unknown}),
                         urlencode({"map_persona": n["persona"], "map_compare": "persona",
                                    "map_b_persona": "Busy parent"})],
        "/network": [urlencode({"stage": n["stage"]})],
    }


# Every element that points somewhere, in the page and in its iframes.
POINTERS = """(origin) => [...document.querySelectorAll('a[href], img[src], [srcset]')]
    .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('srcset'))
    .filter(u => u.includes(origin))"""


def test_hostile_names_never_link_nor_fetch(app_server, hostile_db, trap, page, wait_idle,
                                            assert_no_exception) -> None:
    base = app_server(hostile_db)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url) if trap.origin in r.url else None)
    pointing: dict[str, list[str]] = {}
    shown: list[str] = []
    urls = [base + p for p in PAGES]
    urls += [f"{base}{p}?{q}" for p, qs in _links(trap).items() for q in qs]
    for url in urls:
        page.goto(url)
        wait_idle(page)
        assert_no_exception(page)
        found = [u for frame in page.frames for u in frame.evaluate(POINTERS, trap.origin)]
        if found:
            pointing[url] = found
        shown.append(page.locator("body").inner_text())
    # The names are really on the pages (as text), so the test looks at the right thing.
    assert any("Log in again" in text for text in shown)
    assert any("stage.png" in text for text in shown)
    assert pointing == {}
    assert requested == []
    assert trap.hits == []
