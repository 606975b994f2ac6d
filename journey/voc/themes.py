"""Themes of the verbatims, kept in the store with the users' edits (rename, merge, pin).

`refresh` finds the themes of every comment again (`theme_model.find`) after an import of
answers, inside the import's transaction, then matches each theme found with the themes the
store already has by their terms (cosine of the term weights), so that a theme keeps its id,
its user label and its merges from one recompute to the next:
- **rename**: the user's label replaces the automatic one wherever it is shown; a matched
  theme keeps it. An empty label goes back to the automatic one.
- **merge** A into B: A's comments join B; at every recompute whatever matches A goes to B.
- **pin**: the theme and its label stay as they are across recomputes: it is matched first
  and more loosely, its terms and automatic label are not updated, and when nothing matches
  it any more it stays listed (with no comments) rather than disappearing.
Unpinned themes nothing matches are deactivated (kept, so a later recompute can find them
again with their label); new themes get new ids.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from journey.voc import theme_model

# Cosine of the term weights from which a theme found is the same as a stored one.
MATCH = 0.35
# Looser for a pinned theme: the user asked to keep it.
PIN_MATCH = 0.15
LABEL_MAX = 80
# The answers whose comment has a theme to find.
_TEXT = "comment IS NOT NULL AND trim(comment) <> ''"


class ThemeError(ValueError):
    """A theme edit that cannot be done (unknown id, merge into itself...), in plain words."""


@dataclass(frozen=True)
class Stored:
    theme_id: int
    label: str
    pinned: bool
    merged_into: int | None
    terms: dict[str, float]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _stored(cur: Any) -> list[Stored]:
    rows = cur.execute(
        "SELECT theme_id, label, pinned, merged_into, terms FROM themes ORDER BY theme_id"
    ).fetchall()
    return [Stored(int(r[0]), str(r[1]), bool(r[2]), None if r[3] is None else int(r[3]),
                   json.loads(r[4])) for r in rows]


def match(found: list[theme_model.Found], old: list[Stored]) -> dict[int, int]:
    """{index of a theme found: id of the stored theme it is}: pinned themes first (with the
    looser PIN_MATCH), then the others, each pair by decreasing similarity; one to one."""
    pairs = [(_cosine(f.terms, o.terms), i, o) for i, f in enumerate(found) for o in old]
    out: dict[int, int] = {}
    taken: set[int] = set()
    for pinned_round in (True, False):
        floor = PIN_MATCH if pinned_round else MATCH
        for sim, i, o in sorted(pairs, key=lambda p: (-p[0], p[1], p[2].theme_id)):
            if o.pinned != pinned_round or sim < floor or i in out or o.theme_id in taken:
                continue
            out[i] = o.theme_id
            taken.add(o.theme_id)
    return out


def _resolve(theme_id: int, merged: dict[int, int | None]) -> int:
    """Follow merges to the theme that holds the comments now (a chain A -> B -> C)."""
    seen = {theme_id}
    while merged.get(theme_id) is not None:
        theme_id = int(merged[theme_id])  # type: ignore[arg-type]
        if theme_id in seen:  # a cycle cannot be made by `merge`; stop rather than loop
            break
        seen.add(theme_id)
    return theme_id


def refresh(cur: Any, *, seed: int = 0) -> int:
    """Find the themes of every comment of the store again (`cur` inside the caller's
    transaction), keep the users' edits, write each answer's theme. Returns how many themes
    hold comments."""
    import numpy as np
    import pandas as pd

    # The distinct texts, and each answer's text as a number into them (numpy, no Python
    # object per answer): the million-customer demo's 397,165 comments are 393 texts.
    distinct = "SELECT DISTINCT comment FROM responses WHERE " + _TEXT
    texts = [str(r[0]) for r in cur.execute(
        f"SELECT comment FROM ({distinct}) ORDER BY comment").fetchall()]
    answers = cur.execute(
        f"SELECT r.response_id, d.k FROM responses r JOIN (SELECT comment, "
        f"row_number() OVER (ORDER BY comment) - 1 AS k FROM ({distinct})) d "
        f"ON r.comment = d.comment ORDER BY r.response_id").fetchnumpy()
    response_ids = np.asarray(answers["response_id"], dtype=np.int64)
    result = theme_model.find_distinct(texts, np.asarray(answers["k"], dtype=np.int64),
                                       seed=seed)
    del answers
    old = _stored(cur)
    matched = match(result.themes, old)
    by_id = {o.theme_id: o for o in old}
    next_id = max(by_id, default=0) + 1
    ids: list[int] = []
    for i, f in enumerate(result.themes):
        terms = json.dumps(f.terms, sort_keys=True)
        tid = matched.get(i)
        if tid is None:
            tid, next_id = next_id, next_id + 1
            cur.execute("INSERT INTO themes (theme_id, label, terms) VALUES (?, ?, ?)",
                        [tid, f.label, terms])
        elif not by_id[tid].pinned:
            cur.execute("UPDATE themes SET label = ?, terms = ?, active = TRUE "
                        "WHERE theme_id = ?", [f.label, terms, tid])
        ids.append(tid)
    # Unpinned themes nothing matched are put aside (a pinned one stays listed).
    gone = [o.theme_id for o in old if o.theme_id not in matched.values() and not o.pinned]
    if gone:
        cur.executemany("UPDATE themes SET active = FALSE WHERE theme_id = ?",
                        [[t] for t in gone])
    merged = {o.theme_id: o.merged_into for o in old}
    final = [_resolve(t, merged) for t in ids]
    cur.execute("UPDATE responses SET theme_id = NULL, theme_weight = NULL "
                "WHERE theme_id IS NOT NULL OR theme_weight IS NOT NULL")
    at = np.flatnonzero(result.theme >= 0)
    if len(at):
        frame = pd.DataFrame({
            "response_id": response_ids[at],
            "theme_id": np.asarray(final, dtype=np.int64)[result.theme[at]],
            "theme_weight": result.weight[at].astype(np.float64)})
        cur.register("voc_themes", frame)
        try:
            cur.execute(
                "UPDATE responses SET theme_id = t.theme_id, theme_weight = t.theme_weight "
                "FROM voc_themes t WHERE responses.response_id = t.response_id")
        finally:
            cur.unregister("voc_themes")
    return len(set(final))


def recompute(store: Any, *, seed: int = 0) -> int:
    """`refresh` in a transaction of its own (`python -m journey rescore`)."""
    with store.transaction() as cur:
        return refresh(cur, seed=seed)


# -- the users' edits ---------------------------------------------------------------------
def _check(cur: Any, theme_id: int) -> tuple[int | None]:
    row = cur.execute("SELECT merged_into FROM themes WHERE theme_id = ?",
                      [int(theme_id)]).fetchone()
    if row is None:
        raise ThemeError(f"There is no theme {theme_id}. See `query themes`.")
    return row


def rename(store: Any, theme_id: int, label: str) -> None:
    """Give a theme the user's label (blank: back to the automatic one)."""
    text = " ".join(str(label).split())[:LABEL_MAX] or None
    with store.transaction() as cur:
        _check(cur, theme_id)
        cur.execute("UPDATE themes SET user_label = ? WHERE theme_id = ?", [text, int(theme_id)])


def pin(store: Any, theme_id: int, pinned: bool = True) -> None:
    """Keep a theme and its label across recomputes (or stop keeping it)."""
    with store.transaction() as cur:
        _check(cur, theme_id)
        cur.execute("UPDATE themes SET pinned = ? WHERE theme_id = ?",
                    [bool(pinned), int(theme_id)])


def merge(store: Any, keep: int, other: int) -> None:
    """Merge theme `other` into `keep`: its comments (and the themes merged into it) join
    `keep`, now and at every later recompute."""
    if int(keep) == int(other):
        raise ThemeError("A theme cannot be merged into itself: give two different ids.")
    with store.transaction() as cur:
        (into,) = _check(cur, keep)
        if into is not None:
            raise ThemeError(f"Theme {keep} was merged into theme {into}: merge into {into}.")
        _check(cur, other)
        cur.execute("UPDATE themes SET merged_into = ? WHERE theme_id = ? OR merged_into = ?",
                    [int(keep), int(other), int(other)])
        cur.execute("UPDATE responses SET theme_id = ? WHERE theme_id = ?",
                    [int(keep), int(other)])
