"""Command-line flags and config-file keys derived from the option dataclasses, so that the
command's choices, defaults and help text are the library's and cannot drift from them."""

from __future__ import annotations

import difflib
import math
import re
import sys
import typing
from collections.abc import Callable, Iterable
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import click

from seedclean.clustering.dedup import DEDUP_MODES, KEEP_POLICIES, SHORT_POLICIES, VERIFY_MODES, DedupOptions
from seedclean.text import segment
from seedclean.text.normalize import NormalizeOptions
from seedclean.text.tones import STYLES

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

__all__ = ["option_flags", "build_options", "attribute_help", "load_config", "ConfigError", "CONFIG_NAMES"]

CONFIG_NAMES = ("seedclean.toml", "pyproject.toml")


class _FiniteFloatRange(click.FloatRange):
    """A FloatRange that also refuses nan and infinities (they pass every comparison test)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


CHOICES: dict[str, tuple[str, ...]] = {
    "granularity": segment.GRANULARITIES,
    "segmentation": segment.MODES,
    "shingle": ("word", "char"),
    "short": SHORT_POLICIES,
    "keep": KEEP_POLICIES,
    "verify": VERIFY_MODES,
    "mode": DEDUP_MODES,
    "tone_style": STYLES,
}
RANGES: dict[str, click.ParamType[Any, Any]] = {
    "threshold": _FiniteFloatRange(0, 1, min_open=True, max_open=True),
    "num_perm": click.IntRange(2, 1024),
    "seed": click.IntRange(0, 2**32 - 1),
    "ngram": click.IntRange(1, 50),
    "char_ngram": click.IntRange(1, 50),
    "bands": click.IntRange(1, 1024),
    "rows": click.IntRange(1, 1024),
    "min_kept": _FiniteFloatRange(0, 1),
    "min_shingles": click.IntRange(1, 1000),
}


def attribute_help(cls: type) -> dict[str, str]:
    """Field name -> its one-paragraph description from the class docstring's ``Attributes:``."""
    doc = cls.__doc__ or ""
    block = doc.split("Attributes:", 1)[1] if "Attributes:" in doc else ""
    out: dict[str, str] = {}
    current: list[str] = []
    for line in block.splitlines():
        m = re.match(r"\s{8}([a-z_, ]+):\s*(.*)", line)
        if m and not line.startswith(" " * 12):
            current = []
            for name in m.group(1).split(","):
                out[name.strip()] = ""
                current.append(name.strip())
            text = m.group(2)
        elif current and line.strip():
            text = line.strip()
        else:
            continue
        for name in current:
            out[name] = (out[name] + " " + text).strip()
    return {k: (v[:1].upper() + v[1:]).replace("``", "") for k, v in out.items()}


def _param_type(name: str, hint: Any) -> click.ParamType[Any, Any]:
    if name in CHOICES:
        return click.Choice(CHOICES[name])
    if name in RANGES:
        return RANGES[name]
    args = set(typing.get_args(hint)) - {type(None)}
    base = next(iter(args)) if args else hint
    simple: dict[Any, click.ParamType[Any, Any]] = {int: click.INT, float: click.FLOAT, str: click.STRING}
    return simple[base]


def option_flags(cls: type, skip: Iterable[str] = ()) -> Callable[[Any], Any]:
    """A decorator adding one flag per field of ``cls``: ``--name VALUE``, or ``--name/--no-name``
    for booleans; default, type, choices and help come from the dataclass."""
    hints = typing.get_type_hints(cls)
    helps = attribute_help(cls)
    skipped = set(skip)

    def decorate(fn: Any) -> Any:
        for f in reversed(fields(cls)):
            if f.name in skipped:
                continue
            flag = "--" + f.name.replace("_", "-")
            default = None if f.default is MISSING else f.default
            text = helps.get(f.name, "")
            if hints[f.name] is bool:
                opt = click.option(f"{flag}/--no-{flag[2:]}", f.name, default=default, show_default=True, help=text)
            else:
                opt = click.option(
                    flag, f.name, type=_param_type(f.name, hints[f.name]), default=default, show_default=True, help=text
                )
            fn = opt(fn)
        return fn

    return decorate


def build_options(cls: type, kw: dict[str, Any]) -> Any:
    """An instance of ``cls`` from the flags ``option_flags`` added (popped from ``kw``); a
    value the dataclass refuses is a usage error (exit 2), never a traceback."""
    values = {f.name: kw.pop(f.name) for f in fields(cls) if f.name in kw}
    try:
        return cls(**values)
    except (ValueError, TypeError) as exc:
        raise click.UsageError(str(exc)) from None


class ConfigError(click.UsageError):
    """A config file that cannot be used: unreadable, not TOML, an unknown key or a wrong type."""


def find_config(path: str | None) -> tuple[Path | None, dict[str, Any]]:
    """(file, its seedclean table): ``path``, else ``./seedclean.toml``, else ``[tool.seedclean]``
    in ``./pyproject.toml``; (None, {}) when there is none."""
    candidates = [Path(path)] if path else [Path(name) for name in CONFIG_NAMES]
    for p in candidates:
        if not p.is_file():
            if path:
                raise ConfigError(f"config file not found: {p}")
            continue
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(f"{p}: not a readable TOML file ({exc})") from None
        if p.name == "pyproject.toml" and not path:
            tool = data.get("tool", {})
            if not isinstance(tool, dict):
                continue  # [tool] is someone else's business when it is not a table
            section = tool.get("seedclean")
            if section is None:
                continue
            if not isinstance(section, dict):
                raise ConfigError(f"{p}: [tool.seedclean] must be a table, not {type(section).__name__}")
            data = section
        return p, data
    return None, {}


def load_config(path: str | None, commands: dict[str, click.Command]) -> tuple[Path | None, dict[str, dict[str, Any]]]:
    """Validate the config file's keys against the flags of ``commands`` and convert each value
    with the flag's own type: (file, {command name: default map}). Unknown keys and wrong types
    are usage errors naming the key (and the closest valid one)."""
    source, data = find_config(path)
    params = {
        p.name: p
        for cmd in commands.values()
        for p in cmd.params
        if isinstance(p, click.Option) and p.name not in ("config", "out", "help")
    }
    converted: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        param = params.get(key)
        if param is None:
            close = difflib.get_close_matches(key, list(params), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{source}: unknown key {raw_key!r}{hint}")
        if param.multiple and isinstance(value, str):
            value = [value]
        try:
            ctx = click.Context(click.Command("config"))
            converted[key] = param.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            raise ConfigError(f"{source}: key {raw_key!r}: {exc.message}") from None
        if isinstance(param.type, click.Choice) or param.is_flag or param.multiple:
            continue
        if isinstance(value, bool) or (isinstance(value, (list, dict)) and not param.multiple):
            raise ConfigError(f"{source}: key {raw_key!r} must be a {param.type.name}, not {type(value).__name__}")
    maps = {
        name: {k: v for k, v in converted.items() if any(p.name == k for p in cmd.params)}
        for name, cmd in commands.items()
    }
    return source, maps


DEDUP_FLAGS = option_flags(DedupOptions)
NORMALIZE_FLAGS = option_flags(NormalizeOptions)
