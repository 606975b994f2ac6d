"""One `Filters` value: what the user picked, as SQL, as URL query params, as CLI options.

Semantics (the same everywhere: app, CLI, exports):
- *Customer conditions* pick whose journeys count: personas, "includes touchpoint X"
  (all of them), converted / dropped off. They are judged on the customer's events inside
  the date range, and NOT narrowed by the stage/channel/device/touchpoint filters
  (otherwise "converted" with stage = awareness could never be true).
- *Event conditions* pick which events of those journeys are shown: stages, touchpoints,
  channels, devices, date range (since and until are both inclusive days).
- Responses have no device: the device filter keeps responses of customers who used one of
  those devices in the date range.
- Converted = the journey reached the conversion stage or a later one (default `purchase`;
  a store setting). Dropped off = not converted.

All values are bound as named parameters; lists are expanded into one parameter per value
so the SQL stays plain (and transpilable) without string-formatting any user text.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

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

    # -- SQL -----------------------------------------------------------------
    def _in(self, column: str, name: str, values: tuple[str, ...], params: dict) -> str:
        names = []
        for i, v in enumerate(values):
            key = f"f_{name}_{i}"
            params[key] = v
            names.append(f"${key}")
        return f"{column} IN ({', '.join(names)})"

    def _dates(self, column: str, params: dict) -> list[str]:
        conds = []
        if self.since:
            params["f_since"] = dt.datetime.combine(self.since, dt.time())
            conds.append(f"{column} >= $f_since")
        if self.until:
            params["f_until"] = dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time())
            conds.append(f"{column} < $f_until")
        return conds

    def customer_scope_sql(self, params: dict, *, for_responses: bool = False) -> str | None:
        """SELECT of customer_id passing the customer conditions, or None when all pass."""
        having: list[str] = []
        if self.personas:
            having.append(
                f"MAX(CASE WHEN {self._in('je.persona', 'persona', self.personas, params)} "
                "THEN 1 ELSE 0 END) = 1"
            )
        for i, tp in enumerate(self.includes):
            params[f"f_inc_{i}"] = tp
            having.append(f"MAX(CASE WHEN je.touchpoint = $f_inc_{i} THEN 1 ELSE 0 END) = 1")
        if self.outcome:
            params["f_conv_stage"] = self.conversion_stage
            reached = (
                "MAX(CASE WHEN je.stage_position >= (SELECT MIN(position) FROM stages "
                "WHERE stage = $f_conv_stage) THEN 1 ELSE 0 END)"
            )
            having.append(f"{reached} = {1 if self.outcome == 'converted' else 0}")
        if for_responses and self.devices:
            having.append(
                f"MAX(CASE WHEN {self._in('je.device', 'device', self.devices, params)} "
                "THEN 1 ELSE 0 END) = 1"
            )
        if not having:
            return None
        where = self._dates("je.ts", params)
        return (
            "SELECT je.customer_id FROM journey_events je"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " GROUP BY je.customer_id HAVING "
            + " AND ".join(having)
        )

    def events_sql(self) -> tuple[str, dict[str, Any]]:
        """A SELECT over journey_events (alias `je`) with every filter applied."""
        params: dict[str, Any] = {}
        conds = self._event_conds("je", params)
        scope = self.customer_scope_sql(params)
        if scope:
            conds.append(f"je.customer_id IN ({scope})")
        sql = "SELECT je.* FROM journey_events je"
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        return sql, params

    def _event_conds(self, alias: str, params: dict) -> list[str]:
        conds: list[str] = []
        if self.stages:
            conds.append(self._in(f"{alias}.stage", "stage", self.stages, params))
        if self.touchpoints:
            conds.append(self._in(f"{alias}.touchpoint", "tp", self.touchpoints, params))
        if self.channels:
            conds.append(self._in(f"{alias}.channel", "channel", self.channels, params))
        if self.devices:
            conds.append(self._in(f"{alias}.device", "device", self.devices, params))
        conds += self._dates(f"{alias}.ts", params)
        return conds

    def responses_sql(self) -> tuple[str, dict[str, Any]]:
        """Filtered responses, with the effective stage, `persona` and the touchpoint's channel."""
        params: dict[str, Any] = {}
        conds: list[str] = []
        if self.stages:
            conds.append(self._in("COALESCE(r.stage, t.stage)", "stage", self.stages, params))
        if self.touchpoints:
            conds.append(self._in("r.touchpoint", "tp", self.touchpoints, params))
        if self.channels:
            conds.append(self._in("t.channel", "channel", self.channels, params))
        if self.personas:
            conds.append(self._in("cp.persona", "persona", self.personas, params))
        conds += self._dates("r.ts", params)
        scoped = self.replace(personas=())  # persona is judged on the response's customer
        scope = scoped.customer_scope_sql(params, for_responses=True)
        if scope:
            conds.append(f"r.customer_id IN ({scope})")
        # A response's stage is the one the survey names, else its touchpoint's stage: an
        # answer about "Delivery" belongs to the stage Delivery is mapped to.
        sql = (
            "SELECT r.response_id, r.customer_id, r.ts, COALESCE(r.stage, t.stage) AS stage, "
            "r.touchpoint, r.nps, r.csat, r.ces, r.comment, r.import_id, r.ces_high_is_easy, "
            "cp.persona, t.channel FROM responses r "
            "LEFT JOIN customer_persona cp ON cp.customer_id = r.customer_id "
            "LEFT JOIN touchpoints t ON t.touchpoint = r.touchpoint"
        )
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        return sql, params

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
