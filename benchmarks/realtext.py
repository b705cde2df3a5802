"""Real Vietnamese text from Debian packages: gettext catalogues, Mallard/DocBook help and man pages.

    python benchmarks/realtext.py --out /work/data/realtext   # downloads ~180 MB of .deb once

Writes ``paragraphs.jsonl`` (one record per paragraph occurrence: ``id``, ``text``, ``source``,
``kind``, ``heldout``) and ``english.jsonl`` (the distinct English source strings of the
catalogues) in a fixed order, so every benchmark built on it is repeatable. The text is not ours:
translators wrote it, so it has the templated strings, mnemonic markers, format specifiers and
hard-wrapped help paragraphs that real corpora have and our seeds do not. Nothing fetched is
committed; the package list below is.

Packages come from Debian 12 (bookworm) through ``apt-get download``; the versions used are
printed in ``packages.tsv`` beside the corpus.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

# Chosen for breadth: KDE Plasma and Frameworks, Cinnamon, MATE, GNOME, GIMP, Inkscape, GnuCash,
# LXQt, GNU toolchain, plus help and man pages, which are long and hard-wrapped.
PACKAGES = (
    "plasma-workspace-data plasma-desktop-data kdeplasma-addons-data kate5-data kwin-data "
    "kinfocenter okular dolphin konqueror calligra-data kdevelop-l10n kio-extras-data "
    "cinnamon-l10n gimp-data inkscape gnucash lxqt-panel-l10n iso-codes gcc-12-locales "
    "binutils-common bison libgtk-3-common man-db wget sudo xz-utils "
    "gnome-user-docs mate-user-guide mate-applets-common evince-common atril-common "
    "caja-actions-common mate-calc-common mate-utils-common mate-control-center-common "
    "mate-power-manager-common mate-system-monitor-common manpages-vi "
    "evolution-common git gramps vlc-l10n digikam-data pidgin-data krita-l10n dia-common "
    "libvirt-l10n coreutils grub-common kio aisleriot gnumeric-common texinfo network-manager "
    "pluma-common caja-common mate-terminal-common mate-panel-common engrampa-common "
    "audacity-data orca anjuta-common"
).split()

HELD_OUT = frozenset(
    {
        "mate-user-guide",
        "calligra-data",
        "gnucash",
        "inkscape",
        "wget",
        "manpages-vi",
        "gramps",
        "git",
        "evolution-common",
    }
)
"""Packages kept out of tuning: benchmarks report them as a separate slice."""


def download(packages: list[str], cache: Path) -> dict[str, Path]:
    """``apt-get download`` each package into ``cache`` (skipping ones already there)."""
    cache.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    missing = [p for p in packages if not list(cache.glob(f"{p}_*.deb"))]
    if missing:
        subprocess.run(["apt-get", "download", "-q", *missing], cwd=cache, check=True, stdout=sys.stderr)
    for p in packages:
        debs = sorted(cache.glob(f"{p}_*.deb"))
        if debs:
            found[p] = debs[-1]
    return found


def extract(deb: Path, into: Path) -> Path:
    """Unpack a .deb's files (once)."""
    target = into / deb.stem
    if not target.exists():
        tmp = target.with_name(target.name + ".part")
        subprocess.run(["rm", "-rf", str(tmp)], check=True)
        tmp.mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
        tmp.rename(target)
    return target


def mo_entries(data: bytes) -> Iterator[tuple[str, str]]:
    """(English source, Vietnamese translation) pairs of a GNU .mo catalogue, one per plural form."""
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic == 0x950412DE else ">"
    _, count, orig_at, trans_at = struct.unpack(endian + "4I", data[4:20])
    charset = "utf-8"
    for i in range(count):
        olen, ooff = struct.unpack(endian + "2I", data[orig_at + 8 * i : orig_at + 8 * i + 8])
        tlen, toff = struct.unpack(endian + "2I", data[trans_at + 8 * i : trans_at + 8 * i + 8])
        msgid = data[ooff : ooff + olen]
        msgstr = data[toff : toff + tlen]
        if not msgid:
            m = re.search(rb"charset=([\w-]+)", msgstr)
            if m:
                charset = m.group(1).decode("ascii")
            continue
        sources = msgid.split(b"\x04")[-1].split(b"\0")  # msgctxt EOT msgid NUL msgid_plural
        for k, form in enumerate(msgstr.split(b"\0")):
            if form:
                source = sources[min(k, len(sources) - 1)]
                yield source.decode("utf-8", errors="replace"), form.decode(charset, errors="replace")


def mo_messages(data: bytes) -> Iterator[str]:
    """Translated strings of a GNU .mo catalogue (plural forms each on their own)."""
    for _source, translation in mo_entries(data):
        yield translation


def english_sources(root: Path) -> Iterator[str]:
    """The English source strings of every Vietnamese catalogue under an unpacked package."""
    for path in sorted(root.rglob("*.mo")):
        if "/locale/vi/" in path.as_posix() and not path.is_symlink():
            for source, _translation in mo_entries(path.read_bytes()):
                yield source


_BLOCKS = {"p", "title", "desc", "td", "th", "para", "entry", "term", "code", "screen", "item"}


def xml_paragraphs(data: bytes) -> Iterator[str]:
    """Text of the block elements of a Mallard or DocBook page, in document order."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
        if tag not in _BLOCKS:
            continue
        if any(isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] in {"p", "para"} for c in el):
            continue  # the inner paragraphs are yielded on their own
        text = "".join(el.itertext()).strip()
        lines = [ln.strip() for ln in text.splitlines()]
        text = "\n".join(ln for ln in lines if ln)
        if text:
            yield text


_ROFF_ESCAPE = re.compile(r"\\f[BIRP]|\\f\(..|\\[&|^,/]|\\s[-+]?\d")
_ROFF_CHARS = {r"\-": "-", r"\(em": "—", r"\(en": "–", r"\(lq": "“", r"\(rq": "”", r"\e": "\\", r"\ ": " "}


def man_paragraphs(text: str) -> Iterator[str]:
    """Paragraphs of a roff man page, keeping the source's line breaks (they are hard wraps)."""
    para: list[str] = []
    for raw in text.splitlines():
        if raw.startswith((".", "'")):
            macro = raw[1:3].strip()
            if macro in {"B", "I", "BR", "IR", "RB", "RI", "BI", "IB"}:
                words = raw.split(None, 1)
                if len(words) > 1:
                    para.append(words[1].replace('"', ""))
                continue
            if para:
                yield "\n".join(para)
                para = []
            if macro in {"SH", "SS"}:
                words = raw.split(None, 1)
                if len(words) > 1:
                    yield words[1].replace('"', "")
            continue
        line = _ROFF_ESCAPE.sub("", raw)
        for k, v in _ROFF_CHARS.items():
            line = line.replace(k, v)
        if not line.strip():
            if para:
                yield "\n".join(para)
                para = []
            continue
        para.append(line.strip())
    if para:
        yield "\n".join(para)


def paragraphs(root: Path) -> Iterator[tuple[str, str, str]]:
    """(relative path, kind, text) for every Vietnamese paragraph under an unpacked package."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or path.is_symlink():
            continue
        if "/locale/vi/" in rel and rel.endswith(".mo"):
            for text in mo_messages(path.read_bytes()):
                yield rel, "mo", text
        elif "/help/vi/" in rel and rel.endswith((".page", ".xml")):
            for text in xml_paragraphs(path.read_bytes()):
                yield rel, "help", text
        elif "/man/vi/" in rel and not rel.endswith("/"):
            raw = path.read_bytes()
            if rel.endswith(".gz"):
                raw = gzip.decompress(raw)
            for text in man_paragraphs(raw.decode("utf-8", errors="replace")):
                yield rel, "man", text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    debs = download(list(PACKAGES), args.out / "debs")
    n = 0
    with (
        open(args.out / "paragraphs.jsonl.part", "w", encoding="utf-8") as out,
        open(args.out / "packages.tsv", "w", encoding="utf-8") as pk,
    ):
        for pkg in PACKAGES:
            if pkg not in debs:
                print(f"missing package: {pkg}")
                continue
            pk.write(f"{pkg}\t{debs[pkg].name}\n")
            root = extract(debs[pkg], args.out / "unpacked")
            for rel, kind, text in paragraphs(root):
                if "\ufffd" in text or not text.strip():
                    continue
                record = {"id": f"{pkg}:{n}", "text": text, "source": f"{pkg}/{rel}", "kind": kind}
                record["heldout"] = pkg in HELD_OUT
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                n += 1
    (args.out / "paragraphs.jsonl.part").replace(args.out / "paragraphs.jsonl")
    print(f"{n} paragraphs from {len(debs)} packages -> {args.out / 'paragraphs.jsonl'}")
    # the English the translators worked from: clean text that must never be taken for a legacy encoding
    english = sorted({t for pkg in debs for t in english_sources(args.out / "unpacked" / debs[pkg].stem) if t.strip()})
    with open(args.out / "english.jsonl.part", "w", encoding="utf-8") as out:
        for text in english:
            out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    (args.out / "english.jsonl.part").replace(args.out / "english.jsonl")
    print(f"{len(english)} distinct English source strings -> {args.out / 'english.jsonl'}")


if __name__ == "__main__":
    main()
