"""Which fonts draw chart text, and what becomes of a character none of them has.

DejaVu Sans gives the charts their look; every other font on the machine backs it up, character by
character (matplotlib's font-family fallback), so a name in Greek, Hebrew, Chinese or Japanese is
drawn whenever some installed font has its letters. A character no font has (most emoji, or CJK on a
machine without a CJK font) becomes one plain placeholder, never an empty box.
"""

from __future__ import annotations

import functools
import logging
import unicodedata

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

PRIMARY = "DejaVu Sans"
# Tried first among the fallbacks, in this order, when installed: broad Unicode sans-serif fonts.
PREFERRED = ("Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR",
             "Droid Sans Fallback", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans Symbols",
             "Noto Sans Symbols2", "Symbola", "Liberation Sans")
# Never a fallback: fonts that draw boxes for what they lack, map letters to math symbols, or hold
# colour bitmaps matplotlib cannot draw.
EXCLUDED_PREFIXES = ("Last Resort", "cm", "STIXNonUnicode", "STIXSize", "DejaVu Math", "Noto Color Emoji")
PLACEHOLDER = "\ufffd"  # the Unicode replacement character: "a character that could not be shown"
# Joiners, variation selectors, skin tones and tags change the character before them; alone they are
# nothing to draw.
# A fallback family without a bold face is used in its regular weight, as intended: matplotlib would
# log a warning for it at every bold text.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
_MODIFIERS = {0x200D, 0xFE0E, 0xFE0F, 0x20E3} | set(range(0x1F3FB, 0x1F400)) | set(range(0xE0020, 0xE0080))


def _register_new_system_fonts() -> None:
    """Add fonts installed after matplotlib built its font cache (a font package installed later)."""
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable or unsupported font file
                continue


def _regular_faces() -> dict[str, str]:
    """Return the file of each installed family's regular face (upright, normal weight)."""
    _register_new_system_fonts()
    faces: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        if entry.style == "normal" and entry.weight in (400, "normal", "regular"):
            faces.setdefault(entry.name, entry.fname)
    return faces


def _charmap(path: str) -> set[int]:
    try:
        return set(FT2Font(path).get_charmap())
    except (OSError, RuntimeError, ValueError):  # a font file FreeType cannot read
        return set()


@functools.cache
def _fonts() -> tuple[tuple[str, ...], frozenset[int]]:
    """Choose the families (DejaVu Sans, then each font that draws characters the ones before lack)."""
    faces = _regular_faces()
    candidates = [name for name in PREFERRED if name in faces]
    candidates += sorted(name for name in faces if name != PRIMARY and name not in PREFERRED
                         and not name.startswith(EXCLUDED_PREFIXES))
    families = [PRIMARY]
    points = _charmap(faces[PRIMARY]) if PRIMARY in faces else set()
    for name in candidates:
        more = _charmap(faces[name]) - points
        if more:
            families.append(name)
            points |= more
    return tuple(families), frozenset(points)


def font_families() -> list[str]:
    """Return the font families to draw with, in the order matplotlib should try them."""
    return list(_fonts()[0])


def covered() -> frozenset[int]:
    """Return the code points that at least one of the fonts has a glyph for."""
    return _fonts()[1]


@functools.cache
def _primary_points() -> frozenset[int]:
    return frozenset(_charmap(_regular_faces().get(PRIMARY, "")))


def primary_draws(text: str) -> bool:
    """Tell whether the primary font alone draws every character of ``text`` (white space aside)."""
    if text.isascii():
        return True
    have = _primary_points()
    return all(ord(char) in have or char.isspace() for char in text)


def drawable(text: str) -> str:
    """Return ``text`` with each character no font can draw replaced by ``PLACEHOLDER``.

    Modifiers (joiners, variation selectors, skin tones) are dropped, so an emoji sequence such as
    a family, a flag or a thumbs-up of some skin tone becomes one placeholder; white space stays.
    """
    if text.isascii():
        return text
    have = covered()
    out: list[str] = []
    joined = False  # the character before was a zero-width joiner: this one belongs to the same emoji
    flag_half = False  # the placeholder before stands for the first letter of a flag
    for char in text:
        point = ord(char)
        if point in _MODIFIERS:
            joined = joined or point == 0x200D
        elif point in have or char.isspace():
            out.append(char)
            joined = flag_half = False
        elif unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc"):
            continue  # a mark or format character no font has: nothing visible is lost
        elif (joined or flag_half) and out and out[-1] == PLACEHOLDER:
            joined = flag_half = False
        else:
            out.append(PLACEHOLDER)
            flag_half = 0x1F1E6 <= point <= 0x1F1FF
            joined = False
    return "".join(out)
