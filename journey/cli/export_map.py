"""`python -m journey export-map`: the journey map as a slide, from the command line.

For teams that refresh their deck every week:

    python -m journey export-map --db data/parcours.duckdb --persona "Busy parent" \\
        --lang fr --out carte.png
    python -m journey export-map --persona "Busy parent" --compare-persona "Cautious senior" \\
        --out compare.svg     # two personas on one slide, with the differences' margins

The output format follows the file's extension (.png, .svg, .html). Every problem the user
can fix (unknown extension or persona, bad date, unreadable store) is a one-line message on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from journey.analytics.filters import Filters
from journey.db.engine import Engine
from journey.db.store import Store, StoreError

FORMATS = (".png", ".svg", ".html")


def add_parser(
    subparsers: argparse._SubParsersAction,
    add_db: Callable[[argparse.ArgumentParser], None],
) -> None:
    p = subparsers.add_parser(
        "export-map",
        help="export the journey map as a slide (PNG/SVG) or a self-contained HTML file",
        description="Export the journey map of all customers, or of one persona (--persona), "
        "as a 16:9 PNG, an SVG or a self-contained HTML file. The other filters narrow the "
        "data as in the app.",
    )
    add_db(p)
    # --persona comes with the filters (repeatable there); the map takes exactly one.
    Filters.add_cli_options(p)
    p.add_argument("--lang", choices=["en", "fr"], default="en")
    p.add_argument("--scale", type=float, default=1.0,
                   help="PNG only: 2 gives 3840×2160 pixels (default 1: 1920×1080)")
    p.add_argument("--compare-persona", metavar="NAME", default=None,
                   help="export one 16:9 slide comparing the map's persona (A: --persona, or "
                   "all customers) with this one (B), stage by stage, with the differences "
                   "and their 95%% margins (PNG or SVG only)")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="output file; its extension picks the format: .png, .svg or .html")
    p.set_defaults(handler=run)


def _fail(message: str) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    ext = out.suffix.lower()
    if ext not in FORMATS:
        return _fail(
            f"cannot write {out.name!r}: the file must end in .png, .svg or .html."
        )
    if not (0 < args.scale <= 4):
        return _fail("--scale must be between 0 and 4.")
    personas = list(dict.fromkeys(args.persona or []))
    if len(personas) > 1:
        return _fail("give one --persona per map (or none for all customers).")
    persona = personas[0] if personas else None
    other = args.compare_persona
    if other is not None and ext == ".html":
        return _fail("the comparison slide is a picture: write it to a .png or .svg file.")
    if other is not None and other == persona:
        return _fail("--compare-persona names the map's own persona: pick another one.")
    try:
        filters = Filters.from_cli_args(args)
    except ValueError as exc:
        return _fail(str(exc))
    filters = filters.replace(personas=())
    if args.db and not Path(args.db).exists():
        # Store() would create an empty file: a typo in the path deserves a clear answer.
        return _fail(f"there is no database file {args.db!r}.")
    try:
        from journey.analytics import journey_map
        from journey.present import map_export

        with Store(args.db) as store:
            engine = Engine(store.cursor())
            wanted = [p for p in (persona, other) if p is not None]
            if wanted:
                known = set(store.personas()["persona"].astype(str))
                known |= {
                    str(r[0]) for r in engine.rows(
                        "SELECT DISTINCT persona FROM customers WHERE persona IS NOT NULL",
                        purpose="export_map.personas",
                    )
                }
                for name in wanted:
                    if name not in known:
                        listed = ", ".join(sorted(known)) or "none"
                        return _fail(f"there is no persona {name!r} (known: {listed}).")
            filters = filters.replace(
                conversion_stage=store.get_setting("conversion_stage", "purchase") or "purchase"
            )
            jm = journey_map.build_map(
                engine, filters, lang=args.lang, persona=persona,
                stages_df=store.stages(), notes_df=store.notes(persona),
            )
            jm_b = None if other is None else journey_map.build_map(
                engine, filters, lang=args.lang, persona=other,
                stages_df=store.stages(), notes_df=store.notes(other),
            )
        if jm_b is not None:
            # The page's comparison slide, the very same function.
            if ext == ".png":
                out.write_bytes(map_export.compare_png(jm, jm_b, args.lang, scale=args.scale))
            else:
                out.write_text(map_export.compare_svg(jm, jm_b, args.lang), encoding="utf-8")
            names = " vs ".join(map_export.side_name(m, args.lang) for m in (jm, jm_b))
            print(f"Wrote {out} ({names}; {jm.n} and {jm_b.n} customers).")
            return 0
        if ext == ".png":
            out.write_bytes(map_export.to_png(jm, args.lang, scale=args.scale))
        elif ext == ".svg":
            out.write_text(map_export.to_svg(jm, args.lang), encoding="utf-8")
        else:
            out.write_text(map_export.to_html(jm, args.lang), encoding="utf-8")
    except StoreError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {str(out)!r}: {exc.strerror or exc}.")
    except Exception as exc:  # noqa: BLE001 - a CLI user gets words, not a traceback
        return _fail(f"the map could not be exported ({type(exc).__name__}: {exc}).")
    print(f"Wrote {out} ({jm.title}; {jm.n} customers).")
    return 0
