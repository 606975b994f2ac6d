"""The DuckDB file: connect, schema and migrations, imports as whole units.

One `Store` owns one database file (datasette-style): every write goes through it so
that the data version is bumped and the derived journey table is rebuilt.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from journey import i18n
from journey.db import health
from journey.db import rules as rules_sql
from journey.db.write_lock import writing

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "parcours.duckdb"

# Default 5-stage model, in order (key, English label, French label).
DEFAULT_STAGES: list[tuple[str, str, str]] = [
    ("awareness", "Awareness", "Sensibilisation"),
    ("consideration", "Consideration", "Considération"),
    ("purchase", "Purchase", "Achat"),
    ("retention", "Retention", "Fidélisation"),
    ("advocacy", "Advocacy", "Recommandation"),
]

# Each migration moves the schema from version i to i+1. Never edit a shipped one:
# files made by older versions replay only the steps they lack.
MIGRATIONS: list[str] = [
    # 1: the original schema.
    """
    CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
    CREATE TABLE imports (
        import_id INTEGER PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL UNIQUE,
        kind VARCHAR NOT NULL,
        layout VARCHAR NOT NULL,
        rows BIGINT NOT NULL,
        skipped BIGINT NOT NULL DEFAULT 0,
        imported_at TIMESTAMP NOT NULL,
        report VARCHAR
    );
    CREATE TABLE stages (
        stage VARCHAR PRIMARY KEY,
        position INTEGER NOT NULL,
        label_en VARCHAR,
        label_fr VARCHAR
    );
    CREATE TABLE personas (persona VARCHAR PRIMARY KEY, description VARCHAR);
    CREATE TABLE touchpoints (
        touchpoint VARCHAR PRIMARY KEY,
        stage VARCHAR,
        channel VARCHAR,
        online BOOLEAN
    );
    CREATE TABLE customers (
        customer_id VARCHAR NOT NULL,
        persona VARCHAR,
        attributes VARCHAR,
        import_id INTEGER NOT NULL
    );
    CREATE TABLE events (
        event_id BIGINT NOT NULL,
        customer_id VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        touchpoint VARCHAR NOT NULL,
        channel VARCHAR,
        device VARCHAR,
        stage VARCHAR,
        revenue DOUBLE,
        import_id INTEGER NOT NULL
    );
    CREATE TABLE responses (
        response_id BIGINT NOT NULL,
        customer_id VARCHAR,
        ts TIMESTAMP,
        stage VARCHAR,
        touchpoint VARCHAR,
        nps INTEGER,
        csat INTEGER,
        ces INTEGER,
        comment VARCHAR,
        import_id INTEGER NOT NULL
    );
    """,
    # 2: CES direction per response (some tools ask "how easy", others "how hard"),
    # the team's notes on the journey map, and who owns a touchpoint-map row.
    """
    ALTER TABLE responses ADD COLUMN ces_high_is_easy BOOLEAN DEFAULT TRUE;
    ALTER TABLE touchpoints ADD COLUMN import_id INTEGER;
    CREATE TABLE notes (
        persona VARCHAR NOT NULL DEFAULT '',
        stage VARCHAR NOT NULL,
        note VARCHAR NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (persona, stage)
    );
    """,
    # 3: stages and personas remember the import that added them, so removing that import
    # removes them too (when nothing else still uses them).
    """
    ALTER TABLE stages ADD COLUMN import_id INTEGER;
    ALTER TABLE personas ADD COLUMN import_id INTEGER;
    """,
    # 4: touchpoint rules (journey/db/rules.py) and the source columns an events import did
    # not map, kept per event as a JSON object so that rules can match them.
    rules_sql.MIGRATION,
    # 5: dated, named snapshots of the journey map (issue 17): the map's figures as JSON (to
    # reopen it read-only and compare), the filters and notes that made it, and every lane
    # value with its n and margin as rows (no key on them: a lane's name holds channel and
    # device names, user text). Nothing else refers to them: imports and their removal never
    # touch a snapshot.
    """
    CREATE TABLE snapshots (
        name VARCHAR PRIMARY KEY,
        saved_at TIMESTAMP NOT NULL,
        persona VARCHAR,
        lang VARCHAR NOT NULL,
        filters VARCHAR NOT NULL,
        notes VARCHAR NOT NULL,
        map VARCHAR NOT NULL
    );
    CREATE TABLE snapshot_lanes (
        name VARCHAR NOT NULL,
        stage VARCHAR NOT NULL,
        lane VARCHAR NOT NULL,
        value DOUBLE,
        n DOUBLE,
        x DOUBLE,
        promoters BIGINT,
        detractors BIGINT,
        margin DOUBLE
    );
    """,
    # 6: the rule sets each rule change replaced, for Undo (journey/db/rules.py).
    rules_sql.VERSIONS_MIGRATION,
    # 7: voice of the customer (issue 13): each comment's detected language and sentiment
    # (score in [-1, 1] and its label), written by journey/voc/sentiment.refresh after every
    # import; kept on the answer so removing an import removes them with it.
    """
    ALTER TABLE responses ADD COLUMN language VARCHAR;
    ALTER TABLE responses ADD COLUMN sentiment DOUBLE;
    ALTER TABLE responses ADD COLUMN sentiment_label VARCHAR;
    """,
    # 8: themes of the verbatims (issue 13), written by journey/voc/themes.refresh after every
    # import of answers: each theme's automatic label and term weights (to find it again at
    # the next recompute), the user's label, pin and merge; each answer's primary theme and
    # how strongly it belongs there (kept on the answer, so removing an import removes it).
    """
    CREATE TABLE themes (
        theme_id INTEGER PRIMARY KEY,
        label VARCHAR NOT NULL,
        user_label VARCHAR,
        pinned BOOLEAN NOT NULL DEFAULT FALSE,
        merged_into INTEGER,
        active BOOLEAN NOT NULL DEFAULT TRUE,
        terms VARCHAR NOT NULL
    );
    ALTER TABLE responses ADD COLUMN theme_id INTEGER;
    ALTER TABLE responses ADD COLUMN theme_weight DOUBLE;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

# An event id keeps file order inside an import and import order across imports,
# so `ORDER BY ts, event_id` breaks ties by import order.
EVENT_ID_STRIDE = 1 << 32


def memory_limit() -> str:
    """DuckDB's memory cap. Its default (80% of RAM) lets a 10M-event store grow the process
    past 3 GB; 1 GB keeps it near 1.3 GB and spills the heaviest queries to disk instead.
    `PARCOURS_MEMORY_LIMIT` (e.g. "4GB") raises it on a bigger machine."""
    return os.environ.get("PARCOURS_MEMORY_LIMIT", "1GB")


class StoreError(Exception):
    """A problem the user can fix, worded for them.

    Raised with a stable `code` (a key of journey/i18n/locales/*/store.json) and its `params`,
    it can be said in the reader's language with a hint that fits where it is read:
    `text(lang, "cli")` names a command-line flag, `text(lang, "app")` what to do in the app.
    `str()` is the English command-line text. Raised with a plain message instead (older call
    sites), its code is "message" and the text is that message.
    """

    # code -> the hint that follows its message ("store.hint.<name>.cli|app")
    _HINTS = {"locked": "locked", "locked_app": "locked", "locked_cli": "locked",
              "locked_other": "locked", "not_a_store": "other_file",
              "foreign_tables": "other_file", "damaged": "damaged", "unreadable": "damaged"}

    def __init__(self, message: str | None = None, *, code: str = "message",
                 **params: Any) -> None:
        self.code = code
        self.params = {"message": message or ""} if code == "message" else params
        super().__init__(self.text("en", "cli"))

    def text(self, lang: str = "en", where: str = "cli") -> str:
        """The message in `lang`, with the hint for `where` ("cli" or "app")."""
        if self.code == "message":
            return str(self.params["message"])
        text = i18n.t(f"store.{self.code}", lang, **self.params)
        hint = self._HINTS.get(self.code)
        if hint:
            text += " " + i18n.t(f"store.hint.{hint}.{where}", lang)
        return text


class Store:
    """The Parcours database: one DuckDB file and everything written to it."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        if path is None:
            path = os.environ.get("PARCOURS_DB") or DEFAULT_DB
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(
                str(self.path), config={"memory_limit": memory_limit()}
            )
        except duckdb.Error as exc:
            raise StoreError(**health.classify(self.path, exc)) from exc
        self._lock = threading.RLock()
        self.last_refresh: str | None = None  # what the last commit did to derived tables
        try:
            self._con.execute("SET TimeZone = 'UTC'")
            with writing(self.path):  # a backup copying the file waits for the migration
                self._migrate()
                self._ensure_derived()
        except duckdb.Error as exc:
            # A truncated or damaged file often opens and fails on its first read.
            self._con.close()
            raise StoreError(**health.classify(self.path, exc)) from exc

    # -- connection -------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one unit of reading work (one per Streamlit rerun)."""
        cur = self._con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        return cur

    def close(self) -> None:
        with writing(self.path):  # closing checkpoints: it writes the file
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, full_rebuild: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing; bumps the data version and brings derived tables up to date on
        commit.

        The derived tables are refreshed incrementally: `derived.refresh` finds by itself
        which imports (events, customers rows) and which touchpoint-map / stage rows changed
        in the transaction and recomputes only the customers they touch, so callers need
        not say what they wrote. `full_rebuild=True` forces a rebuild from scratch.
        """
        # The write lock too: a backup of the file from another process waits for the
        # commit (and any checkpoint it triggers) and this commit waits for the copy.
        with self._lock, writing(self.path):
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                self._after_change(cur, full_rebuild=full_rebuild)
                cur.execute("COMMIT")
            except BaseException:
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    # A COMMIT that failed (a full disk) has already rolled back: the error
                    # to report is the first one, not "no transaction is active".
                    pass
                raise
            finally:
                cur.close()

    def _after_change(
        self, cur: duckdb.DuckDBPyConnection, *, full_rebuild: bool = False
    ) -> None:
        from journey.db import derived

        if full_rebuild:
            derived.rebuild(cur)
            self.last_refresh = "full"
        else:
            self.last_refresh = derived.refresh(cur)
        cur.execute(
            "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
            "WHERE key = 'data_version'"
        )

    # -- schema -----------------------------------------------------------
    def _migrate(self) -> None:
        con = self._con
        has_meta = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ).fetchone()[0]
        version = 0
        if has_meta:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
        else:
            other = con.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0]
            if other:
                raise StoreError(code="foreign_tables", path=str(self.path))
        if version > SCHEMA_VERSION:
            raise StoreError(code="newer_schema", path=str(self.path), version=version,
                             known=SCHEMA_VERSION)
        if version == SCHEMA_VERSION:
            return
        con.execute("BEGIN TRANSACTION")
        try:
            for step in range(version, SCHEMA_VERSION):
                con.execute(MIGRATIONS[step])
                if step == 0:
                    con.execute(
                        "INSERT INTO meta VALUES ('schema_version', '1'), ('data_version', '0')"
                    )
                    con.executemany(
                        "INSERT INTO stages (stage, position, label_en, label_fr) "
                        "VALUES (?, ?, ?, ?)",
                        [(k, i + 1, en, fr) for i, (k, en, fr) in enumerate(DEFAULT_STAGES)],
                    )
                con.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(step + 1)]
                )
            from journey.db import derived

            derived.rebuild(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _ensure_derived(self) -> None:
        """Rebuild the derived tables of a file written by a version with another layout."""
        from journey.db import derived

        if derived.is_current(self._con):
            return
        with self.transaction(full_rebuild=True):
            pass

    @property
    def schema_version(self) -> int:
        row = self.cursor().execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0])

    @property
    def data_version(self) -> int:
        """Bumped by every write; part of every cache key in the app."""
        row = self.cursor().execute("SELECT value FROM meta WHERE key='data_version'").fetchone()
        return int(row[0])

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = (
            self.cursor()
            .execute("SELECT value FROM meta WHERE key = ?", ["setting:" + key])
            .fetchone()
        )
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)", ["setting:" + key, value]
            )

    # -- reading ----------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """Counts of everything in the store, plus the events' date range."""
        cur = self.cursor()
        one = lambda sql: cur.execute(sql).fetchone()[0]  # noqa: E731
        first, last = cur.execute("SELECT min(ts), max(ts) FROM events").fetchone()
        return {
            "events": int(one("SELECT count(*) FROM events")),
            "customers": int(
                one(
                    "SELECT count(*) FROM (SELECT customer_id FROM events UNION "
                    "SELECT customer_id FROM customers UNION "
                    "SELECT customer_id FROM responses WHERE customer_id IS NOT NULL)"
                )
            ),
            "responses": int(one("SELECT count(*) FROM responses")),
            "touchpoints": int(one("SELECT count(*) FROM touchpoints")),
            "stages": int(one("SELECT count(*) FROM stages")),
            "personas": int(one("SELECT count(*) FROM personas")),
            "imports": int(one("SELECT count(*) FROM imports")),
            "first_event": first.isoformat() if first is not None else None,
            "last_event": last.isoformat() if last is not None else None,
            "schema_version": self.schema_version,
            "data_version": self.data_version,
        }

    def is_empty(self) -> bool:
        info = self.info()
        return info["events"] == 0 and info["responses"] == 0 and info["customers"] == 0

    def imports(self) -> pd.DataFrame:
        return self.cursor().execute(
            "SELECT import_id, file_name, kind, layout, rows, skipped, imported_at, content_hash "
            "FROM imports ORDER BY import_id"
        ).df()

    def import_report(self, import_id: int) -> str | None:
        row = self.cursor().execute(
            "SELECT report FROM imports WHERE import_id = ?", [import_id]
        ).fetchone()
        return row[0] if row else None

    def find_import(self, content_hash: str) -> dict[str, Any] | None:
        row = self.cursor().execute(
            "SELECT import_id, file_name, imported_at FROM imports WHERE content_hash = ?",
            [content_hash],
        ).fetchone()
        if row is None:
            return None
        # To the second: this lands in messages people read.
        imported_at = row[2].replace(microsecond=0) if row[2] is not None else None
        return {"import_id": row[0], "file_name": row[1], "imported_at": imported_at}

    def next_import_id(self, cur: duckdb.DuckDBPyConnection) -> int:
        return int(cur.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchone()[0])

    def stages(self) -> pd.DataFrame:
        """Stages in journey order: stage, position, label_en, label_fr."""
        return self.cursor().execute(
            "SELECT stage, position, label_en, label_fr FROM stages ORDER BY position, stage"
        ).df()

    def touchpoints(self) -> pd.DataFrame:
        return self.cursor().execute(
            "SELECT t.touchpoint, t.stage, t.channel, t.online FROM touchpoints t "
            "LEFT JOIN stages s ON s.stage = t.stage "
            "ORDER BY s.position NULLS LAST, t.touchpoint"
        ).df()

    def personas(self) -> pd.DataFrame:
        return self.cursor().execute(
            "SELECT persona, description FROM personas ORDER BY persona"
        ).df()

    # -- writing ----------------------------------------------------------
    def remove_import(self, import_id: int, *,
                      answers_removed: Callable[[Any], None] | None = None) -> bool:
        """Remove everything one import brought in. False if there is no such import.

        `answers_removed(cur)` runs in the same transaction when the import held survey
        answers: what is computed over all the answers (the themes, journey/voc, a layer
        above this one) is found again without them, or not at all if it fails.
        """
        with self.transaction() as cur:
            found = cur.execute(
                "SELECT count(*) FROM imports WHERE import_id = ?", [import_id]
            ).fetchone()[0]
            if not found:
                return False
            answers = cur.execute(
                "SELECT count(*) FROM responses WHERE import_id = ?", [import_id]
            ).fetchone()[0]
            for table in ("events", "responses", "customers", "touchpoints"):
                cur.execute(f"DELETE FROM {table} WHERE import_id = ?", [import_id])
            # A stage or persona this import added goes with it, unless other data uses it.
            cur.execute(
                "DELETE FROM stages WHERE import_id = ? AND stage NOT IN ("
                "SELECT stage FROM events WHERE stage IS NOT NULL UNION "
                "SELECT stage FROM responses WHERE stage IS NOT NULL UNION "
                "SELECT stage FROM touchpoints WHERE stage IS NOT NULL)",
                [import_id],
            )
            cur.execute(
                "DELETE FROM personas WHERE import_id = ? AND persona NOT IN ("
                "SELECT persona FROM customers WHERE persona IS NOT NULL)",
                [import_id],
            )
            cur.execute("DELETE FROM imports WHERE import_id = ?", [import_id])
            if answers and answers_removed is not None:
                answers_removed(cur)
        return True

    def set_stages(self, rows: list[tuple[str, str | None, str | None]]) -> None:
        """Replace the stage model: (stage, label_en, label_fr) in journey order."""
        keys = [r[0].strip() for r in rows]
        if any(not k for k in keys):
            raise StoreError(code="stage_without_name")
        if len(set(keys)) != len(keys):
            raise StoreError(code="stage_name_twice")
        with self.transaction() as cur:
            owner = dict(cur.execute("SELECT stage, import_id FROM stages").fetchall())
            cur.execute("DELETE FROM stages")
            cur.executemany(
                "INSERT INTO stages (stage, position, label_en, label_fr, import_id) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (k, i + 1, r[1] or k, r[2] or r[1] or k, owner.get(k))
                    for i, (k, r) in enumerate(zip(keys, rows, strict=True))
                ],
            )

    def set_touchpoints(self, rows: list[tuple[str, str | None, str | None, bool | None]]) -> None:
        """Upsert touchpoint -> (stage, channel, online) edits made in the app."""
        with self.transaction() as cur:
            for name, stage, channel, online in rows:
                cur.execute(
                    "INSERT INTO touchpoints (touchpoint, stage, channel, online) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (touchpoint) DO UPDATE SET "
                    "stage = excluded.stage, channel = excluded.channel, online = excluded.online",
                    [name, stage or None, channel or None, online],
                )

    def set_personas(self, rows: list[tuple[str, str | None]]) -> None:
        with self.transaction() as cur:
            owner = dict(cur.execute("SELECT persona, import_id FROM personas").fetchall())
            cur.execute("DELETE FROM personas")
            cur.executemany(
                "INSERT INTO personas (persona, description, import_id) VALUES (?, ?, ?)",
                [(p.strip(), d, owner.get(p.strip())) for p, d in rows if p and p.strip()],
            )

    # -- touchpoint rules ---------------------------------------------------
    def rules(self) -> list[rules_sql.Rule]:
        """The touchpoint rules in order (journey/db/rules.py)."""
        return rules_sql.read_rules(self.cursor())

    def set_rules(self, rules: list[rules_sql.Rule]) -> None:
        """Replace the rule list; the journeys are re-derived in the same transaction. A bad
        rule raises RuleError and changes nothing."""
        with self.transaction() as cur:
            rules_sql.write_rules(cur, rules)

    # -- map snapshots -------------------------------------------------------
    @contextmanager
    def _snapshot_write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # A snapshot changes no figure: no derived refresh, and the data version (the key of
        # every cached figure) stays as it is.
        with self._lock, writing(self.path):
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    def save_snapshot(
        self,
        name: str,
        *,
        persona: str | None,
        lang: str,
        filters_json: str,
        notes_json: str,
        map_json: str,
        lanes: list[tuple[Any, ...]],
        saved_at: Any = None,
    ) -> None:
        """Store one snapshot, whole or not at all. `lanes`: (stage, lane, value, n, x,
        promoters, detractors, margin) rows. A name already taken is refused (StoreError):
        a snapshot is a record of what the team saw, never overwritten silently."""
        name = (name or "").strip()
        if not name:
            raise StoreError(code="snapshot_without_name")
        with self._snapshot_write() as cur:
            taken = cur.execute(
                "SELECT count(*) FROM snapshots WHERE name = ?", [name]
            ).fetchone()[0]
            if taken:
                raise StoreError(code="snapshot_exists", name=name)
            cur.execute(
                "INSERT INTO snapshots VALUES (?, COALESCE(CAST(? AS TIMESTAMP), "
                "now()::TIMESTAMP), ?, ?, ?, ?, ?)",
                [name, saved_at, persona, lang, filters_json, notes_json, map_json],
            )
            if lanes:
                cur.executemany(
                    "INSERT INTO snapshot_lanes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[name, *row] for row in lanes],
                )

    def snapshots(self) -> pd.DataFrame:
        """Saved snapshots, newest first: name, saved_at, persona, lang, filters (JSON)."""
        return self.cursor().execute(
            "SELECT name, saved_at, persona, lang, filters FROM snapshots "
            "ORDER BY saved_at DESC, name"
        ).df()

    def snapshot(self, name: str) -> dict[str, Any] | None:
        """One snapshot's row (name, saved_at, persona, lang, filters, notes, map), or None."""
        cur = self.cursor().execute(
            "SELECT name, saved_at, persona, lang, filters, notes, map FROM snapshots "
            "WHERE name = ?", [name],
        )
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip(("name", "saved_at", "persona", "lang", "filters", "notes", "map"),
                        row, strict=True))

    def snapshot_lanes(self, name: str) -> pd.DataFrame:
        """A snapshot's lane values: stage, lane, value, n, x, promoters, detractors, margin."""
        return self.cursor().execute(
            "SELECT stage, lane, value, n, x, promoters, detractors, margin "
            "FROM snapshot_lanes WHERE name = ? ORDER BY stage, lane", [name],
        ).df()

    def remove_snapshot(self, name: str) -> bool:
        """Remove one snapshot and its lanes (nothing else). False if there is none."""
        with self._snapshot_write() as cur:
            found = cur.execute(
                "SELECT count(*) FROM snapshots WHERE name = ?", [name]
            ).fetchone()[0]
            if not found:
                return False
            cur.execute("DELETE FROM snapshot_lanes WHERE name = ?", [name])
            cur.execute("DELETE FROM snapshots WHERE name = ?", [name])
        return True

    def undo_rules(self) -> list[rules_sql.Rule] | None:
        """Put back the rule set in place before the last change (journeys re-derived at
        once); None, changing nothing, when no earlier set is kept."""
        with self.transaction() as cur:
            return rules_sql.undo(cur)

    def rule_versions(self) -> int:
        """How many earlier rule sets Undo can go back to."""
        return rules_sql.versions(self.cursor())

    def assign_stage(self, touchpoints: list[str], stage: str | None) -> int:
        """Put every touchpoint of `touchpoints` in `stage` (None: no stage) in the touchpoint
        map, keeping their channel and online flag; returns how many. An unknown stage raises
        StoreError and changes nothing."""
        names = sorted({str(t) for t in touchpoints if isinstance(t, str) and t.strip()})
        if not names:
            raise StoreError(code="bulk_none")
        with self.transaction() as cur:
            if stage is not None and not cur.execute(
                    "SELECT count(*) FROM stages WHERE stage = ?", [stage]).fetchone()[0]:
                known = ", ".join(r[0] for r in cur.execute(
                    "SELECT stage FROM stages ORDER BY position, stage").fetchall())
                raise StoreError(code="bulk_stage", stage=stage, stages=known)
            cur.executemany(
                "INSERT INTO touchpoints (touchpoint, stage) VALUES (?, ?) "
                "ON CONFLICT (touchpoint) DO UPDATE SET stage = excluded.stage",
                [[n, stage] for n in names],
            )
        return len(names)

    # -- notes (journey map opportunities) ----------------------------------
    def notes(self, persona: str | None = None) -> pd.DataFrame:
        return self.cursor().execute(
            "SELECT stage, note, updated_at FROM notes WHERE persona = ? ORDER BY stage",
            [persona or ""],
        ).df()

    def set_note(self, stage: str, note: str, persona: str | None = None) -> None:
        with self.transaction() as cur:
            if note.strip():
                cur.execute(
                    "INSERT OR REPLACE INTO notes VALUES (?, ?, ?, now()::TIMESTAMP)",
                    [persona or "", stage, note],
                )
            else:
                cur.execute(
                    "DELETE FROM notes WHERE persona = ? AND stage = ?", [persona or "", stage]
                )
