"""One `Filters` value: what the user picked, in words, as URL query params, as CLI options.

Semantics (the same everywhere: app, CLI, exports):
- *Customer conditions* pick whose journeys count: personas, "includes touchpoint X"
  (all of them), converted / dropped off. They are judged on the customer's events inside
  the date range, and NOT narrowed by the stage/channel/device/touchpoint filters
  (otherwise "converted" with stage = awareness could never be true).
- *Event conditions* pick which events of those journeys are shown: stages, touchpoints,
  channels, devices, date range (since and until are both inclusive days).
- Responses have no device: the device filter keeps responses of customers who used one of
  those devices in the date range.
- The converted / dropped-off condition judges the whole journey in the date range: reached
  the conversion stage or a later one (default `purchase`; a store setting), or not. The
  *converted figure* counts what the shown events reach (`analytics.reach`).

`journey.analytics.scope` turns a `Filters` value into SQL (it is the only module that does).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from journey import i18n

OUTCOMES = ("converted", "dropped_off")

# URL key <-> field. Short, readable, and stable: shared links depend on them.
_URL_LIST_KEYS = {
    "persona": "personas",
    "stage": "stages",
    "touchpoint": "touchpoints",
    "channel": "channels",
    "device": "devices",
    "includes": "includes",
}


def _tuple(values: Any) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    seen: dict[str, None] = {}
    for v in values:
        if v is not None and str(v) != "":
            seen.setdefault(str(v), None)
    return tuple(seen)


def _short_list(values: tuple[str, ...] | list[str], limit: int = 4) -> str:
    # A caption must fit under a chart: a long list keeps its first items and a count.
    values = list(values)
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[:limit]) + f" +{len(values) - limit}"


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters:
    personas: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    includes: tuple[str, ...] = ()
    outcome: str | None = None  # "converted" | "dropped_off" | None
    conversion_stage: str = field(default="purchase", compare=True)

    def __post_init__(self) -> None:
        for f in ("personas", "stages", "touchpoints", "channels", "devices", "includes"):
            object.__setattr__(self, f, _tuple(getattr(self, f)))
        object.__setattr__(self, "since", _date(self.since))
        object.__setattr__(self, "until", _date(self.until))
        if self.since and self.until and self.since > self.until:
            # A reversed range is a slip of the date picker, not an empty question.
            since, until = self.until, self.since
            object.__setattr__(self, "since", since)
            object.__setattr__(self, "until", until)
        if self.outcome not in (None, *OUTCOMES):
            object.__setattr__(self, "outcome", None)

    # -- convenience ---------------------------------------------------------
    def replace(self, **changes: Any) -> Filters:
        return replace(self, **changes)

    @property
    def is_empty(self) -> bool:
        return self == Filters(conversion_stage=self.conversion_stage)

    @property
    def has_event_conditions(self) -> bool:
        return bool(
            self.stages or self.touchpoints or self.channels or self.devices
            or self.since or self.until
        )

    # -- words -------------------------------------------------------------------------
    def describe(
        self,
        lang: str,
        stage_label: Callable[[str], str] | None = None,
        *,
        n: int | None = None,
        extra: str | None = None,
    ) -> str:
        """The filters in words, the one caption writer for pages, map and exports:
        'Persona: Busy parent · Stages: Purchase · From Jan 1, 2026 · n = 1,234'.

        `stage_label` names a stage (the store's own labels); `extra` is appended before n.
        """
        label = stage_label or (lambda s: i18n.stage_label(s, lang))
        parts: list[str] = []
        for attr, key in (("personas", "personas"), ("stages", "stages"),
                          ("touchpoints", "touchpoints"), ("channels", "channels"),
                          ("devices", "devices")):
            values = getattr(self, attr)
            if attr == "stages":
                values = [label(v) for v in values]
            if values:
                parts.append(i18n.t(f"shell.caption.{key}", lang, values=_short_list(values)))
        if self.since and self.until:
            parts.append(i18n.t(
                "shell.caption.between", lang, since=i18n.fmt_date(self.since, lang),
                until=i18n.fmt_date(self.until, lang),
            ))
        elif self.since:
            parts.append(i18n.t("shell.caption.since", lang,
                                since=i18n.fmt_date(self.since, lang)))
        elif self.until:
            parts.append(i18n.t("shell.caption.until", lang,
                                until=i18n.fmt_date(self.until, lang)))
        if self.includes:
            parts.append(i18n.t("shell.caption.includes", lang,
                                values=_short_list(self.includes)))
        if self.outcome:
            parts.append(i18n.t(f"shell.caption.{self.outcome}", lang))
        if not parts:
            parts.append(i18n.t("shell.caption.everyone", lang))
        if extra:
            parts.append(extra)
        if n is not None:
            parts.append(i18n.t("shell.caption.n", lang, n=i18n.fmt_int(n, lang)))
        return " · ".join(parts)

    # -- URL -----------------------------------------------------------------
    def to_query_params(self) -> dict[str, list[str]]:
        """Short readable keys; repeated keys for lists (`?stage=purchase&stage=retention`)."""
        out: dict[str, list[str]] = {}
        for key, attr in _URL_LIST_KEYS.items():
            values = getattr(self, attr)
            if values:
                out[key] = list(values)
        if self.since:
            out["since"] = [self.since.isoformat()]
        if self.until:
            out["until"] = [self.until.isoformat()]
        if self.outcome:
            out["outcome"] = [self.outcome]
        return out

    @classmethod
    def from_query_params(
        cls, params: Mapping[str, Any], *, conversion_stage: str = "purchase"
    ) -> Filters:
        """Inverse of to_query_params; unknown keys and bad values are ignored, never fatal."""

        def values(key: str) -> list[str]:
            v = params.get(key)
            if v is None:
                return []
            return [v] if isinstance(v, str) else [str(x) for x in v]

        kwargs: dict[str, Any] = {a: values(k) for k, a in _URL_LIST_KEYS.items()}
        since, until, outcome = values("since"), values("until"), values("outcome")
        kwargs["since"] = since[0] if since else None
        kwargs["until"] = until[0] if until else None
        kwargs["outcome"] = outcome[0] if outcome and outcome[0] in OUTCOMES else None
        return cls(conversion_stage=conversion_stage, **kwargs)

    # -- CLI -----------------------------------------------------------------
    @staticmethod
    def add_cli_options(parser: argparse.ArgumentParser) -> None:
        g = parser.add_argument_group("filters")
        g.add_argument("--persona", action="append", default=[], help="repeatable")
        g.add_argument("--stage", action="append", default=[], help="repeatable")
        g.add_argument("--touchpoint", action="append", default=[], help="repeatable")
        g.add_argument("--channel", action="append", default=[], help="repeatable")
        g.add_argument("--device", action="append", default=[], help="repeatable")
        g.add_argument("--since", help="first day, YYYY-MM-DD (inclusive)")
        g.add_argument("--until", help="last day, YYYY-MM-DD (inclusive)")
        g.add_argument(
            "--includes", action="append", default=[],
            help="keep journeys that include this touchpoint (repeatable: all of them)",
        )
        out = g.add_mutually_exclusive_group()
        out.add_argument(
            "--converted", dest="outcome", action="store_const", const="converted"
        )
        out.add_argument(
            "--dropped-off", dest="outcome", action="store_const", const="dropped_off"
        )

    @classmethod
    def from_cli_args(
        cls, args: argparse.Namespace, *, conversion_stage: str = "purchase"
    ) -> Filters:
        for name in ("since", "until"):
            raw = getattr(args, name, None)
            if raw and _date(raw) is None:
                raise ValueError(f"--{name} {raw!r} is not a date: write it as YYYY-MM-DD.")
        return cls(
            personas=args.persona, stages=args.stage, touchpoints=args.touchpoint,
            channels=args.channel, devices=args.device, since=args.since, until=args.until,
            includes=args.includes, outcome=args.outcome, conversion_stage=conversion_stage,
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
