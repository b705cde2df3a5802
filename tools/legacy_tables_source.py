"""Regenerate src/seedclean/text/legacy_tables.py from a published code-table listing.

Sources: the parallel code tables of VBKey (khiemdoan/VBKey, Modules/mdlCodeTable.bas), whose
byte values are shown there as Mac OS Roman characters; each entry is the legacy byte string of
the Unicode letter at the same position in UNICODE (67 lower-case letters, then 67 upper-case).
Entries lost in that listing (the Mac Roman 0xF0 Apple logo) are filled from RFC 1456 (VISCII)
and marked. The tables are checked against glibc iconv (TCVN5712-1, VISCII) in tests.

TCVN 5712 in full (VN1): VBKey lists the VN3 subset (one case for toned letters). The upper-case
letters VN1 adds at C0 and 0x80-0x9F positions and its five combining tone bytes (0xB0-0xB4) are
read from glibc iconv's TCVN5712-1 converter when this script runs.

VPS: VBKey's listing, cross-checked against GNU recode's VPS converter (a second, independent
implementation; `apt-get install recode`). They agree on 117 of 134 letters; the rest are the
upper-case letters VPS puts at C0 positions (VBKey gives the lower-case byte, as in TCVN3's VN3
fonts: recode's positions are taken, since they are the ones the encoding defines), Ẵ at 0xF0
(lost in VBKey's Mac Roman listing; recode's 0xF0), and Ỗ, which recode cannot decode (VBKey's
0x99 is kept, the only listing that has it).

    python tools/legacy_tables_source.py > src/seedclean/text/legacy_tables.py
"""

import subprocess
import sys

LOWER = "àáảãạâầấẩẫậăằắẳẵặđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
UNICODE = LOWER + LOWER.upper()

TCVN3 = [
    "µ",
    "∏",
    "∂",
    "∑",
    "π",
    "©",
    "«",
    "\u00a0",
    "»",
    "…",
    "À",
    "®",
    "ª",
    "æ",
    "º",
    "Ω",
    "∆",
    "Æ",
    "Ã",
    "–",
    "Œ",
    "œ",
    "—",
    "™",
    "“",
    "’",
    "”",
    "‘",
    "÷",
    "◊",
    "›",
    "ÿ",
    "‹",
    "ﬁ",
    "ﬂ",
    "„",
    "·",
    "‚",
    "‰",
    "´",
    "Â",
    "Ë",
    "Ê",
    "Á",
    "È",
    "¨",
    "Í",
    "Ì",
    "Î",
    "Ï",
    "Ó",
    "Ô",
    "Û",
    "Ò",
    "Ú",
    "Ù",
    "≠",
    "ı",
    "¯",
    "ˆ",
    "˜",
    "˘",
    "˙",
    "˝",
    "˚",
    "¸",
    "˛",
    "µ",
    "∏",
    "∂",
    "∑",
    "π",
    "¢",
    "«",
    "\u00a0",
    "»",
    "…",
    "À",
    "°",
    "ª",
    "æ",
    "º",
    "Ω",
    "∆",
    "ß",
    "Ã",
    "–",
    "Œ",
    "œ",
    "—",
    "£",
    "“",
    "’",
    "”",
    "‘",
    "÷",
    "◊",
    "›",
    "ÿ",
    "‹",
    "ﬁ",
    "ﬂ",
    "„",
    "·",
    "‚",
    "‰",
    "§",
    "Â",
    "Ë",
    "Ê",
    "Á",
    "È",
    "•",
    "Í",
    "Ì",
    "Î",
    "Ï",
    "Ó",
    "Ô",
    "Û",
    "Ò",
    "Ú",
    "Ù",
    "¶",
    "ı",
    "¯",
    "ˆ",
    "˜",
    "˘",
    "˙",
    "˝",
    "˚",
    "¸",
    "˛",
]

VISCII = [
    "‡",
    "·",
    "‰",
    "„",
    "’",
    "‚",
    "•",
    "§",
    "¶",
    "Á",
    "ß",
    "Â",
    "¢",
    "°",
    "∆",
    "«",
    "£",
    "\uf8ff",
    "Ë",
    "È",
    "Î",
    "®",
    "©",
    "Í",
    "´",
    "™",
    "¨",
    "≠",
    "Æ",
    "Ï",
    "Ì",
    "Ô",
    "Ó",
    "∏",
    "Ú",
    "Û",
    "ˆ",
    "ı",
    "˜",
    "Ù",
    "∞",
    "Ø",
    "±",
    "≤",
    "µ",
    "Ω",
    "∂",
    "æ",
    "∑",
    "ﬁ",
    "˛",
    "˘",
    "˙",
    "¸",
    "˚",
    "¯",
    "ﬂ",
    "◊",
    "—",
    "ÿ",
    "Ê",
    "Ò",
    "œ",
    "˝",
    "÷",
    "€",
    "‹",
    "¿",
    "¡",
    "ƒ",
    "√",
    "Ä",
    "¬",
    "Ö",
    "Ñ",
    "Ü",
    "Á",
    "á",
    "≈",
    "Ç",
    "Å",
    "∆",
    "«",
    "É",
    "–",
    "»",
    "…",
    "À",
    "à",
    "â",
    "\u00a0",
    "ã",
    "ä",
    "å",
    "ç",
    "é",
    "Ã",
    "Õ",
    "õ",
    "Œ",
    "ò",
    "“",
    "”",
    "ô",
    "ı",
    "ö",
    "‘",
    "ê",
    "è",
    "ë",
    "í",
    "ì",
    "¥",
    "ñ",
    "ï",
    "ó",
    "≥",
    "î",
    "Ÿ",
    "⁄",
    "ú",
    "ù",
    "û",
    "ø",
    "ª",
    "∫",
    "º",
    "ˇ",
    "π",
    "ü",
    "›",
    "÷",
    "€",
    "‹",
]


VPS = [
    "‡",
    "·",
    "‰",
    "„",
    "Â",
    "‚",
    "¿",
    "√",
    "ƒ",
    "≈",
    "∆",
    "Ê",
    "¢",
    "°",
    "£",
    "§",
    "•",
    "«",
    "Ë",
    "È",
    "»",
    "Î",
    "À",
    "Í",
    "ä",
    "â",
    "ã",
    "Õ",
    "å",
    "Ï",
    "Ì",
    "Ã",
    "Ô",
    "Œ",
    "Ú",
    "Û",
    "’",
    "ı",
    "Ü",
    "Ù",
    "“",
    "”",
    "∞",
    "á",
    "∂",
    "÷",
    "©",
    "ß",
    "™",
    "´",
    "Æ",
    "˘",
    "˙",
    "˚",
    "€",
    "¯",
    "‹",
    "ÿ",
    "Ÿ",
    "∫",
    "ª",
    "ø",
    "ˇ",
    "ö",
    "õ",
    "œ",
    "ú",
    "Ä",
    "¡",
    "Å",
    "Ç",
    "Â",
    "¬",
    "Ñ",
    "É",
    "Ö",
    "≈",
    "∆",
    "à",
    "é",
    "ç",
    "è",
    "",
    "•",
    "Ò",
    "◊",
    "…",
    "ﬁ",
    "˛",
    "À",
    "\xa0",
    "ì",
    "ê",
    "î",
    "ï",
    "å",
    "µ",
    "¥",
    "∑",
    "∏",
    "Œ",
    "º",
    "π",
    "Ω",
    "æ",
    "Ü",
    "‘",
    "ó",
    "ñ",
    "ò",
    "ô",
    "∂",
    "˜",
    "û",
    "ù",
    "ü",
    "¶",
    "Æ",
    "®",
    "⁄",
    "—",
    "¨",
    "¯",
    "–",
    "Ø",
    "≠",
    "±",
    "ª",
    "ø",
    "≤",
    "›",
    "˝",
    "≥",
    "ú",
]

# RFC 1456 places these VISCII letters where the listing above lost them (control-code
# positions and 0xA0, which Mac Roman cannot show).
VISCII_FILL = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ", 0xA0: "Õ"}


def _bytes(entries: list[str]) -> list[int]:
    return [e.encode("mac_roman")[0] for e in entries]


def _converter_table(command: list[str]) -> dict[int, str]:
    """Byte -> character of a converter program, for bytes it maps away from latin-1 (one call per byte)."""
    out: dict[int, str] = {}
    for b in range(256):
        got = subprocess.run(command, input=bytes([b]), capture_output=True)
        if got.returncode == 0 and got.stdout and got.stdout.decode() != chr(b):
            out[b] = got.stdout.decode()
    return out


def _vps() -> dict[int, str]:
    recode = _converter_table(["recode", "VPS..UTF-8"])
    by_letter = {ch: b for b, ch in recode.items()}
    table: dict[int, str] = {}
    for ch, entry in zip(UNICODE, VPS):
        listed = entry.encode("mac_roman")[0] if entry else None
        b = by_letter.get(ch, listed)
        if b is None:
            raise SystemExit(f"VPS: no source places {ch!r}")
        if b != listed:
            print(
                f"# VPS {ch}: recode 0x{b:02X}, VBKey {hex(listed) if listed is not None else 'lost'}", file=sys.stderr
            )
        table[b] = ch
    return table


def _tcvn_vn1() -> dict[int, str]:
    """TCVN 5712 VN1 as glibc iconv decodes it (VN3 is its subset)."""
    table = _converter_table(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"])
    return {b: ch for b, ch in table.items() if not (0xA0 <= b and ch == bytes([b]).decode("latin-1"))}


def main() -> None:
    assert len(UNICODE) == 134 and len(TCVN3) == 134 and len(VISCII) == 134 and len(VPS) == 134
    print('"""Byte tables of the one-byte Vietnamese legacy encodings (generated; see tools/).')
    print()
    print("Each maps a byte to the Unicode letter it stands for; bytes not listed are ASCII / as cp1252.")
    print('"""')
    print()
    for name, entries in (("TCVN3", TCVN3), ("VISCII", VISCII)):
        table: dict[int, str] = {}
        for ch, b in zip(UNICODE, _bytes(entries)):
            table.setdefault(b, ch)  # TCVN3 shares one byte between a lower- and upper-case letter
        if name == "VISCII":
            table = {b: ch for b, ch in table.items() if ch not in VISCII_FILL.values()}
            table.update(VISCII_FILL)
        if name == "TCVN3":
            vn1 = _tcvn_vn1()
            assert all(vn1[b] == ch for b, ch in table.items() if b in vn1), "VN3 must be a subset of VN1"
            table.update(vn1)
        print(f"{name} = {{")
        for b in sorted(table):
            print(f"    0x{b:02X}: {table[b]!r},")
        print("}")
        print()
    print("VPS = {")
    for b, ch in sorted(_vps().items()):
        print(f"    0x{b:02X}: {ch!r},")
    print("}")


if __name__ == "__main__":
    main()
