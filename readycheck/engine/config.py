"""Configuration: ``[tool.readycheck]`` in pyproject.toml, or readycheck.toml.

    [tool.readycheck]
    select = ["ALL"]              # ids, families ("RC2") or names
    ignore = ["RC302"]
    fail-on = "warning"           # error | warning | info
    extend-exclude = ["legacy/"]  # gitignore patterns
    per-file-ignores = { "scripts/*" = ["RC401"] }
    severity = { RC302 = "info" }
    migrations = "heads"          # heads | all: which migrations RC7xx judge

    [tool.readycheck.options.RC601]
    some-option = 3

Unknown keys, unknown ids and badly typed values are errors (exit 2): a typo
in configuration must never silently turn a check off.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from readycheck.core.check import Check
from readycheck.core.findings import Severity

KNOWN_KEYS = {"select", "ignore", "fail-on", "extend-exclude", "per-file-ignores", "severity", "options",
              "migrations"}


class ConfigError(Exception):
    pass


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    fail_on: Severity = Severity.WARNING
    extend_exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None
    #: Which migrations the migration-safety rules judge: "heads" (what the next deploy applies) or "all".
    migrations: str = "heads"
    #: ``--since REF``: judge the migration files changed since this git ref instead.
    since: str | None = None


def find_config_file(start: Path) -> Path | None:
    """readycheck.toml or a pyproject.toml with [tool.readycheck], in ``start`` or above
    (stopping at the repository root, the folder holding .git)."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for folder in [directory, *directory.parents]:
        candidate = folder / "readycheck.toml"
        if _regular_file(candidate):
            return candidate
        pyproject = folder / "pyproject.toml"
        if _regular_file(pyproject):
            try:
                data = tomllib_module().loads(_read_text(pyproject))
            except (OSError, ValueError, RecursionError):  # UnicodeDecodeError and TOMLDecodeError are
                data = {}  # ValueErrors; tomllib recurses once per nested array: the scan reports the file
            if isinstance(data.get("tool"), dict) and "readycheck" in data["tool"]:
                return pyproject
        if (folder / ".git").exists():
            break
    return None


#: A configuration file larger than this is not read.
MAX_CONFIG_BYTES = 5 * 1024 * 1024


def _regular_file(path: Path) -> bool:
    """A regular file, not a link: a checkout's ``readycheck.toml -> /etc/passwd`` (or ->
    any TOML file outside it, whose key names an error would print) is never read."""
    import stat

    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _read_text(path: Path) -> str:
    from readycheck.core.safefs import read_file_nofollow

    return read_file_nofollow(path, MAX_CONFIG_BYTES).decode("utf-8")


def tomllib_module():
    """tomllib, imported when a TOML file is actually read (a scan without one never loads it)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def read_config_table(path: Path) -> dict[str, Any]:
    tomllib = tomllib_module()
    try:
        data = tomllib.loads(_read_text(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}"
                          ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nesting too deep") from None
    tool = data.get("tool")
    if "tool" in data and not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table")
    if path.name == "pyproject.toml":
        table = (tool or {}).get("readycheck", {})
    else:
        table = tool.get("readycheck", data) if "tool" in data else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.readycheck] must be a table")
    return table


def selector_matches(selector: str, check: type[Check]) -> bool:
    selector = selector.strip()
    return selector == "ALL" or check.id.startswith(selector.upper()) or selector == check.name


def validate_selectors(selectors: Iterable[str], checks: list[type[Check]], where: str) -> list[str]:
    out = []
    for selector in selectors:
        if not isinstance(selector, str) or not selector.strip():
            raise ConfigError(f"{where}: expected rule ids, got {selector!r}")
        selector = selector.strip()
        if not any(selector_matches(selector, c) for c in checks):
            known = ", ".join(c.id for c in checks)
            raise ConfigError(f"{where}: unknown rule {selector!r} (known: {known}; families like RC1; or ALL)")
        out.append(selector)
    return out


def _string_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return list(value)


def _check_pattern(pattern: str, where: str) -> None:
    """A gitignore pattern of the user's own configuration must compile: a typo such as
    ``[z-a]`` would otherwise exclude or ignore nothing, silently."""
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except Exception as exc:
        raise ConfigError(f"{where}: {pattern!r} is not a gitignore pattern ({exc})") from None


def build_config(table: dict[str, Any], checks: list[type[Check]], source: Path | None = None) -> Config:
    where = str(source) if source else "configuration"
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})")
    config = Config(source=source)
    if "select" in table:
        config.select = validate_selectors(_string_list(table["select"], f"{where}: select"), checks, f"{where}: select")
    if "ignore" in table:
        config.ignore = validate_selectors(_string_list(table["ignore"], f"{where}: ignore"), checks, f"{where}: ignore")
    if "fail-on" in table:
        try:
            config.fail_on = Severity.parse(str(table["fail-on"]))
        except ValueError as exc:
            raise ConfigError(f"{where}: fail-on: {exc}") from None
    if "extend-exclude" in table:
        config.extend_exclude = _string_list(table["extend-exclude"], f"{where}: extend-exclude")
        for pattern in config.extend_exclude:
            _check_pattern(pattern, f"{where}: extend-exclude")
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of pattern = [ids]")
    for pattern, selectors in pfi.items():
        _check_pattern(pattern, f"{where}: per-file-ignores")
        config.per_file_ignores[pattern] = validate_selectors(
            _string_list(selectors, f"{where}: per-file-ignores.{pattern}"), checks, f"{where}: per-file-ignores")
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{where}: severity must be a table of id = level")
    by_id = {c.id: c for c in checks}
    for rule, level in severity.items():
        if rule not in by_id:
            raise ConfigError(f"{where}: severity: unknown rule {rule!r}")
        try:
            config.severity[rule] = Severity.parse(str(level))
        except ValueError as exc:
            raise ConfigError(f"{where}: severity.{rule}: {exc}") from None
    if "migrations" in table:
        if table["migrations"] not in ("heads", "all"):
            raise ConfigError(f"{where}: migrations: expected \"heads\" or \"all\", got {table['migrations']!r}")
        config.migrations = table["migrations"]
    options = table.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError(f"{where}: options must be a table of [options.<ID>] tables")
    for rule, values in options.items():
        check = by_id.get(rule)
        if check is None:
            raise ConfigError(f"{where}: options: unknown rule {rule!r}")
        if not isinstance(values, dict):
            raise ConfigError(f"{where}: options.{rule} must be a table")
        for key, value in values.items():
            if key not in check.default_options:
                known = ", ".join(sorted(check.default_options)) or "none"
                raise ConfigError(f"{where}: options.{rule}: unknown option {key!r} (known: {known})")
            default = check.default_options[key]
            if default is not None and not isinstance(value, type(default)):
                raise ConfigError(f"{where}: options.{rule}.{key}: expected {type(default).__name__}, "
                                  f"got {type(value).__name__}")
        config.options[rule] = dict(values)
    return config
