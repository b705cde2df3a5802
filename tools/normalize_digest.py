"""One SHA-256 digest of what the normaliser makes of JSONL corpora: every text and its fix
counts, under four option sets, in batches of 256 as a run batches them. Run it on two trees to
check that a change to the normaliser changed nothing:

    PYTHONPATH=<tree>/src python tools/normalize_digest.py c100k.jsonl paragraphs.jsonl english.jsonl
"""

from __future__ import annotations

import hashlib
import json
import sys

from seedclean.text.normalize import NormalizeOptions, normalize_many

OPTION_SETS = [
    NormalizeOptions(),
    NormalizeOptions(tone_style="hoà"),
    NormalizeOptions(legacy=False, tones=False),
    NormalizeOptions(tone_style="keep", mojibake=False),
]


def main(paths: list[str]) -> None:
    digest = hashlib.sha256()
    count = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            texts = [json.loads(line)["text"] for line in fh if line.strip()]
        for options in OPTION_SETS:
            for start in range(0, len(texts), 256):
                batch = normalize_many(texts[start : start + 256], options)
                for k, text in enumerate(batch.texts):
                    digest.update(text.encode("utf-8", "surrogatepass"))
                    digest.update(repr(sorted(batch.changes_of(k).items())).encode())
                    count += 1
    print(f"{count} texts x option sets, sha256 {digest.hexdigest()}")


if __name__ == "__main__":
    main(sys.argv[1:])
