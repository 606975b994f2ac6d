"""Page state in the URL, so that a copied link reopens the same view: one helper for the
shell's filters and every page's own controls.

A `UrlState` is a list of typed `Param`s (str, int, bool, date, list), each with its stable URL
key (`persona`, `flows_steps`, `map_b_since`: never a translated label, so a link survives a
language switch) and its default. Per script run:

1. `read()`: on the first run of a session, or when the URL holds our keys and they differ from
   what we wrote last (a shared link, back/forward), the URL wins: its values, parsed and
   checked, seed the controls. A value that is not in the data (a persona removed since the
   link was shared) or not a value at all is dropped, and a number or date outside its range
   is brought to the nearest one it has; either is remembered as a notice for the page to
   show (`notices()`), never silently. Otherwise (a page switch clears
   the query string) the controls' latest values, or our memory when they are not drawn
   (workshop mode, another page), are this run's values.
2. The page draws its controls (session-state keys `Param.widget`) and reads them back.
3. `write(values)`: our keys in the URL are made to match (defaults left out to keep links
   short); keys that belong to others are never touched.

`parse` and `encode` are pure, so the rules are unit-tested without Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

Kind = Literal["str", "int", "bool", "date", "list"]
# Allowed values of a param, or a function of the values parsed before it (a flow's anchors
# depend on its level).
Known = Collection[str] | Callable[[dict[str, Any]], Collection[str]]
Bounds = tuple[Any, Any]
# A param's range, or a function of the values parsed before it (the verbatim explorer's last
# page depends on its filters).
Range = Bounds | Callable[[dict[str, Any]], Bounds]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Param:
    """One URL key: its type, default and what it accepts."""

    key: str
    kind: Kind = "str"
    default: Any = None
    choices: tuple[str, ...] | None = None  # fixed allowed values (str and list kinds)
    lo: Any = None  # int and date: values below are raised to this
    hi: Any = None  # ... and values above lowered to this
    max_len: int | None = None  # str: longer values are cut
    widget: str | None = None  # the session-state key of the control that shows it
    label: str | None = None  # i18n key naming it in a notice ("filter.persona")


Reason = Literal["unknown", "invalid", "clamped"]


@dataclass(frozen=True)
class Dropped:
    """A URL value that was not used as given, for a visible notice: `unknown` (not in the
    data: dropped), `invalid` (not a value this key takes: dropped) or `clamped` (outside the
    data's range: `used` instead)."""

    param: Param
    value: str
    reason: Reason = "invalid"
    used: Any = None


def _clamp(value: Any, lo: Any, hi: Any) -> Any:
    if lo is not None and value < lo:
        value = lo
    if hi is not None and value > hi:
        value = hi
    return value


class UrlState:
    """The URL keys of one page (or of the shell), typed, with defaults; see the module."""

    def __init__(self, name: str, *params: Param) -> None:
        self.name = name
        self.params = params
        self._mem_key = f"_url_state_{name}"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.params)

    def defaults(self) -> dict[str, Any]:
        return {p.key: p.default for p in self.params}

    # -- pure rules ----------------------------------------------------------------------
    def parse(
        self,
        url: Mapping[str, list[str]],
        *,
        known: Mapping[str, Known] | None = None,
        bounds: Mapping[str, Range] | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], list[Dropped]]:
        """Typed values from URL values (a key's values as a list); what could not be used."""
        values: dict[str, Any] = {}
        dropped: list[Dropped] = []
        for p in self.params:
            default = (defaults or {}).get(p.key, p.default)
            raw = [v for v in url.get(p.key, []) if v is not None and str(v) != ""]
            allowed = self._allowed(p, known, values)
            # Checked against the store's values (known) rather than fixed choices.
            why: Reason = "unknown" if p.key in (known or {}) else "invalid"
            lo, hi = self._range(p, bounds, values)
            if not raw:
                values[p.key] = list(default or []) if p.kind == "list" else default
                continue
            if p.kind == "list":
                kept = [str(v) for v in raw if allowed is None or str(v) in allowed]
                dropped += [Dropped(p, str(v), why) for v in raw if str(v) not in kept]
                values[p.key] = list(dict.fromkeys(kept))
                continue
            text = str(raw[-1])
            value = self._convert(p, text, allowed, None, None)
            if value is None:
                dropped.append(Dropped(p, text, why if p.kind == "str" else "invalid"))
                value = default
            elif p.kind in ("int", "date"):
                kept_value = _clamp(value, lo, hi)
                if kept_value != value:
                    dropped.append(Dropped(p, text, "clamped", kept_value))
                value = kept_value
            values[p.key] = value
        return values, dropped

    @staticmethod
    def _allowed(p: Param, known: Mapping[str, Known] | None,
                 so_far: dict[str, Any]) -> set[str] | None:
        found = (known or {}).get(p.key)
        if found is None:
            return set(p.choices) if p.choices is not None else None
        if callable(found):
            found = found(so_far)
        return {str(v) for v in found}

    @staticmethod
    def _range(p: Param, bounds: Mapping[str, Range] | None,
               so_far: dict[str, Any]) -> Bounds:
        found = (bounds or {}).get(p.key, (p.lo, p.hi))
        return found(so_far) if callable(found) else found

    @staticmethod
    def _convert(p: Param, text: str, allowed: set[str] | None, lo: Any, hi: Any) -> Any:
        """The typed value, or None when `text` cannot be used."""
        if p.kind == "int":
            try:
                return _clamp(int(text), lo, hi)
            except ValueError:
                return None
        if p.kind == "bool":
            low = text.lower()
            return True if low in _TRUE else False if low in _FALSE else None
        if p.kind == "date":
            try:
                return _clamp(dt.date.fromisoformat(text[:10]), lo, hi)
            except ValueError:
                return None
        value = text[: p.max_len] if p.max_len else text
        return value if allowed is None or value in allowed else None

    def sanitize(
        self,
        values: Mapping[str, Any],
        *,
        known: Mapping[str, Known] | None = None,
        bounds: Mapping[str, Range] | None = None,
    ) -> dict[str, Any]:
        """Values that no longer hold (the store changed, a control switched the level) reset
        quietly: the user did this, there is nothing to report."""
        out: dict[str, Any] = {}
        for p in self.params:
            value = values.get(p.key, p.default)
            allowed = self._allowed(p, known, out)
            lo, hi = self._range(p, bounds, out)
            if p.kind == "list":
                value = [v for v in (value or []) if allowed is None or v in allowed]
            elif value is not None and p.kind in ("int", "date"):
                if p.kind == "int" or isinstance(value, dt.date):
                    value = _clamp(value, lo, hi)
                else:
                    value = p.default
            elif value is not None and allowed is not None and value not in allowed:
                value = p.default
            out[p.key] = value
        return out

    def encode(self, values: Mapping[str, Any]) -> dict[str, list[str]]:
        """URL values for `values`: defaults, None and empty values left out."""
        out: dict[str, list[str]] = {}
        for p in self.params:
            value = values.get(p.key, p.default)
            if value is None or value == "" or value == p.default:
                continue
            if p.kind == "list":
                if list(value) != list(p.default or []):
                    out[p.key] = [str(v) for v in value]
            elif p.kind == "bool":
                out[p.key] = ["1" if value else "0"]
            elif p.kind == "date":
                out[p.key] = [value.isoformat()]
            else:
                out[p.key] = [str(value)]
        return out

    # -- with Streamlit ------------------------------------------------------------------
    def _memory(self) -> dict[str, Any]:
        return st.session_state.setdefault(
            self._mem_key, {"values": None, "written": None, "fresh": False, "notices": []})

    def url_values(self) -> dict[str, list[str]]:
        """Our keys in the current URL (repeated keys as lists)."""
        qp = st.query_params
        return {k: qp.get_all(k) for k in self.keys if k in qp}

    def remembered(self) -> dict[str, Any] | None:
        """The values of the last run (None before the first)."""
        values = self._memory()["values"]
        return dict(values) if values is not None else None

    def read(
        self,
        *,
        known: Mapping[str, Known] | None = None,
        bounds: Mapping[str, Range] | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """This run's values (see the module); call before drawing the controls."""
        ss = st.session_state
        mem = self._memory()
        url = self.url_values()
        if mem["values"] is None or (url and url != mem["written"]):
            values, mem["notices"] = self.parse(url, known=known, bounds=bounds,
                                                defaults=defaults)
            # What the URL holds now: a page that returns before write() must not read the
            # same link again next run (it would reset the controls to it).
            mem["written"] = url
            mem["fresh"] = True  # the address bar must show exactly this state
            for p in self.params:
                if p.widget:
                    ss[p.widget] = values[p.key]
        else:
            values = dict(mem["values"])
            for p in self.params:
                if p.widget and p.widget in ss:
                    values[p.key] = ss[p.widget]
            values = self.sanitize(values, known=known, bounds=bounds)
            for p in self.params:
                # Controls not drawn last run (workshop mode, another page) were forgotten by
                # Streamlit; ones whose value no longer holds get the sanitized one.
                if p.widget and (p.widget not in ss or ss[p.widget] != values[p.key]):
                    ss[p.widget] = values[p.key]
        mem["values"] = dict(values)
        return values

    def widget_values(self) -> dict[str, Any]:
        """The values the controls hold now (after they were drawn), over the remembered ones."""
        ss = st.session_state
        values = dict(self._memory()["values"] or self.defaults())
        for p in self.params:
            if p.widget and p.widget in ss:
                values[p.key] = ss[p.widget]
        return values

    def write(self, values: Mapping[str, Any], *, push: bool = False) -> dict[str, list[str]]:
        """Make our keys in the URL match `values` (other keys untouched); remember them.

        `push`: send the query string to the browser even when nothing differs here. A page
        link to the page already shown (the "exit workshop mode" link) reruns with the link's
        query string, but the address bar keeps the old one unless the script writes to
        `st.query_params`.
        """
        mem = self._memory()
        mem["values"] = {**(mem["values"] or self.defaults()), **values}
        desired = self.encode(mem["values"])
        qp = st.query_params
        sent = False
        for key in self.keys:
            want = desired.get(key)
            have = qp.get_all(key) if key in qp else None
            if not want:
                if have is not None:
                    del qp[key]
                    sent = True
            elif want != have:
                qp[key] = want
                sent = True
        if (push or mem["fresh"]) and not sent and desired:
            key = next(iter(desired))
            qp[key] = desired[key]  # every assignment sends the whole query string
        mem["written"], mem["fresh"] = desired, False
        return desired

    def notices(self) -> list[Dropped]:
        """The URL values dropped when the URL was last read; each is returned once."""
        mem = self._memory()
        found, mem["notices"] = mem["notices"], []
        return found
