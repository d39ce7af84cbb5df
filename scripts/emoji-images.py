#!/usr/bin/python3
"""Writes ui/emoji/*.png: Telegram's 333 key emoji as 64x64 pictures cut from
Noto Color Emoji (Debian's fonts-noto-color-emoji, SIL OFL 1.1), so the call
window draws all four at one size whatever fonts the computer has. Needs
python3-fonttools and python3-pil; run from the repository root."""
import io, json, sys
from fontTools.ttLib import TTFont
from PIL import Image

FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
SIZE = 64

font = TTFont(FONT)
cmap = font.getBestCmap()
strike = font["CBDT"].strikeData[0]
names = set(strike.keys())
table = json.load(open("crypto/emoji-table.json", encoding="utf-8"))

# Sequences (flags, keycaps) are ligatures in the font's GSUB table.
ligatures = {}
for lookup in font["GSUB"].table.LookupList.Lookup:
    for sub in lookup.SubTable:
        for first, ligs in getattr(sub, "ligatures", {}).items():
            for lig in ligs:
                ligatures[tuple([first] + lig.Component)] = lig.LigGlyph

def glyph(e):
    gs = [cmap.get(ord(c)) for c in e if ord(c) != 0xFE0F]
    if len(gs) == 1:
        return gs[0]
    return ligatures.get(tuple(gs))

missing = []
for e in table:
    g = glyph(e)
    if g not in names:
        missing.append(e)
        continue
    img = Image.open(io.BytesIO(strike[g].imageData)).convert("RGBA")
    side = max(img.size)
    sq = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    sq.paste(img, ((side - img.width) // 2, (side - img.height) // 2))
    sq = sq.resize((SIZE, SIZE), Image.LANCZOS)
    name = "-".join("%x" % ord(c) for c in e if ord(c) != 0xFE0F)
    sq.save("ui/emoji/%s.png" % name, optimize=True)
if missing:
    sys.exit("no picture for %s" % " ".join(missing))
print("wrote %d pictures" % len(table))
