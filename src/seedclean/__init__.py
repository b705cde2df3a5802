"""seedclean: clean and deduplicate Vietnamese text corpora."""

from importlib.metadata import PackageNotFoundError, version

from .normalize import NormalizeOptions, NormalizeResult, normalize, normalize_and_explain
from .tones import fix_tones, place_tone

try:
    __version__ = version("seedclean")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = [
    "NormalizeOptions",
    "NormalizeResult",
    "normalize",
    "normalize_and_explain",
    "fix_tones",
    "place_tone",
    "__version__",
]
