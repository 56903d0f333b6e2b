"""The public plugin API. Built-in checks and third-party checks import only this.

Everything named in ``__all__`` is stable within a major version.
"""

from readycheck.check import Check, Example
from readycheck.findings import Diagnostic, Finding, Related, Severity, Span
from readycheck.packages import install_command
from readycheck.parsers.dependencies import PyProject, Requirement, RequirementsFile
from readycheck.parsers.dockerfile import Dockerfile, Instruction, Stage
from readycheck.parsers.python import CallSite, Function, ModuleFacts, Parameter, Value
from readycheck.probes import Probe
from readycheck.project import Project, PythonIndex
from readycheck.sourcefile import FileKind, SourceFile, is_auxiliary_path
from readycheck.startcommands import Command, Server, StartCommand, Token, is_development_path
from readycheck.webapp import Route, WebModel, WebObject

__all__ = [
    "CallSite", "Check", "Command", "Diagnostic", "Dockerfile", "Example", "FileKind", "Finding", "Function",
    "Instruction", "ModuleFacts", "Parameter", "Probe", "Project", "PyProject", "PythonIndex", "Related", "Requirement",
    "RequirementsFile", "Route", "Server", "Severity", "SourceFile", "Span", "Stage", "StartCommand", "Token",
    "Value", "WebModel", "WebObject", "install_command", "is_auxiliary_path", "is_development_path",
]
