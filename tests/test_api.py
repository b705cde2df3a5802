"""The public API: ``__all__`` is exactly the public names, and one exception tree."""

from __future__ import annotations

import inspect

import seedclean


def test_all_is_exactly_the_public_names() -> None:
    public = {
        name for name, value in vars(seedclean).items() if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert set(seedclean.__all__) - {"__version__"} == public
    assert len(seedclean.__all__) == len(set(seedclean.__all__))


def test_one_exception_tree() -> None:
    for cls in (seedclean.InputError, seedclean.OutputError, seedclean.EngineUnavailable):
        assert issubclass(cls, seedclean.SeedcleanError)
    assert not issubclass(seedclean.InputError, RuntimeError)


def test_help_does_not_import_numba_pyarrow_or_ray() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from seedclean.cli import main\n"
        "assert CliRunner().invoke(main, ['run', '--help']).exit_code == 0\n"
        "print(sorted(m for m in ('numba', 'pyarrow', 'ray', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
