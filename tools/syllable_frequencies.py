"""Regenerate src/seedclean/text/data/syllables.txt: how often Vietnamese syllables occur.

    python tools/syllable_frequencies.py --cache /work/data/syllable-source > src/seedclean/text/data/syllables.txt

Source: the Vietnamese gettext catalogues of Debian 12 packages chosen to be disjoint from the
benchmark corpus (``benchmarks/realtext.py``), so that the benchmarks measure text the model has
not seen. Syllables are NFC, lower case, tone placed in the "hòa" style, and counted once per
distinct message (a catalogue repeats its strings). Legacy detection uses the list to prefer the
reading made of familiar syllables when two readings both parse as Vietnamese.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))

from realtext import PACKAGES, download, extract, mo_messages  # noqa: E402

from seedclean.text.tones import is_vietnamese, place_tone  # noqa: E402

SOURCE_PACKAGES = (
    "dpkg 4pane arctica-greeter kdepim-addons eom-common accerciser homebank-data nautilus-data "
    "gparted-common gthumb-data krdc rhythmbox-data aptitude-common postgresql-client-15 giggle "
    "libgtk-4-common khotkeys-data rpm-i18n kmouth gnome-commander-data brasero-common synaptic "
    "fontforge-common pitivi po4a gstreamer1.0-plugins-good libkf5kdelibs4support-data budgie-core "
    "lokalize libgweather-4-common glom akregator geary libgtk2.0-common geany-common "
    "gnome-mahjongg plasma-framework libmateweather-common lilypond zenity-common "
    "gstreamer1.0-plugins-bad kmplot gnome-control-center-data minetest-data neovim-runtime"
).split()
WORD = re.compile(r"[^\W\d_]+")
TOP = 8000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True)
    args = ap.parse_args()
    assert not set(SOURCE_PACKAGES) & set(PACKAGES), "the source must be disjoint from the benchmark corpus"
    debs = download(SOURCE_PACKAGES, args.cache / "debs")
    messages: set[str] = set()
    for pkg in SOURCE_PACKAGES:
        root = extract(debs[pkg], args.cache / "unpacked")
        for mo in sorted(root.rglob("*.mo")):
            if "/locale/vi/" in mo.as_posix():
                messages.update(mo_messages(mo.read_bytes()))
    counts: Counter[str] = Counter()
    for message in messages:
        for word in WORD.findall(unicodedata.normalize("NFC", message).lower()):
            if is_vietnamese(word):
                counts[place_tone(word, "hòa")] += 1
    print(f"# {len(messages)} distinct messages from {len(SOURCE_PACKAGES)} Debian 12 packages; see tools/")
    for word, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]:
        print(f"{word}\t{n}")


if __name__ == "__main__":
    main()
