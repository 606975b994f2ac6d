"""One builder for the small hand-made stores the analytics tests compute figures on.

`add_import(store, events=..., ...)` writes one import as the importer would (an `imports`
row, then its touchpoint map, customers, events and responses, in one transaction, so the
derived tables refresh once) and scores the comments' sentiment as an import does.
Rows are tuples in the column order named by `*_columns`, so
each test keeps the compact shape that reads best for its figures; event ids keep list order
inside an import and import order across imports (`EVENT_ID_STRIDE`), as real imports do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from journey.db.store import EVENT_ID_STRIDE, Store
from journey.voc import sentiment

EVENT_COLUMNS = ("customer_id", "ts", "touchpoint", "device", "revenue")
TOUCHPOINT_COLUMNS = ("touchpoint", "stage", "channel", "online")
CUSTOMER_COLUMNS = ("customer_id", "persona")
RESPONSE_COLUMNS = ("customer_id", "ts", "stage", "touchpoint", "nps", "csat", "ces", "comment")

_TABLE_COLUMNS = {
    "events": ("event_id", "customer_id", "ts", "touchpoint", "channel", "device", "stage",
               "revenue", "attributes"),
    "touchpoints": ("touchpoint", "stage", "channel", "online"),
    "customers": ("customer_id", "persona", "attributes"),
    "personas": ("persona", "description"),
    "responses": ("response_id", "customer_id", "ts", "stage", "touchpoint", "nps", "csat",
                  "ces", "comment", "ces_high_is_easy"),
}


def _insert(cur: Any, table: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
    unknown = set(columns) - set(_TABLE_COLUMNS[table]) - {"import_id"}
    if unknown:
        raise ValueError(f"{table} has no column(s) {sorted(unknown)}")
    if not rows:
        return
    marks = ", ".join("?" for _ in columns)
    key = {"touchpoints": "touchpoint", "personas": "persona"}.get(table)
    conflict = f" ON CONFLICT ({key}) DO NOTHING" if key else ""
    cur.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}){conflict}", rows
    )


def add_import(
    store: Store,
    *,
    events: Iterable[Sequence[Any]] = (),
    touchpoints: Iterable[Sequence[Any]] = (),
    customers: Iterable[Sequence[Any]] = (),
    responses: Iterable[Sequence[Any]] = (),
    personas: Iterable[Sequence[Any]] = (),
    event_columns: Sequence[str] = EVENT_COLUMNS,
    touchpoint_columns: Sequence[str] = TOUCHPOINT_COLUMNS,
    customer_columns: Sequence[str] = CUSTOMER_COLUMNS,
    response_columns: Sequence[str] = RESPONSE_COLUMNS,
    name: str = "test.csv",
    kind: str = "events",
) -> int:
    """Write one import and return its id. A touchpoint already mapped keeps its mapping;
    `personas` are (persona, description) rows of the persona list."""
    events, responses = list(events), list(responses)
    with store.transaction() as cur:
        iid = store.next_import_id(cur)
        cur.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, 'generic', ?, 0, "
            "TIMESTAMP '2024-01-01 00:00:00', NULL)",
            [iid, name, f"hash-{name}-{iid}", kind, len(events) + len(responses)],
        )
        _insert(cur, "touchpoints", [*touchpoint_columns, "import_id"],
                [[*t, iid] for t in touchpoints])
        _insert(cur, "personas", ["persona", "description", "import_id"],
                [[*p, iid] for p in personas])
        _insert(cur, "customers", [*customer_columns, "import_id"],
                [[*c, iid] for c in customers])
        _insert(cur, "events", ["event_id", *event_columns, "import_id"],
                [[iid * EVENT_ID_STRIDE + i, *e, iid] for i, e in enumerate(events)])
        _insert(cur, "responses", ["response_id", *response_columns, "import_id"],
                [[iid * EVENT_ID_STRIDE + i, *r, iid] for i, r in enumerate(responses)])
        if responses:
            # As the importer does: the answers land with their comments' sentiment.
            sentiment.refresh(cur)
    return iid


def clock(t0: dt.datetime, unit: str = "days") -> Callable[[float], dt.datetime]:
    """`day = clock(T0)`; `day(1.5)`: the time 1.5 days after `t0` (or minutes, hours...
    with `unit`), so a table of hand-made events reads as offsets from the test's start."""

    def after(n: float) -> dt.datetime:
        return t0 + dt.timedelta(**{unit: n})

    return after


def empty_store(path: str | Path) -> str:
    """A new store at `path` with nothing in it, that the app must NOT fill with the demo
    (autoload off); returns its path as text, closed, for the app (or a server) to open."""
    with Store(path) as store:
        store.set_setting("demo_autoload", "off")
    return str(path)


def imported_store(path: str | Path, data: bytes, file_name: str) -> str:
    """`empty_store` holding one file imported as a user would (the importer: detection,
    checks, sentiment and themes); fails with the import's report if it is refused."""
    from journey.ingest import importer  # the real path, which the builders above skip

    with Store(path) as store:
        store.set_setting("demo_autoload", "off")
        report = importer.import_file(store, data, file_name=file_name)
        assert report.ok, report.to_text("en")
    return str(path)


def small_store(path: str | Path, **import_kw: Any) -> Store:
    """A new store at `path` holding one import (see `add_import`); the caller closes it."""
    store = Store(path)
    add_import(store, **import_kw)
    return store


def replace_events(
    store: Store, events: Iterable[Sequence[Any]], *, columns: Sequence[str] = EVENT_COLUMNS
) -> None:
    """Swap every event of the store for `events` (ids in list order) in one transaction:
    property tests reuse one store across examples instead of opening one per example."""
    with store.transaction() as cur:
        cur.execute("DELETE FROM events")
        iid = cur.execute("SELECT MIN(import_id) FROM imports").fetchone()[0]
        if iid is None:
            iid = 1
            cur.execute(
                "INSERT INTO imports VALUES (1, 'events.csv', 'hash-events', 'events', "
                "'generic', 0, 0, TIMESTAMP '2024-01-01 00:00:00', NULL)"
            )
        _insert(cur, "events", ["event_id", *columns, "import_id"],
                [[iid * EVENT_ID_STRIDE + i, *e, iid] for i, e in enumerate(events)])
