"""seedclean: clean and deduplicate Vietnamese text corpora.

>>> import seedclean
>>> seedclean.normalize("Cộng hoà\u00a0xã hội")
'Cộng hòa xã hội'
"""

from seedclean.clustering.dedup import Cluster, DedupOptions, DedupResult, Document, Member, dedup
from seedclean.engines.local import RunOptions, RunResult, normalize_batch, normalize_records, run
from seedclean.errors import EngineUnavailable, InputError, OutputError, SeedcleanError
from seedclean.fingerprint.minhash import signatures
from seedclean.fingerprint.shingle import char_shingle_hash, dedup_key, shingle_hashes, word_shingle_hash
from seedclean.text.normalize import (
    NormalizedBatch,
    NormalizeOptions,
    NormalizeResult,
    normalize,
    normalize_and_explain,
    normalize_many,
)
from seedclean.text.tones import fix_tones, place_tone

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


def __getattr__(name: str) -> str:
    """``__version__``, looked up on first use: importing importlib.metadata and reading the
    package's metadata cost every process ~40 ms, ``seedclean --help`` included."""
    if name == "__version__":
        from importlib import metadata

        try:
            return metadata.version("seedclean")
        except metadata.PackageNotFoundError:  # running from a source tree without installation
            return "0.0.0"
    raise AttributeError(f"module 'seedclean' has no attribute {name!r}")
