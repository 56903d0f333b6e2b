"""The public plugin API. Built-in checks and third-party checks import only this.

Everything named in ``__all__`` is stable within a major version. Names are
imported on first use (PEP 562), so loading the checks does not load every
parser and its libraries: a scan answered from the cache never needs them.
Type checkers read the ``TYPE_CHECKING`` imports instead, so every name has its
real type (``readycheck.api.Project`` is ``readycheck.model.project.Project``), and the
package ships a ``py.typed`` marker (PEP 561).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "Check": "readycheck.core.check", "Example": "readycheck.core.check",
    "Diagnostic": "readycheck.core.findings", "Finding": "readycheck.core.findings", "Related": "readycheck.core.findings",
    "Severity": "readycheck.core.findings", "Span": "readycheck.core.findings",
    "install_arguments": "readycheck.knowledge.packages", "install_command": "readycheck.knowledge.packages",
    "canonicalize_name": "readycheck.knowledge.packages",
    "Edit": "readycheck.core.fixes", "Fix": "readycheck.core.fixes", "Applicability": "readycheck.core.fixes",
    "image_shell": "readycheck.knowledge.images", "shell_execs_last": "readycheck.knowledge.images",
    "is_database_image": "readycheck.knowledge.images", "ImageRef": "readycheck.knowledge.images",
    "parse_image_ref": "readycheck.knowledge.images", "GENERIC_BASES": "readycheck.knowledge.images",
    "NON_ROOT_IMAGE_HINTS": "readycheck.knowledge.images", "PRIVILEGE_DROPPERS": "readycheck.knowledge.images",
    "SELF_DROPPING_IMAGES": "readycheck.knowledge.images",
    "gitignore_spec": "readycheck.engine.discovery",
    "SYNC_DRIVERS": "readycheck.knowledge.drivers", "ASYNC_DRIVERS": "readycheck.knowledge.drivers",
    "ENGINE_CONSTRUCTORS": "readycheck.knowledge.drivers", "ASYNC_ENGINE_CONSTRUCTORS": "readycheck.knowledge.drivers",
    "ASYNC_URL_FOR": "readycheck.knowledge.drivers", "SYNC_URL_DRIVERS": "readycheck.knowledge.drivers",
    "URL_DATABASES": "readycheck.knowledge.drivers", "URL_DRIVER_PACKAGES": "readycheck.knowledge.drivers",
    "Engine": "readycheck.model.engines", "EngineSetting": "readycheck.model.engines",
    "database_access": "readycheck.model.dbaccess", "catches_database_error": "readycheck.model.dbaccess",
    "PATH_IO_METHODS": "readycheck.knowledge.blocking", "FILE_METADATA": "readycheck.knowledge.blocking", "blocking_function": "readycheck.knowledge.blocking",
    "blocking_callable": "readycheck.knowledge.blocking", "cached_after": "readycheck.knowledge.blocking",
    "blocking_method": "readycheck.knowledge.blocking", "cpu_bound_function": "readycheck.knowledge.blocking",
    "cpu_bound_method": "readycheck.knowledge.blocking", "register_blocking": "readycheck.knowledge.blocking",
    "CallRule": "readycheck.model.reachability", "ClassObject": "readycheck.model.reachability", "Edge": "readycheck.model.reachability",
    "Hit": "readycheck.model.reachability", "Reachability": "readycheck.model.reachability", "RepoClass": "readycheck.model.reachability",
    "Rule": "readycheck.model.reachability", "Step": "readycheck.model.reachability", "type_name": "readycheck.model.reachability",
    "call_label": "readycheck.model.reachability", "runs_once": "readycheck.model.reachability",
    "repeated_paths": "readycheck.model.reachability", "hit_places": "readycheck.model.reachability",
    "PyProject": "readycheck.parsers.dependencies", "Requirement": "readycheck.parsers.dependencies",
    "RequirementsFile": "readycheck.parsers.dependencies",
    "Dockerfile": "readycheck.parsers.dockerfile", "Instruction": "readycheck.parsers.dockerfile",
    "Stage": "readycheck.parsers.dockerfile",
    "CallSite": "readycheck.parsers.python", "Function": "readycheck.parsers.python",
    "ErrorHandling": "readycheck.parsers.python", "ExceptClause": "readycheck.parsers.python",
    "ModuleFacts": "readycheck.parsers.python", "Parameter": "readycheck.parsers.python",
    "Value": "readycheck.parsers.python",
    "Probe": "readycheck.model.deployments.fact", "Deployment": "readycheck.model.deployments.fact",
    "DeploymentSetting": "readycheck.model.deployments.fact", "RunAs": "readycheck.model.deployments.fact",
    "release_step": "readycheck.model.deployments",
    "Migration": "readycheck.model.migrations", "MigrationModel": "readycheck.model.migrations",
    "removal_findings": "readycheck.model.migrations",
    "Operation": "readycheck.parsers.migration_ops",
    "alembic_repo": "readycheck.core.migration_examples", "click_cli_repo": "readycheck.core.start_examples",
    "CLICK_CLI": "readycheck.core.start_examples", "ECS_CLOUDFORMATION_REPO": "readycheck.core.start_examples",
    "ECS_TASK_DEFINITION_REPO": "readycheck.core.start_examples", "tiangolo_repo": "readycheck.core.start_examples",
    "helm_chart_repo": "readycheck.core.start_examples", "supervisord_repo": "readycheck.core.start_examples",
    "TIANGOLO_FROM": "readycheck.core.start_examples",
    "python_m_app_repo": "readycheck.core.start_examples", "sql_repo": "readycheck.core.migration_examples",
    "ALEMBIC_HEAD": "readycheck.core.migration_examples", "ALEMBIC_BODY_LINE": "readycheck.core.migration_examples",
    "Project": "readycheck.model.project", "PythonIndex": "readycheck.model.project",
    "FileKind": "readycheck.core.sourcefile", "SourceFile": "readycheck.core.sourcefile",
    "UnreadableFile": "readycheck.core.sourcefile", "forwards_term": "readycheck.parsers.sigterm",
    "forwarding": "readycheck.parsers.sigterm",
    "is_auxiliary_path": "readycheck.knowledge.environments", "is_development_path": "readycheck.knowledge.environments",
    "classify_environment": "readycheck.knowledge.environments", "Environment": "readycheck.knowledge.environments",
    "Command": "readycheck.model.startcommands", "Server": "readycheck.model.startcommands",
    "SHELLS": "readycheck.model.startcommands", "SIGNALS_PROCESS_GROUP": "readycheck.parsers.processmanagers",
    "EXECS_PLAIN_LINES": "readycheck.parsers.processmanagers", "ARGV_WRAPPERS": "readycheck.model.startcommands",
    "StartCommand": "readycheck.model.startcommands", "Token": "readycheck.model.startcommands",
    "LoopEntry": "readycheck.model.webapp", "Route": "readycheck.model.webapp", "WebModel": "readycheck.model.webapp", "WebObject": "readycheck.model.webapp",
    "Unresolved": "readycheck.model.webapp", "UNKNOWN_SEGMENT": "readycheck.model.webapp", "is_health_path": "readycheck.knowledge.healthpaths",
    "HEALTH_SEGMENTS": "readycheck.knowledge.healthpaths",
}

if TYPE_CHECKING:  # what type checkers see: the real classes and functions, each from its module
    from readycheck.knowledge.blocking import (
        FILE_METADATA as FILE_METADATA, PATH_IO_METHODS as PATH_IO_METHODS, blocking_function as blocking_function,
        blocking_callable as blocking_callable, cached_after as cached_after,
        blocking_method as blocking_method, cpu_bound_function as cpu_bound_function,
        cpu_bound_method as cpu_bound_method, register_blocking as register_blocking,
    )
    from readycheck.core.check import Check as Check, Example as Example
    from readycheck.model.dbaccess import (
        catches_database_error as catches_database_error, database_access as database_access,
    )
    from readycheck.engine.discovery import gitignore_spec as gitignore_spec
    from readycheck.model.engines import Engine as Engine, EngineSetting as EngineSetting
    from readycheck.knowledge.drivers import (
        ASYNC_DRIVERS as ASYNC_DRIVERS, ASYNC_ENGINE_CONSTRUCTORS as ASYNC_ENGINE_CONSTRUCTORS,
        ASYNC_URL_FOR as ASYNC_URL_FOR, ENGINE_CONSTRUCTORS as ENGINE_CONSTRUCTORS, SYNC_DRIVERS as SYNC_DRIVERS,
        SYNC_URL_DRIVERS as SYNC_URL_DRIVERS, URL_DATABASES as URL_DATABASES, URL_DRIVER_PACKAGES as URL_DRIVER_PACKAGES,
    )
    from readycheck.core.findings import (
        Diagnostic as Diagnostic, Finding as Finding, Related as Related, Severity as Severity, Span as Span,
    )
    from readycheck.core.fixes import Applicability as Applicability, Edit as Edit, Fix as Fix
    from readycheck.knowledge.healthpaths import HEALTH_SEGMENTS as HEALTH_SEGMENTS, is_health_path as is_health_path
    from readycheck.knowledge.images import (
        GENERIC_BASES as GENERIC_BASES, NON_ROOT_IMAGE_HINTS as NON_ROOT_IMAGE_HINTS,
        PRIVILEGE_DROPPERS as PRIVILEGE_DROPPERS, SELF_DROPPING_IMAGES as SELF_DROPPING_IMAGES, ImageRef as ImageRef,
        image_shell as image_shell, is_database_image as is_database_image, parse_image_ref as parse_image_ref,
        shell_execs_last as shell_execs_last,
    )
    from readycheck.core.migration_examples import (
        ALEMBIC_BODY_LINE as ALEMBIC_BODY_LINE, ALEMBIC_HEAD as ALEMBIC_HEAD, alembic_repo as alembic_repo,
        sql_repo as sql_repo,
    )
    from readycheck.core.start_examples import (
        CLICK_CLI as CLICK_CLI, ECS_CLOUDFORMATION_REPO as ECS_CLOUDFORMATION_REPO,
        ECS_TASK_DEFINITION_REPO as ECS_TASK_DEFINITION_REPO, TIANGOLO_FROM as TIANGOLO_FROM, click_cli_repo as click_cli_repo,
        helm_chart_repo as helm_chart_repo, supervisord_repo as supervisord_repo, tiangolo_repo as tiangolo_repo,
    )
    from readycheck.core.start_examples import python_m_app_repo as python_m_app_repo
    from readycheck.model.migrations import (
        Migration as Migration, MigrationModel as MigrationModel, removal_findings as removal_findings,
    )
    from readycheck.knowledge.packages import (
        canonicalize_name as canonicalize_name, install_arguments as install_arguments,
        install_command as install_command,
    )
    from readycheck.parsers.dependencies import (
        PyProject as PyProject, Requirement as Requirement, RequirementsFile as RequirementsFile,
    )
    from readycheck.parsers.dockerfile import Dockerfile as Dockerfile, Instruction as Instruction, Stage as Stage
    from readycheck.parsers.migration_ops import Operation as Operation
    from readycheck.parsers.python import (
        CallSite as CallSite, ErrorHandling as ErrorHandling, ExceptClause as ExceptClause, Function as Function,
        ModuleFacts as ModuleFacts, Parameter as Parameter, Value as Value,
    )
    from readycheck.model.deployments import release_step as release_step
    from readycheck.model.deployments.fact import (
        Deployment as Deployment, DeploymentSetting as DeploymentSetting, Probe as Probe, RunAs as RunAs,
    )
    from readycheck.model.project import Project as Project, PythonIndex as PythonIndex
    from readycheck.model.reachability import (
        CallRule as CallRule, ClassObject as ClassObject, Edge as Edge, Hit as Hit, Reachability as Reachability,
        RepoClass as RepoClass, Rule as Rule, Step as Step, call_label as call_label, hit_places as hit_places, repeated_paths as repeated_paths,
        runs_once as runs_once, type_name as type_name,
    )
    from readycheck.knowledge.environments import (
        Environment as Environment, classify_environment as classify_environment,
        is_auxiliary_path as is_auxiliary_path, is_development_path as is_development_path,
    )
    from readycheck.core.sourcefile import FileKind as FileKind, SourceFile as SourceFile, UnreadableFile as UnreadableFile
    from readycheck.parsers.sigterm import forwarding as forwarding, forwards_term as forwards_term
    from readycheck.parsers.processmanagers import SIGNALS_PROCESS_GROUP as SIGNALS_PROCESS_GROUP
    from readycheck.parsers.processmanagers import EXECS_PLAIN_LINES as EXECS_PLAIN_LINES
    from readycheck.model.startcommands import (
        ARGV_WRAPPERS as ARGV_WRAPPERS, SHELLS as SHELLS, Command as Command, Server as Server,
        StartCommand as StartCommand, Token as Token,
    )
    from readycheck.model.webapp import (
        UNKNOWN_SEGMENT as UNKNOWN_SEGMENT, LoopEntry as LoopEntry, Route as Route, Unresolved as Unresolved,
        WebModel as WebModel, WebObject as WebObject,
    )

#: The public names, written out for type checkers and readers (a test keeps it equal to ``_WHERE``).
__all__ = [
    "ALEMBIC_BODY_LINE", "ALEMBIC_HEAD", "ARGV_WRAPPERS", "ASYNC_DRIVERS", "ASYNC_ENGINE_CONSTRUCTORS", "ASYNC_URL_FOR",
    "Applicability", "CLICK_CLI", "CallRule", "CallSite", "Check", "ClassObject", "Command", "Deployment", "DeploymentSetting",
    "Diagnostic", "Dockerfile", "ECS_CLOUDFORMATION_REPO", "ECS_TASK_DEFINITION_REPO", "ENGINE_CONSTRUCTORS", "EXECS_PLAIN_LINES", "Edge", "Edit", "Engine", "EngineSetting", "Environment", "ErrorHandling", "Example",
    "ExceptClause", "FILE_METADATA", "FileKind", "Finding", "Fix", "Function", "GENERIC_BASES", "HEALTH_SEGMENTS",
    "Hit", "ImageRef", "Instruction", "LoopEntry", "Migration", "MigrationModel", "ModuleFacts",
    "NON_ROOT_IMAGE_HINTS", "Operation", "PATH_IO_METHODS", "PRIVILEGE_DROPPERS", "Parameter", "Probe", "Project",
    "PyProject", "PythonIndex", "Reachability", "Related", "RepoClass", "Requirement", "RequirementsFile", "Route",
    "Rule", "RunAs", "SELF_DROPPING_IMAGES", "SHELLS", "SIGNALS_PROCESS_GROUP", "SYNC_DRIVERS", "SYNC_URL_DRIVERS", "Server", "Severity", "SourceFile", "Span",
    "Stage", "StartCommand", "Step", "TIANGOLO_FROM", "Token", "UNKNOWN_SEGMENT", "URL_DATABASES", "URL_DRIVER_PACKAGES", "UnreadableFile", "Unresolved", "Value",
    "WebModel", "WebObject", "alembic_repo", "blocking_callable", "blocking_function", "blocking_method",
    "cached_after", "call_label", "canonicalize_name", "catches_database_error", "classify_environment", "click_cli_repo", "cpu_bound_function",
    "cpu_bound_method", "database_access", "forwarding", "forwards_term", "gitignore_spec", "helm_chart_repo", "hit_places", "image_shell", "install_arguments", "install_command",
    "is_auxiliary_path", "is_database_image", "is_development_path", "is_health_path", "parse_image_ref", "python_m_app_repo",
    "register_blocking", "release_step", "removal_findings", "repeated_paths", "runs_once", "shell_execs_last", "sql_repo", "supervisord_repo", "tiangolo_repo", "type_name",
]


if not TYPE_CHECKING:  # at run time: each name imported on first use; type checkers see the imports above
    def __getattr__(name: str) -> Any:
        module = _WHERE.get(name)
        if module is None:
            raise AttributeError(f"module 'readycheck.api' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return __all__
