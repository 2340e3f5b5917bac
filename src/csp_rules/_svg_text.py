"""Text in the SVG pictures: measured with a shipped width table, wrapped and placed so that labels never overlap.

Private to :mod:`csp_rules.timeline` (and the documentation's chain picture). The pictures name one
font, DejaVu Sans (:data:`FONT_FAMILY`); every label is measured with that font's advance widths,
shipped in ``data/font_widths.tsv`` (built from the Debian package ``fonts-dejavu-core`` by
``tools/build_font_widths.py``; read lazily, once, thread-safe). :func:`_place` puts a label in the
first of its candidate spots where it fits on one or two balanced lines, away from the "asked at"
line where it can; a label that fits nowhere is clipped with an ellipsis, never drawn outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from importlib import resources
from typing import Final, NamedTuple

from ._lazy import Once

#: the font the SVG names and the width table measures (``data/font_widths.tsv``); Bitstream Vera
#: Sans, DejaVu's parent, has the same widths; any other sans-serif font is a fallback
FONT_FAMILY: Final = "'DejaVu Sans', 'Bitstream Vera Sans', sans-serif"
_INK: Final = "#1f2328"


# --- text measurement (the shipped width table) ---------------------------------------------------


class _Metrics(NamedTuple):
    units_per_em: int
    ascent: float  # in em
    descent: float  # in em
    regular: dict[int, int]
    bold: dict[int, int]


def _load_metrics() -> _Metrics:
    text = (resources.files("csp_rules") / "data" / "font_widths.tsv").read_text("utf-8")
    header: dict[str, str] = {}
    regular: dict[int, int] = {}
    bold: dict[int, int] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            header[key.strip()] = value.strip()
            continue
        codes, reg, bld = line.split("\t")
        first, _, last = codes.partition("..")
        for code in range(int(first, 16), int(last or first, 16) + 1):
            regular[code] = int(reg)
            if bld != "-":
                bold[code] = int(bld)
    em = int(header["units_per_em"])
    return _Metrics(em, int(header["ascent"]) / em, int(header["descent"]) / em, regular, bold)


_METRICS: Final = Once(_load_metrics)


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """The advance width of ``text`` in DejaVu Sans at ``size`` px (no kerning; a character the
    font lacks counts one em, as wide as the widest usual glyph)."""
    m = _METRICS()
    table = m.bold if bold else m.regular
    em = m.units_per_em
    return sum(table.get(ord(c), em) for c in text) * size / em


# --- rendering -----------------------------------------------------------------------------------

_LEFT: Final = 16  # left margin of the row names
_RIGHT: Final = 24  # right margin of the time axis
_EDGE: Final = 6.0  # labels keep this far from the picture's left and right edges
_ROW: Final = 34.0  # height of a row with a one-line label
_LINE: Final = 16.0  # line height of a label of _FS px
_FS: Final = 13  # font size of labels
_AT_FS: Final = 12  # font size of the "asked at" label
_TITLE_FS: Final = 15
_TICK_FS: Final = 11
_BAR: Final = 18.0  # height of a bar with a one-line label
_CLEAR: Final = 4.0  # a label keeps this far from the "asked at" line where it can


class _Text(NamedTuple):
    x: float
    y: float  # baseline
    text: str
    size: float = _FS
    anchor: str = "start"
    bold: bool = False
    fill: str = _INK
    halo: str = ""

    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the text's advance box (ascent to descent)."""
        m = _METRICS()
        w = _text_width(self.text, self.size, self.bold)
        left = self.x - (w if self.anchor == "end" else w / 2 if self.anchor == "middle" else 0)
        return left, self.y - self.size * m.ascent, left + w, self.y + self.size * m.descent

    def svg(self) -> str:
        extra = ' font-weight="bold"' if self.bold else ""
        head = (
            f'<text x="{self.x:.1f}" y="{self.y:.1f}" font-size="{self.size:g}" '
            f'text-anchor="{self.anchor}"{extra}'
        )
        body = f"{escape(self.text, quote=True)}</text>"
        under = ""
        if self.halo:  # the text stroked in the background colour underneath: lines passing behind stop at it
            under = (
                f'{head} fill="{self.halo}" stroke="{self.halo}" stroke-width="4" stroke-linejoin="round" '
                f'aria-hidden="true">{body}'
            )
        return f'{under}{head} fill="{self.fill}">{body}'


class _Spot(NamedTuple):
    """Where a label may go in its row: within ``[lo, hi]``, flush to ``lo`` ('start') or ``hi`` ('end')."""

    lo: float
    hi: float
    align: str
    inside: bool = False  # inside the row's bar (drawn in the bar's colours)


class _Block(NamedTuple):
    left: float
    lines: tuple[str, ...]
    inside: bool


def _crosses(left: float, w: float, at_x: float | None) -> bool:
    return at_x is not None and left - _CLEAR < at_x < left + w + _CLEAR


def _block_width(lines: Sequence[str]) -> float:
    return max(_text_width(line, _FS) for line in lines)


def _clip(text: str, pixels: float, size: float, bold: bool = False) -> str:
    """``text``, cut with an ellipsis so that it is at most ``pixels`` wide."""
    if _text_width(text, size, bold) <= pixels:
        return text
    keep = len(text)
    while keep > 0 and _text_width(text[:keep].rstrip() + "…", size, bold) > pixels:
        keep -= 1
    return text[:keep].rstrip() + "…"


def _join(words: Sequence[str]) -> str:
    """Words joined by spaces, without a " · " separator at either end of the line."""
    line = list(words)
    while line and line[0] == "·":
        line.pop(0)
    while line and line[-1] == "·":
        line.pop()
    return " ".join(line)


def _balanced(words: Sequence[str], n: int, room: float) -> tuple[str, ...] | None:
    """``words`` in ``n`` lines (``n`` <= 3) at most ``room`` wide, None if they do not fit: the
    lines broken at the most " · " separators, then the narrowest."""
    best: tuple[int, float, tuple[str, ...]] | None = None
    cuts = range(1, len(words))
    options = (
        [()] if n == 1 else [(i,) for i in cuts] if n == 2 else [(i, j) for i in cuts for j in cuts if i < j]
    )
    for option in options:
        bounds = (0, *option, len(words))
        lines = tuple(_join(words[bounds[k] : bounds[k + 1]]) for k in range(n))
        if not all(lines):
            continue
        widest = _block_width(lines)
        if widest > room:
            continue
        at_separators = -sum(1 for i in option if "·" in (words[i - 1], words[i]))
        if best is None or (at_separators, widest) < best[:2]:
            best = (at_separators, widest, lines)
    return None if best is None else best[2]


def _wrap_words(text: str, room: float, *, clip: bool = True) -> tuple[str, ...] | None:
    """``text`` in as few lines at most ``room`` wide as it takes (three at most, balanced), else
    broken greedily between words; a word wider than the room is cut with an ellipsis (``clip``),
    or the answer is None."""
    words = text.split(" ")
    for n in range(1, min(3, len(words)) + 1):
        lines = _balanced(words, n, room)
        if lines is not None:
            return lines
    out: list[str] = []
    line = ""
    for word in words:
        candidate = _join([*line.split(" "), word]) if line else _join([word])
        if _text_width(candidate, _FS) <= room:
            line = candidate
            continue
        if line:
            out.append(line)
        if word == "·":
            line = ""
            continue
        if not clip and _text_width(word, _FS) > room:
            return None
        line = _clip(word, room, _FS)
    if line:
        out.append(line)
    return tuple(out) or ("…",)


def _attached(spot: _Spot, at_x: float | None) -> _Spot:
    """The part of ``spot`` on its mark's side of the "asked at" line."""
    if at_x is None or not spot.lo - _CLEAR < at_x < spot.hi + _CLEAR:
        return spot
    if spot.align == "start":
        return spot._replace(hi=at_x - _CLEAR - 1)
    return spot._replace(lo=at_x + _CLEAR + 1)


def _place(text: str, spots: Sequence[_Spot], at_x: float | None) -> _Block:
    """Where a label goes, in this order of preference:

    1. clear of the "asked at" line, on one line, else on one line per " · " part, in the first spot
       that holds it;
    2. clear of that line, wrapped between words (three lines at most) beside its mark;
    3. on one line, else one line per part, in the first spot that holds it (the line passes behind);
    4. wrapped into the widest spot, a word too wide for it cut with an ellipsis.
    """
    variants: list[tuple[str, ...]] = [(text,)]
    if " · " in text:
        variants.append(tuple(text.split(" · ")))

    def fit(lines: tuple[str, ...], spot: _Spot, clear: bool) -> _Block | None:
        w = _block_width(lines)
        if spot.hi - spot.lo < w:
            return None
        left = spot.lo if spot.align == "start" else spot.hi - w
        if clear and _crosses(left, w, at_x):
            return None
        return _Block(left, lines, spot.inside)

    for lines in variants:
        for spot in spots:
            block = fit(lines, spot, True)
            if block is not None:
                return block
    for spot in spots:
        part = _attached(spot, at_x)
        wrapped = _wrap_words(text, part.hi - part.lo, clip=False) if part.hi > part.lo else None
        if wrapped is not None and len(wrapped) <= 3:
            block = fit(wrapped, part, True)
            if block is not None:
                return block
    for lines in variants:
        for spot in spots:
            block = fit(lines, spot, False)
            if block is not None:
                return block
    spot = max(spots, key=lambda s: s.hi - s.lo)
    cut = _wrap_words(text, max(spot.hi - spot.lo, 1.0)) or ("…",)
    return fit(cut, spot, False) or _Block(spot.lo, cut, spot.inside)
