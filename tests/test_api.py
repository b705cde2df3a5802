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


def test_every_module_is_reachable_by_its_name_and_none_is_shadowed() -> None:
    """Each stage's folder holds its modules, and no function of the same name hides a module:
    ``seedclean.normalize`` is the function, ``seedclean.text.normalize`` the module."""
    import importlib
    import pkgutil
    import sys

    before = set(sys.modules)

    names = [m.name for m in pkgutil.walk_packages(seedclean.__path__, "seedclean.")]
    assert {"seedclean.text", "seedclean.fingerprint", "seedclean.clustering", "seedclean.engines"} <= set(names)
    assert {"seedclean.io", "seedclean.report", "seedclean.text.normalize", "seedclean.engines.local"} <= set(names)
    for name in names:
        module = importlib.import_module(name)
        parent, _, leaf = name.rpartition(".")
        assert getattr(importlib.import_module(parent), leaf) is module, f"{name} is shadowed in {parent}"
    assert callable(seedclean.normalize) and callable(seedclean.dedup) and callable(seedclean.run)
    assert "ray" not in sys.modules or "ray" in before  # the Ray engine imports Ray only when it runs
