"""Time ``normalize`` on clean text: the real-text corpus and 30,000 reference-corpus paragraphs.

    python benchmarks/normalize_clean_timing.py                       # this checkout
    PYTHONPATH=<old checkout>/src python benchmarks/normalize_clean_timing.py   # a baseline

Run the two alternately (the machine is shared); the issue-18 target is "no slower on clean text".
"""

import json
import time

from seedclean import normalize

texts = [json.loads(line)["text"] for line in open("/work/data/realtext/paragraphs.jsonl")]
c1m = [json.loads(line)["text"] for line, _ in zip(open("/work/data/c100k.jsonl"), range(30000))]
for name, t in (("realtext", texts), ("reference 30k", c1m)):
    s = time.perf_counter()
    for x in t:
        normalize(x)
    print(name, round(time.perf_counter() - s, 2))
