"""User text made inert for Markdown: names, comments, file names and URL values shown by
st.markdown, st.caption, headings, badges and alerts.

Escaping the Markdown syntax is not enough. The app's Markdown renderer turns bare URLs
(`http://…`, `www.…`) and e-mail addresses into links, and `:name:` into emoji or icons,
*after* escapes are resolved, so a backslash cannot stop them; an invisible word joiner inside
the pattern does, and leaves the text reading the same.
"""

from __future__ import annotations

import re
from typing import Any

WORD_JOINER = "\u2060"  # invisible, no line break: breaks a pattern without changing the text

# Characters that make syntax wherever they stand: emphasis, code, links and images (a link
# needs its brackets), HTML and autolinks, strikethrough, math, entities, tables.
_ANYWHERE = re.compile(r"([\\`*_\[\]<>~$&|])")
# Characters that make syntax only where a line starts (headings, quotes, lists, rules): the
# text is one line, so only its start. "1." and "2)" start ordered lists. Elsewhere "-" and "."
# stay as typed, so a file name or a date reads the same in the Markdown source.
_LINE_START = re.compile(r"^(\s*)(\d{1,9}(?=[.)])|[#>+\-=])")
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|www)(?=[:.])")
_SHORTCODE = re.compile(r":(?=[\w+\-/])")  # ":smile:", ":material/home:", ":red[...]"
_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")


def md_escape(text: Any) -> str:
    """`text` as one line of literal text in Markdown: no link, image, emphasis, heading, list,
    emoji or autolink. `str(text)` for anything that is not a string; None is ''."""
    if text is None:
        return ""
    out = _NEWLINES.sub(" ", str(text))  # one line: a newline could start a block
    out = _SCHEME.sub(lambda m: m.group(1) + WORD_JOINER, out)
    out = out.replace("@", WORD_JOINER + "@")
    out = _SHORTCODE.sub(":" + WORD_JOINER, out)  # "Note: x" keeps its plain colon
    out = _ANYWHERE.sub(r"\\\1", out)
    match = _LINE_START.match(out)
    if match:
        lead, mark = match.group(1), match.group(2)
        # "12." -> "12\." ; "#" -> "\#"
        escaped = mark + "\\" if mark[0].isdigit() else "\\" + mark
        out = lead + escaped + out[match.end():]
    return out
