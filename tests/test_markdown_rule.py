"""One rule for user text in the UI, enforced by walking the code: whatever reaches an element
that renders Markdown (st.markdown, captions, headings, alerts, toasts, widget labels and help
texts, page links, tabs, expanders, badges, progress and spinner texts) is a literal, a message
of the catalogue whose parameters are themselves safe, or the output of `md_escape`.

A persona named `[Log in again](http://evil.example)` or a stage named `![px](http://host/p.png)`
would otherwise become a link, or an image that every viewer's browser fetches.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = sorted([ROOT / "app.py", *(ROOT / "views").glob("*.py"), *(ROOT / "ui").glob("*.py")])

# method -> which arguments Streamlit renders as Markdown: positional index or keyword names.
BODY = ((0,), ("body", "label", "text", "help"))
LABEL = ((0,), ("label", "help"))
RENDERS_MARKDOWN: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    **dict.fromkeys(("markdown", "caption", "subheader", "header", "title", "info", "warning",
                     "error", "success", "toast", "badge", "spinner", "expander", "status"),
                  BODY),
    # A metric's value and delta are Markdown too (Streamlit >= 1.50).
    "metric": ((0, 1), ("label", "value", "delta", "help")),
    "Page": ((), ("title",)),
    **dict.fromkeys(("button", "download_button", "link_button", "checkbox", "toggle", "radio",
                     "selectbox", "multiselect", "slider", "select_slider", "text_input",
                     "text_area", "number_input", "date_input", "time_input", "file_uploader",
                     "segmented_control", "pills", "color_picker",
                     "TextColumn", "NumberColumn", "SelectboxColumn", "CheckboxColumn",
                     "DateColumn", "LinkColumn", "ProgressColumn"), LABEL),
    "page_link": ((), ("label", "help")),
    "progress": ((), ("text",)),
    "tabs": ((0,), ()),  # a list of labels: each is checked
}
# Receivers that are not Streamlit: the logger's .error/.info, the page context's caption()
# (it returns plain text, which ui.widgets.caption escapes).
NOT_STREAMLIT = {"log", "logger", "logging", "ctx", "self", "re", "str"}

ESCAPES = {"md_escape", "md"}
TRANSLATE = {"t"}  # ctx.t, i18n.t, the sidebar's local t: catalogue text
# Numbers and dates in words: their output is digits, separators and month names.
FORMATS = {"fmt_int", "fmt_num", "fmt_pct", "fmt_signed", "fmt_date", "fmt_month",
           "fmt_date_range", "int", "float", "len"}
STR_METHODS = {"lower", "upper", "strip", "capitalize"}
# i18n.labelled(label, value, lang): joins two texts with the language's colon, adds nothing.
JOINS = {"labelled"}


@dataclass(frozen=True)
class Allowed:
    """A value the walker cannot prove safe but that is, and why."""

    file: str
    source: str  # ast.unparse of the argument
    why: str


ALLOWED = [
    Allowed("views/data.py", "st.session_state.pop('data_flash')",
            "set only by _flash(), always with ctx.t(...) of a literal key"),
    Allowed("views/journey_map.py", "done",
            "save_note's toast: its one caller passes ctx.t('map.saved'), a literal key"),
    Allowed("app.py", "import_advice.demo_banner(store_facts(store)['demo_share'], lang)",
            "catalogue text filled only with i18n.fmt_int counts"),
    Allowed("ui/voc_explorer.py",
            "highlight(str(row['comment']), term) + '  \\n:gray[' + i18n.md_escape(meta) + ']'",
            "highlight() escapes every piece of the comment with md_escape and wraps matches "
            "in its own directive (tests/test_voc_explorer.py feeds it hostile comments)"),
]
# These render their options as Markdown too: what format_func returns is checked.
OPTIONS_MARKDOWN = {"radio", "segmented_control", "pills"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


class _Scope:
    """Assignments of one function (or the module), to follow a local name to its value."""

    def __init__(self, node: ast.AST) -> None:
        self.assigned: dict[str, list[ast.expr | None]] = {}
        args = getattr(node, "args", None)
        if isinstance(args, ast.arguments):
            for a in (*args.posonlyargs, *args.args, *args.kwonlyargs):
                self.assigned.setdefault(a.arg, []).append(None)  # a parameter: unknown
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign):
                for target in sub.targets:
                    self._bind(target, sub.value)
            elif isinstance(sub, (ast.AnnAssign, ast.AugAssign)) and sub.value is not None:
                self._bind(sub.target, sub.value)
            elif isinstance(sub, (ast.For, ast.comprehension, ast.withitem)):
                target = getattr(sub, "target", None) or getattr(sub, "optional_vars", None)
                if target is not None:
                    self._bind(target, None)
            elif isinstance(sub, ast.NamedExpr):
                self._bind(sub.target, sub.value)

    def _bind(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self.assigned.setdefault(target.id, []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            pairs = (isinstance(value, (ast.Tuple, ast.List))
                     and len(value.elts) == len(target.elts))
            for i, elt in enumerate(target.elts):
                self._bind(elt, value.elts[i] if pairs else None)  # type: ignore[union-attr]


class Walker:
    def __init__(self, path: Path) -> None:
        self.rel = str(path.relative_to(ROOT))
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.allowed = {a.source for a in ALLOWED if a.file == self.rel}
        self.found: list[str] = []

    def run(self) -> list[str]:
        self._visit(self.tree, [_Scope(self.tree)])
        return self.found

    def _visit(self, node: ast.AST, scopes: list[_Scope]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                self._visit(child, [*scopes, _Scope(child)])
                continue
            if isinstance(child, ast.Call):
                self._check_call(child, scopes)
            self._visit(child, scopes)

    def _check_call(self, call: ast.Call, scopes: list[_Scope]) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return  # Streamlit is always reached as st.x, a container's .x or a column's .x
        rule = RENDERS_MARKDOWN.get(func.attr)
        if rule is None:
            return
        receiver = func.value
        if isinstance(receiver, ast.Name) and receiver.id in NOT_STREAMLIT:
            return
        positions, keywords = rule
        values = [call.args[i] for i in positions if i < len(call.args)
                  and not isinstance(call.args[i], ast.Starred)]
        values += [k.value for k in call.keywords if k.arg in keywords]
        if func.attr == "tabs" and values and isinstance(values[0], (ast.List, ast.Tuple)):
            values = list(values[0].elts)
        if func.attr in OPTIONS_MARKDOWN:
            fmt = next((k.value for k in call.keywords if k.arg == "format_func"), None)
            if fmt is None:
                options = call.args[1] if len(call.args) > 1 else None
                if isinstance(options, (ast.List, ast.Tuple)):
                    values += list(options.elts)
                elif options is not None:
                    values.append(options)
            else:
                # A lambda's body is checked in its own scope (its parameter is the option).
                values.append(fmt.body if isinstance(fmt, ast.Lambda) else fmt)
                if isinstance(fmt, ast.Lambda):
                    scopes = [*scopes, _Scope(fmt)]
        for value in values:
            if not self.safe(value, scopes, set()):
                self.found.append(f"{self.rel}:{call.lineno} {func.attr}({ast.unparse(value)})")

    def safe(self, node: ast.expr, scopes: list[_Scope], seen: set[str]) -> bool:
        if ast.unparse(node) in self.allowed:
            return True
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(v.value, scopes, seen) for v in node.values
                       if isinstance(v, ast.FormattedValue))
        if isinstance(node, ast.BinOp):
            return self.safe(node.left, scopes, seen) and self.safe(node.right, scopes, seen)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, scopes, seen) and self.safe(node.orelse, scopes, seen)
        if isinstance(node, ast.BoolOp):
            return all(self.safe(v, scopes, seen) for v in node.values)
        if isinstance(node, ast.Name):
            return self._safe_name(node.id, scopes, seen)
        if isinstance(node, ast.Attribute):
            return node.attr.isupper()  # a module constant (SMALL_SAMPLE): a literal
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
            return all(v is not None and self.safe(v, scopes, seen) for v in node.value.values)
        if isinstance(node, ast.Call):
            return self._safe_call(node, scopes, seen)
        return False

    def _safe_name(self, name: str, scopes: list[_Scope], seen: set[str]) -> bool:
        if name.isupper():
            return True  # module constants hold literals
        if name in seen:
            return True  # a loop in the assignments adds nothing new
        for scope in reversed(scopes):
            if name in scope.assigned:
                values = scope.assigned[name]
                return all(v is not None and self.safe(v, scopes, seen | {name}) for v in values)
        return False

    def _safe_call(self, call: ast.Call, scopes: list[_Scope], seen: set[str]) -> bool:
        name = _name(call.func)
        if name in ESCAPES or name in FORMATS:
            return True
        if name in TRANSLATE:
            # The key may be computed (its text is the catalogue's); what fills the
            # placeholders must be safe.
            if any(k.arg is None for k in call.keywords):
                return False
            return all(self.safe(k.value, scopes, seen) for k in call.keywords)
        if name in JOINS:
            # 'label: value' built in code: safe when the label and the value are.
            return len(call.args) >= 2 and all(self.safe(a, scopes, seen)
                                               for a in call.args[:2])
        if name in STR_METHODS and isinstance(call.func, ast.Attribute):
            return self.safe(call.func.value, scopes, seen)
        return False


def unsafe_calls(path: Path) -> list[str]:
    """Markdown-rendering calls in `path` that take a value not proven safe."""
    return Walker(path).run()


def test_user_text_reaches_markdown_only_escaped() -> None:
    found = [line for path in UI_FILES for line in unsafe_calls(path)]
    assert found == []


def test_every_allowed_value_is_still_in_the_code() -> None:
    # An entry whose code is gone would silently allow the same text somewhere else later.
    for entry in ALLOWED:
        tree = ast.parse((ROOT / entry.file).read_text(encoding="utf-8"))
        sources = {ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.expr)}
        assert entry.source in sources, entry


def _check(code: str) -> list[str]:
    walker = Walker.__new__(Walker)
    walker.rel, walker.tree, walker.allowed, walker.found = "probe.py", ast.parse(code), set(), []
    return walker.run()


def test_the_walker_flags_what_it_should() -> None:
    flagged = [
        "st.warning(ctx.t('map.unknown_persona', persona=value))",
        "st.caption(name)",
        "st.markdown(f'**{jm.title}**')",
        "c.subheader(s.label, anchor=False)",
        "st.selectbox(p.name, [])",
        "st.button('x', help=row.file_name)",
        "st.page_link('views/data.py', label=persona)",
        "st.tabs([ctx.t('a'), persona])",
        "bar.progress(0.5, text=f'{up.name}: busy')",
        "st.expander(ctx.t('a') + jm.title)",
        "st.info(i18n.t('k', 'en', **kw))",
        "st.radio(ctx.t('a'), names, format_func=lambda v: v)",
        "a, b = ctx.t('x'), name\n    st.caption(b)",
        "c.metric(ctx.t('a'), pv.layout)",
        "st.radio(ctx.t('a'), personas)",
        "bar.progress(0.5, text=i18n.labelled(md(name), value, ctx.lang))",
    ]
    for code in flagged:
        assert len(_check(f"def f(ctx, value, name, persona, kw):\n    {code}\n")) == 1, code


def test_the_walker_passes_what_is_safe() -> None:
    passed = [
        "st.warning(ctx.t('map.unknown_persona', persona=md(value)))",
        "st.caption(i18n.md_escape(name))",
        "st.markdown(f'**{md(jm.title)}**')",
        "st.metric(ctx.t('tile.n'), 3, help=ctx.t('h', n=i18n.fmt_int(n, 'en')))",
        "title = ctx.t('x')\n    st.subheader(title)",
        "st.tabs([ctx.t('a'), ctx.t('b')])",
        "log.error(value)",
        "st.caption(ctx.t('k', min=sc.SMALL_SAMPLE, count=len(value)))",
        "st.radio(ctx.t('a'), xs, format_func=lambda v: ctx.t(f'lang.{v}'))",
        "st.pills(ctx.t('a'), xs, format_func=lambda m: {'nps': 'NPS'}[m])",
        "a, b = ctx.t('x'), md(name)\n    st.caption(b)",
        "bar.progress(0.5, text=i18n.labelled(md(name), md(value), ctx.lang))",
    ]
    for code in passed:
        assert _check(f"def f(ctx, value, name, n):\n    {code}\n") == [], code
