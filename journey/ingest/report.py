"""What an import did or would do, as data: problems with their fixes, notes, the report.

Problems say what is wrong (and stop the import); notes say what was decided (a column left
out, revenue counted only on purchases, times converted to UTC). A `Fix` is a structured
remedy (code + params) that the CLI words as a flag and the app as a one-click choice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from journey.ingest import messages
from journey.ingest.messages import SHOW_ROWS, SHOW_VALUES


@dataclass(frozen=True)
class Fix:
    """A remedy the user can apply: `map` (column -> target, `ignore` included),
    `skip_bad_rows`, `kind`, `remove` (an earlier import)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en", surface: str = "cli") -> str:
        return messages.fix_text(self.code, self.params, lang, surface)

    @property
    def mapping(self) -> dict[str, str]:
        """The `--map` this fix stands for (empty when it is not a mapping)."""
        if self.code == "map" and self.params.get("column") is not None:
            return {str(self.params["column"]): str(self.params["target"])}
        return {}


def map_fix(column: str | None, target: str) -> Fix:
    """`--map 'column=target'`; column None stands for "your column" in generic advice."""
    return Fix("map", {"column": column, "target": target})


@dataclass
class Problem:
    """One thing wrong with the file (or one note), with where (1-based data rows) and examples."""

    code: str
    message: str
    column: str | None = None
    rows: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    count: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    fixes: list[Fix] = field(default_factory=list)

    @classmethod
    def make(
        cls,
        code: str,
        column: str | None = None,
        rows: list[int] | None = None,
        examples: list[Any] | None = None,
        count: int = 0,
        fixes: list[Fix] | None = None,
        **params: Any,
    ) -> Problem:
        rows = list(rows or [])[:SHOW_ROWS]
        examples = [str(e) for e in (examples or [])][:SHOW_VALUES]
        params = {"column": column, "count": count, **params}
        problem = cls(code, "", column, rows, examples, count, params, list(fixes or []))
        problem.message = problem.text("en")
        return problem

    def text(self, lang: str = "en", surface: str = "cli") -> str:
        """The message in `lang`, with its fixes worded for `surface` (cli or app)."""
        body = messages.render(
            self.code, lang, row_list=self.rows, examples=self.examples, **self.params
        )
        if self.fixes:
            fixes = messages.join_fixes([f.text(lang, surface) for f in self.fixes], lang)
            body += " " + messages.render("fix_line", lang, fixes=fixes)
        return body


@dataclass
class ImportReport:
    """What an import did, or why it did nothing. `to_dict()` is stored in imports.report."""

    ok: bool = False
    dry_run: bool = False
    import_id: int | None = None
    file_name: str = ""
    kind: str | None = None
    layout: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    rows_imported: int = 0  # with dry_run: rows that would be imported
    rows_skipped: int = 0
    rows_present: int = 0  # rows already in the store (earlier imports), left out
    present_in: list[int] = field(default_factory=list)  # those earlier imports
    mapping: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)  # whole-file remedies (skip bad rows)
    unmapped_touchpoints: list[str] = field(default_factory=list)
    new_stages: list[str] = field(default_factory=list)
    stages_suggested: dict[str, str] = field(default_factory=dict)
    duplicate_of: dict[str, Any] | None = None
    date_formats: dict[str, str] = field(default_factory=dict)
    decimal_comma: list[str] = field(default_factory=list)
    demo: dict[str, Any] | None = None  # the demo import still in the store
    # Survey answers on the journey (db.placement): a responses file's answers that name
    # neither a stage nor a touchpoint, and how many of them took their customer's latest
    # event; an events file's count of answers (any import) now placed on its events.
    placement: str | None = None  # the store's setting when the file was imported
    answers_without_place: int = 0
    answers_placed: int = 0
    answers_on_events: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for p in [*data["problems"], *data["notes"]]:
            p.pop("params", None)
        if self.duplicate_of:
            data["duplicate_of"] = {k: str(v) for k, v in self.duplicate_of.items()}
        if self.demo:
            data["demo"] = {k: str(v) for k, v in self.demo.items()}
        return data

    def to_text(self, lang: str = "en", surface: str = "cli") -> str:
        r = lambda code, **kw: messages.render(code, lang, **kw)  # noqa: E731
        lines = []
        if self.ok and self.dry_run:
            lines.append(r(
                "dry_run", file_name=self.file_name, rows=self.rows_imported, kind=self.kind,
                layout=self.layout, encoding=self.encoding, delimiter=self.delimiter,
            ))
        elif self.ok:
            lines.append(r(
                "ok", file_name=self.file_name, import_id=self.import_id,
                rows=self.rows_imported, kind=self.kind, layout=self.layout,
                encoding=self.encoding, delimiter=self.delimiter,
            ))
        else:
            lines.append(r("rejected", file_name=self.file_name))
        if self.mapping:
            pairs = ", ".join(
                f"{messages.quote(s, lang)} → {t}" for s, t in self.mapping.items()
            )
            lines.append(r("mapping", mapping=pairs))
        for col, fmt in self.date_formats.items():
            lines.append(r("dates", column=col, format=fmt))
        for col in self.decimal_comma:
            lines.append(r("decimal_comma", column=col))
        lines.extend(note.text(lang, surface) for note in self.notes)
        if self.rows_present:
            ids = ", ".join(str(i) for i in self.present_in)
            lines.append(r("rows_present", count=self.rows_present, imports=ids))
        if self.ok and self.rows_skipped:
            lines.append(r("skipped", count=self.rows_skipped))
        lines.extend("  - " + p.text(lang, surface) for p in self.problems)
        if any(p.rows for p in self.problems):
            lines.append(r("rows_note"))
        if not self.ok:
            for fix in self.fixes:
                lines.append(r("fix_all", fix=fix.text(lang, surface)))
        lines.extend(self.placement_lines(lang))
        if self.new_stages:
            lines.append(r("new_stages", stages=", ".join(self.new_stages)))
        if self.stages_suggested:
            pairs = ", ".join(
                f"{messages.quote(tp, lang)} → {st}" for tp, st in self.stages_suggested.items()
            )
            lines.append(r("stages_suggested", pairs=pairs))
        if self.unmapped_touchpoints:
            names = messages.quote_list(self.unmapped_touchpoints, lang, 10)
            if len(self.unmapped_touchpoints) > 10:
                names += ", …"
            lines.append(r("unmapped", count=len(self.unmapped_touchpoints), names=names))
        if self.ok and self.demo:
            lines.append(r(
                "demo_present", import_id=self.demo["import_id"],
                fix=messages.fix_text("remove", {"import_id": self.demo["import_id"]},
                                      lang, surface),
            ))
        return "\n".join(lines)

    def placement_lines(self, lang: str = "en") -> list[str]:
        """What the import did for survey answers without a stage (empty when nothing)."""
        r = lambda code, **kw: messages.render(code, lang, **kw)  # noqa: E731
        if not self.ok:
            return []
        if self.answers_without_place and self.placement == "none":
            return [r("answers_not_placed", count=self.answers_without_place)]
        if self.answers_without_place:
            code = "answers_placed_dry_run" if self.dry_run else "answers_placed"
            return [r(code, placed=self.answers_placed, count=self.answers_without_place,
                      left=self.answers_without_place - self.answers_placed)]
        if self.answers_on_events:
            return [r("answers_on_events", count=self.answers_on_events)]
        return []


@dataclass
class Preview:
    """What the upload page shows before importing. Problems are data, never exceptions."""

    file_name: str
    encoding: str | None = None
    delimiter: str | None = None
    layout: str | None = None
    kind: str | None = None
    header: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)  # target fields for `kind`
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
