"""seedclean: clean and deduplicate Vietnamese text corpora.

>>> import seedclean
>>> seedclean.normalize("Cộng hoà\u00a0xã hội")
'Cộng hòa xã hội'
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("seedclean")
except _metadata.PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

from seedclean.clustering.dedup import Cluster, DedupOptions, DedupResult, Document, Member, dedup  # noqa: E402
from seedclean.engines.local import RunOptions, RunResult, normalize_batch, normalize_records, run  # noqa: E402
from seedclean.errors import EngineUnavailable, InputError, OutputError, SeedcleanError  # noqa: E402
from seedclean.fingerprint.minhash import signatures  # noqa: E402
from seedclean.fingerprint.shingle import char_shingle_hash, dedup_key, shingle_hashes, word_shingle_hash  # noqa: E402
from seedclean.text.normalize import (  # noqa: E402
    NormalizedBatch,
    NormalizeOptions,
    NormalizeResult,
    normalize,
    normalize_and_explain,
    normalize_many,
)
from seedclean.text.tones import fix_tones, place_tone  # noqa: E402

__all__ = [
    "Cluster",
    "DedupOptions",
    "DedupResult",
    "Document",
    "EngineUnavailable",
    "InputError",
    "Member",
    "NormalizeOptions",
    "NormalizeResult",
    "NormalizedBatch",
    "OutputError",
    "RunOptions",
    "RunResult",
    "SeedcleanError",
    "__version__",
    "char_shingle_hash",
    "dedup",
    "dedup_key",
    "fix_tones",
    "normalize",
    "normalize_and_explain",
    "normalize_batch",
    "normalize_many",
    "normalize_records",
    "place_tone",
    "run",
    "shingle_hashes",
    "signatures",
    "word_shingle_hash",
]
