"""The public plugin API. Built-in checks and third-party checks import only this.

Everything named in ``__all__`` is stable within a major version. Names are
imported on first use (PEP 562), so loading the checks does not load every
parser and its libraries: a scan answered from the cache never needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Check": "readycheck.check", "Example": "readycheck.check",
    "Diagnostic": "readycheck.findings", "Finding": "readycheck.findings", "Related": "readycheck.findings",
    "Severity": "readycheck.findings", "Span": "readycheck.findings",
    "install_arguments": "readycheck.packages", "install_command": "readycheck.packages",
    "canonicalize_name": "readycheck.packages",
    "Edit": "readycheck.fixes", "Fix": "readycheck.fixes", "Applicability": "readycheck.fixes",
    "image_shell": "readycheck.images", "shell_execs_last": "readycheck.images",
    "is_database_image": "readycheck.images",
    "gitignore_spec": "readycheck.discovery",
    "SYNC_DRIVERS": "readycheck.drivers", "ASYNC_DRIVERS": "readycheck.drivers",
    "ENGINE_CONSTRUCTORS": "readycheck.drivers", "ASYNC_ENGINE_CONSTRUCTORS": "readycheck.drivers",
    "database_access": "readycheck.dbaccess", "catches_database_error": "readycheck.dbaccess",
    "PATH_IO_METHODS": "readycheck.blocking", "FILE_METADATA": "readycheck.blocking", "blocking_function": "readycheck.blocking",
    "blocking_method": "readycheck.blocking", "cpu_bound_function": "readycheck.blocking",
    "cpu_bound_method": "readycheck.blocking", "register_blocking": "readycheck.blocking",
    "CallRule": "readycheck.reachability", "ClassObject": "readycheck.reachability", "Edge": "readycheck.reachability",
    "Hit": "readycheck.reachability", "Reachability": "readycheck.reachability", "RepoClass": "readycheck.reachability",
    "Rule": "readycheck.reachability", "Step": "readycheck.reachability", "type_name": "readycheck.reachability",
    "call_label": "readycheck.reachability", "runs_once": "readycheck.reachability",
    "PyProject": "readycheck.parsers.dependencies", "Requirement": "readycheck.parsers.dependencies",
    "RequirementsFile": "readycheck.parsers.dependencies",
    "Dockerfile": "readycheck.parsers.dockerfile", "Instruction": "readycheck.parsers.dockerfile",
    "Stage": "readycheck.parsers.dockerfile",
    "CallSite": "readycheck.parsers.python", "Function": "readycheck.parsers.python",
    "ErrorHandling": "readycheck.parsers.python", "ExceptClause": "readycheck.parsers.python",
    "ModuleFacts": "readycheck.parsers.python", "Parameter": "readycheck.parsers.python",
    "Value": "readycheck.parsers.python",
    "Probe": "readycheck.probes",
    "Migration": "readycheck.migrations", "MigrationModel": "readycheck.migrations",
    "removal_findings": "readycheck.migrations",
    "Operation": "readycheck.parsers.migration_ops",
    "alembic_repo": "readycheck.migration_examples", "sql_repo": "readycheck.migration_examples",
    "ALEMBIC_HEAD": "readycheck.migration_examples", "ALEMBIC_BODY_LINE": "readycheck.migration_examples",
    "Project": "readycheck.project", "PythonIndex": "readycheck.project",
    "FileKind": "readycheck.sourcefile", "SourceFile": "readycheck.sourcefile",
    "is_auxiliary_path": "readycheck.environments", "is_development_path": "readycheck.environments",
    "classify_environment": "readycheck.environments", "Environment": "readycheck.environments",
    "Command": "readycheck.startcommands", "Server": "readycheck.startcommands",
    "StartCommand": "readycheck.startcommands", "Token": "readycheck.startcommands",
    "LoopEntry": "readycheck.webapp", "Route": "readycheck.webapp", "WebModel": "readycheck.webapp", "WebObject": "readycheck.webapp",
    "Unresolved": "readycheck.webapp", "is_health_path": "readycheck.healthpaths",
    "HEALTH_SEGMENTS": "readycheck.healthpaths",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'readycheck.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
