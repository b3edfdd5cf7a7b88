"""The CJK font every PDF is set in: Noto Sans CJK SC with the radical code points removed.

wkhtmltopdf builds a PDF's text layer (ToUnicode) by reading the font's cmap backwards. Noto CJK
maps one glyph to both a radical (U+2EE5 ⻋) and the ideograph (U+8F66 车), and the radical wins,
so copied or searched text reads ⻋主回娘家 instead of 车主回娘家 (/work/shared/notes/cjk-pdf.md).
Deleting the radical, stroke and compatibility-ideograph code points from the cmap leaves one
code point per glyph, and a family of our own name keeps fontconfig from mixing in the original.

The derived fonts and a fontconfig file naming their folder go to instance/ (git-ignored):

    instance/fonts/CampaignDeskSansSC-Regular.otf, -Bold.otf
    instance/fonts.conf        -> FONTCONFIG_FILE for wkhtmltopdf (scripts/run.sh, scripts/test.sh)

`python -m reports.fonts` builds them once (scripts/bootstrap.sh) and does nothing when they are
there; `ensure_fonts()` is called before every render, so a fresh checkout still prints correctly.
Only the cmap and name tables are rewritten; the other tables (the 16 MB of CFF outlines) are
copied as they are, which takes about a second instead of recompiling them (~20 s).
A third, tiny TrueType font (page-number characters only) serves the reportlab page stamp;
stamps naming a dealer or campaign get a subset of their own characters (`stamp_font`), cached
under instance/fonts/ by the characters it holds (about 0.4 s the first time).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = ROOT / "instance" / "fonts"
FONTS_CONF = ROOT / "instance" / "fonts.conf"
SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
SOURCE_FACE = 2  # face 2 of NotoSansCJK-*.ttc is "Noto Sans CJK SC"
FAMILY = "Campaign Desk Sans SC"
POSTSCRIPT = "CampaignDeskSansSC"
WEIGHTS = ("Regular", "Bold")
# The page-number stamp is drawn with reportlab, which embeds TrueType (glyf) outlines only: a
# tiny TrueType font holding just these characters is converted from the derived CFF font.
STAMP_FONT = FONT_DIR / f"{POSTSCRIPT}-Stamp.ttf"
STAMP_CHARS = "第共页0123456789 /"
# CJK radicals supplement + Kangxi radicals, CJK strokes, CJK compatibility ideographs
REMOVED_RANGES = ((0x2E80, 0x2FDF), (0x31C0, 0x31EF), (0xF900, 0xFAFF))


def font_path(weight: str) -> Path:
    return FONT_DIR / f"{POSTSCRIPT}-{weight}.otf"


def _removed(code_point: int) -> bool:
    return any(lo <= code_point <= hi for lo, hi in REMOVED_RANGES)


def derive(source: Path, target: Path, weight: str, face: int = SOURCE_FACE) -> int:
    """Write `target` from face `face` of `source`; returns the number of cmap entries removed."""
    font = TTFont(str(source), fontNumber=face, lazy=True)
    removed = 0
    for subtable in font["cmap"].tables:
        if subtable.format == 14:  # variation sequences: keep only those of kept code points
            for selector, pairs in subtable.uvsDict.items():
                subtable.uvsDict[selector] = [p for p in pairs if not _removed(p[0])]
            continue
        for code_point in [c for c in subtable.cmap if _removed(c)]:
            del subtable.cmap[code_point]
            removed += 1
    full = FAMILY if weight == "Regular" else f"{FAMILY} {weight}"
    names = {1: FAMILY, 4: full, 16: FAMILY, 6: f"{POSTSCRIPT}-{weight}",
             3: f"{POSTSCRIPT}-{weight};derived from Noto Sans CJK SC"}
    name_table = font["name"]
    for record in name_table.names:
        if record.nameID in names:
            record.string = names[record.nameID]
    for name_id in (1, 4, 6, 16):  # make sure the Windows English records exist
        if name_table.getName(name_id, 3, 1, 0x409) is None:
            name_table.setName(names[name_id], name_id, 3, 1, 0x409)
    font.getGlyphOrder()  # the cmap compiles against it; keep it, drop the parsed CFF
    for tag in [t for t in font.tables if t not in {"cmap", "name"}]:
        # tables not held in memory are copied raw from the source on save (fast, unchanged)
        font.tables.pop(tag)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".otf.tmp")
    os.close(fd)
    try:
        font.save(tmp)
        font.close()
        _check(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return removed


def _check(path: Path) -> None:
    with TTFont(str(path), lazy=True) as font:
        best = font["cmap"].getBestCmap()
    if 0x2EE5 in best or 0x8F66 not in best:
        raise RuntimeError(f"{path}: derived cmap still maps the radical or lost 车")


def derive_stamp_font(source: Path, target: Path, chars: str = STAMP_CHARS,
                      postscript: str = f"{POSTSCRIPT}-PageStamp") -> None:
    """Subset `source` to `chars` and convert the cubic CFF outlines to quadratic glyf ones.

    Each subset needs a PostScript name of its own: reportlab knows fonts by that name and would
    encode a second subset's text with the first one's glyphs."""
    font = TTFont(str(source))
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "GSUB", "GPOS", "GDEF"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    for record in font["name"].names:  # a family of its own: fontconfig must never pick it
        if record.nameID in (1, 3, 4, 16):
            record.string = f"{FAMILY} Page Stamp"
        elif record.nameID == 6:
            record.string = postscript
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    quadratic = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        quadratic[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = quadratic
    del font["CFF "]
    for name in order:
        quadratic[name].recalcBounds(glyf)
        width, _ = font["hmtx"][name]
        font["hmtx"][name] = (width, getattr(quadratic[name], "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(tmp))
    font.close()
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


def stamp_font(text: str = "") -> Path:
    """A TrueType subset holding STAMP_CHARS and the characters of `text`, built once per set."""
    ensure_fonts()
    extra = "".join(sorted(set(text) - set(STAMP_CHARS) - {"\n", "\r", "\t"}))
    if not extra:
        return STAMP_FONT
    digest = hashlib.sha256(extra.encode("utf-8")).hexdigest()[:16]
    target = FONT_DIR / f"{POSTSCRIPT}-Stamp-{digest}.ttf"
    if not target.is_file():
        with open(FONT_DIR / ".build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not target.is_file():
                derive_stamp_font(font_path("Regular"), target, STAMP_CHARS + extra,
                                  postscript=f"{POSTSCRIPT}-PageStamp-{digest}")
    return target


def fonts_conf_text() -> str:
    cache = ROOT / "instance" / "fontconfig-cache"
    return f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- Written by reports/fonts.py: the system fonts plus the derived CJK family, preferred for
     sans-serif, serif and the Noto CJK names so that no text falls back to a font whose cmap
     maps glyphs to CJK radicals. -->
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{FONT_DIR}</dir>
  <cachedir>{cache}</cachedir>
  <alias binding="strong"><family>sans-serif</family><prefer><family>{FAMILY}</family></prefer></alias>
  <alias binding="strong"><family>serif</family><prefer><family>{FAMILY}</family></prefer></alias>
  <alias binding="strong"><family>Noto Sans CJK SC</family><prefer><family>{FAMILY}</family></prefer></alias>
</fontconfig>
"""


def fonts_ready() -> bool:
    return all(font_path(w).is_file() for w in WEIGHTS) and STAMP_FONT.is_file() \
        and FONTS_CONF.is_file() \
        and FONTS_CONF.read_text(encoding="utf-8") == fonts_conf_text()


def ensure_fonts() -> Path:
    """Build the derived fonts and instance/fonts.conf unless present; returns the conf path.

    Safe to call from several processes at once (gunicorn workers, test runs): a file lock
    serialises the build and the files appear atomically.
    """
    if fonts_ready():
        return FONTS_CONF
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    with open(FONT_DIR / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for weight in WEIGHTS:
            if not font_path(weight).is_file():
                source = SOURCE_DIR / f"NotoSansCJK-{weight}.ttc"
                if not source.is_file():
                    raise RuntimeError(f"{source} is missing: install fonts-noto-cjk "
                                       "(scripts/system-packages.txt)")
                derive(source, font_path(weight), weight)
        if not STAMP_FONT.is_file():
            derive_stamp_font(font_path("Regular"), STAMP_FONT)
        text = fonts_conf_text()
        if not FONTS_CONF.is_file() or FONTS_CONF.read_text(encoding="utf-8") != text:
            tmp = FONTS_CONF.with_suffix(".conf.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, FONTS_CONF)
    return FONTS_CONF


def main() -> int:
    if fonts_ready():
        print(f"fonts: {FONT_DIR} up to date")
        return 0
    ensure_fonts()
    print(f"fonts: derived {', '.join(str(font_path(w)) for w in WEIGHTS)}; FONTCONFIG_FILE={FONTS_CONF}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
