"""Single-byte text where Windows (cp1252) and old DOS (cp850) bytes are mixed.

French files keyed on old tills or exported by R from mixed sources hold 'é' as 0xE9
(Windows) in one answer and 0x82 (DOS) in the next. Read as cp1252, 0x82 becomes '‚' and
0x90 a control character. Only the bytes 0x80–0x9F differ in a way that shows: in cp850
they are letters (Ç ü é â ä à å ç ê ë è ï î ì Ä Å É æ Æ ô ö ò û ù ÿ Ö Ü ...), in cp1252
punctuation or nothing. So a byte there is read as the cp850 letter when the file shows
the mix (such bytes sit inside words where cp1252 punctuation never does) and the byte's
own neighbours make the letter the only sensible reading; when both readings make sense
(a '…' after a word) it keeps the cp1252 reading and counts it as unsure.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

_C1 = re.compile("[\x80-\x9f]")


def _cp1252(byte: int) -> str | None:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return None


CP1252 = {chr(b): _cp1252(b) for b in range(0x80, 0xA0)}
CP850 = {chr(b): bytes([b]).decode("cp850") for b in range(0x80, 0xA0)}
# cp1252 characters that can open or close a word: there the cp1252 reading is plausible.
_OPENERS = set("‘“„‹")
_CLOSERS = set("’”›…™")
# Bytes a cp1252 text never has inside a word ('d‚j…' is not French; 'l’avis' is): the
# evidence that a file mixes in cp850.
_EVIDENCE = bytes([0x81, 0x82, 0x83, 0x84, 0x86, 0x87, 0x88, 0x89, 0x8B, 0x8D, 0x8F, 0x90,
                   0x93, 0x94, 0x95, 0x98, 0x9B, 0x9D])
_IN_WORD = re.compile(
    rb"[A-Za-z\xc0-\xff][" + re.escape(_EVIDENCE) + rb"][A-Za-z\xc0-\xff]"
)
_ANY_C1 = re.compile(rb"[\x80-\x9f]")
UTF8_C1 = re.compile(rb"\xc2[\x80-\x9f]")  # a C1 control character written in UTF-8
SHOW = 3  # examples kept per kind of repair


def evidence(data: bytes) -> tuple[int, int]:
    """(bytes 0x80–0x9F found inside words where cp1252 has no letter, all bytes 0x80–0x9F)."""
    return len(_IN_WORD.findall(data)), len(_ANY_C1.findall(data))


def c1_count(data: bytes) -> int:
    """Bytes 0x80–0x9F in `data`."""
    return len(_ANY_C1.findall(data))


def is_mixed(in_word: int, c1_bytes: int) -> bool:
    return in_word >= 3 and in_word >= 0.2 * c1_bytes


@dataclass
class RepairStats:
    """What the decoder changed, for the report."""

    mixed: bool = False
    utf8: bool = False  # C1 characters inside UTF-8 text (not cp850 bytes)
    repaired: int = 0
    unsure: int = 0
    repaired_examples: list[str] = field(default_factory=list)
    unsure_examples: list[str] = field(default_factory=list)


def _letter(ch: str, mixed: bool) -> bool:
    if ch.isalpha():
        return True
    return mixed and ch in CP850 and CP850[ch].isalpha()


def _word(text: str, i: int) -> tuple[int, int]:
    start = i
    while start > 0 and i - start < 15 and (text[start - 1].isalpha() or text[start - 1] in CP850):
        start -= 1
    end = i + 1
    while end < len(text) and end - i < 15 and (text[end].isalpha() or text[end] in CP850):
        end += 1
    return start, end


class Decoder:
    """Incremental cp1252 decoding that repairs cp850 bytes (see the module docstring).

    With `utf8`, the bytes are UTF-8 text that holds C1 control characters (U+0080–U+009F,
    left by a Windows text once decoded as Latin-1): they get their cp1252 reading ('’').
    """

    def __init__(self, mixed: bool, utf8: bool = False) -> None:
        self.stats = RepairStats(mixed=mixed, utf8=utf8)
        self._prev = ""  # last character already emitted (left context)
        self._held = ""  # last character of the previous block (needs its right context)
        self._utf8 = codecs.getincrementaldecoder("utf-8")() if utf8 else None

    def decode(self, block: bytes, final: bool = False) -> str:
        piece = self._utf8.decode(block, final) if self._utf8 else block.decode("latin-1")
        text = self._held + piece
        if final:
            self._held, after = "", ""
        else:
            text, self._held = text[:-1], text[-1:]
            after = self._held
        out = self._fix(text, self._prev, after)
        if text:
            self._prev = text[-1]
        return out

    def _choose(self, ch: str, before: str, after: str) -> tuple[str, str]:
        """(character, 'repaired' | 'unsure' | '') for one byte 0x80–0x9F."""
        mixed = self.stats.mixed
        old, dos = CP1252[ch], CP850[ch]
        dos_letter = dos.isalpha() and dos not in "ƒæÆ"
        left, right = _letter(before, mixed), _letter(after, mixed)
        if old is None:  # cp1252 has no character here: never keep a control character
            return dos, ("repaired" if dos_letter and (left or right) else "unsure")
        if not mixed or not dos_letter:
            return old, ("repaired" if self._utf8 else "")
        if left and right:
            if old.isalpha() and old.isupper() and before.isupper():
                return old, "unsure"  # 'CŒUR' or 'CîUR': keep Windows' reading
            return dos, "repaired"
        if right:
            return (old, "unsure") if old in _OPENERS else (dos, "repaired")
        if left:
            return (old, "unsure") if old in _CLOSERS else (dos, "repaired")
        return old, ""

    def _fix(self, text: str, before: str, after: str) -> str:
        if not _C1.search(text):
            return text
        out = list(text)
        for match in _C1.finditer(text):
            i = match.start()
            left = text[i - 1] if i > 0 else before
            right = text[i + 1] if i + 1 < len(text) else after
            char, how = self._choose(text[i], left, right)
            out[i] = char
            if how:
                self._count(how, text, i, char)
        return "".join(out)

    def _count(self, how: str, text: str, i: int, char: str) -> None:
        stats = self.stats
        examples = stats.repaired_examples if how == "repaired" else stats.unsure_examples
        if how == "repaired":
            stats.repaired += 1
        else:
            stats.unsure += 1
        if len(examples) >= SHOW:
            return
        start, end = _word(text, i)
        readable = "".join(CP1252.get(c) or "?" if c in CP1252 else c for c in text[start:end])
        fixed = readable[: i - start] + char + readable[i - start + 1:]
        examples.append(f"'{readable}' → '{fixed}'" if how == "repaired" else f"'{readable}'")
