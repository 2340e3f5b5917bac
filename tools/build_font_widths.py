"""Build the text-width table of csp_rules.timeline from the DejaVu Sans fonts (build time only).

Usage::

    python tools/build_font_widths.py            # rewrite src/csp_rules/data/font_widths.tsv
    python tools/build_font_widths.py --check    # exit 1 if the shipped file is not what this builds

The timeline picture (:mod:`csp_rules.timeline`) names one font in its SVG, DejaVu Sans, and
measures every label with that font's advance widths, so labels can be placed without overlapping
and without leaving the picture. This script reads the widths with fontTools (a ``dev`` extra: it
is never imported at run time) from the fonts of the Debian package ``fonts-dejavu-core``
(``apt-get install fonts-dejavu-core``; ``.ci/run`` installs it):

* ``/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf`` (the labels),
* ``/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf`` (the title, drawn bold).

Output: a tab-separated file with a ``#`` header naming the font, its version and date (the
fonts' ``head.modified``), the units per em and the ascent and
descent; then one line per run of consecutive code points that have the same advances:
``first[..last]<TAB>regular<TAB>bold`` (hexadecimal code points, advances in font units; ``-``
where the bold font has no glyph). Every code point of the regular font's character map is
listed. The output is deterministic (it depends on the font files only), which
``tests/test_timeline.py`` checks by calling :func:`build` and comparing with the shipped file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
DEBIAN_PACKAGE = "fonts-dejavu-core"
ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "csp_rules" / "data" / "font_widths.tsv"


def _advances(path: Path) -> tuple[dict[int, int], dict[str, object]]:
    from fontTools.misc.timeTools import timestampToString
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    widths = {code: int(hmtx[glyph][0]) for code, glyph in cmap.items()}
    head, hhea, names = font["head"], font["hhea"], font["name"]
    modified = timestampToString(head.modified)  # e.g. 'Fri Mar 10 08:35:35 2023'

    info: dict[str, object] = {
        "family": names.getDebugName(1),
        "full_name": names.getDebugName(4),
        "version": (names.getDebugName(5) or "").removeprefix("Version ").strip(),
        "date": datetime.strptime(modified, "%a %b %d %H:%M:%S %Y")
        .replace(tzinfo=timezone.utc)
        .date()
        .isoformat(),
        "units_per_em": int(head.unitsPerEm),
        "ascent": int(hhea.ascent),
        "descent": -int(hhea.descent),
    }
    font.close()
    return widths, info


def _runs(regular: dict[int, int], bold: dict[int, int]) -> Iterator[tuple[int, int, int, int | None]]:
    """(first, last, regular, bold) for each run of consecutive code points with the same advances."""
    run: list[int | None] | None = None
    for code in sorted(regular):
        pair = (regular[code], bold.get(code))
        if run is not None and code == run[1] + 1 and (run[2], run[3]) == pair:  # type: ignore[operator]
            run[1] = code
            continue
        if run is not None:
            yield run[0], run[1], run[2], run[3]  # type: ignore[misc]
        run = [code, code, pair[0], pair[1]]
    if run is not None:
        yield run[0], run[1], run[2], run[3]  # type: ignore[misc]


def build(regular_path: Path = REGULAR, bold_path: Path = BOLD) -> str:
    """The text of ``font_widths.tsv`` built from the two font files."""
    regular, info = _advances(regular_path)
    bold, bold_info = _advances(bold_path)
    for key in ("units_per_em", "version"):
        if info[key] != bold_info[key]:
            raise SystemExit(f"the regular and bold fonts differ in {key}: {info[key]} and {bold_info[key]}")
    lines = [
        "# Advance widths of DejaVu Sans, the font the timeline picture names (csp_rules.timeline).",
        f"# font: {info['family']} {info['version']} (regular: {info['full_name']}; bold: {bold_info['full_name']})",
        f"# font version: {info['version']}",
        f"# font date: {info['date']} (head.modified of {regular_path.name}; {bold_path.name}: {bold_info['date']})",
        f"# from the Debian package {DEBIAN_PACKAGE}; built by tools/build_font_widths.py (fontTools)",
        f"# units_per_em: {info['units_per_em']}",
        f"# ascent: {info['ascent']}",
        f"# descent: {info['descent']}",
        "# columns: code points (hex, first..last), advance regular, advance bold ('-': no bold glyph), font units",
    ]
    for first, last, reg, bld in _runs(regular, bold):
        codes = f"{first:04X}" if first == last else f"{first:04X}..{last:04X}"
        lines.append(f"{codes}\t{reg}\t{'-' if bld is None else bld}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file, write nothing")
    args = parser.parse_args(argv)
    for path in (REGULAR, BOLD):
        if not path.is_file():
            print(f"{path} is missing: apt-get install {DEBIAN_PACKAGE}", file=sys.stderr)
            return 2
    text = build()
    if args.check:
        if OUTPUT.read_text("utf-8") != text:
            print(f"{OUTPUT} differs from what {Path(__file__).name} builds", file=sys.stderr)
            return 1
        print(f"{OUTPUT.name} is up to date")
        return 0
    OUTPUT.write_text(text, "utf-8")
    print(f"wrote {OUTPUT} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
