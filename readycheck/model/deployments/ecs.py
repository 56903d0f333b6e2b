"""Amazon ECS: the container definitions of a task definition, in a CloudFormation template written in
YAML (``Type: AWS::ECS::TaskDefinition`` with ``Properties.ContainerDefinitions``) or in a task
definition file (``task-definition.json``, what ``aws ecs register-task-definition --cli-input-json``
and the ``amazon-ecs-render-task-definition`` action read: ``containerDefinitions``). A template written
in JSON is not read: its names (``template.json``, ``stack.json``) say nothing, and a JSON file is not
read for its content (every ``package.json`` would be).

A container's ``EntryPoint`` and ``Command`` are Docker's ENTRYPOINT and CMD in exec form (lists of
words), so ``["/bin/sh", "-c", "alembic upgrade head && uvicorn ..."]`` is a shell that runs the
migration at every task start and stays PID 1 in front of the server. Each container is a start
command of the task; one that another container waits for with ``DependsOn`` condition ``COMPLETE``
or ``SUCCESS`` runs to its end first (ECS's init containers): a one-shot process, as a Kubernetes
initContainer is. A task definition that a CloudFormation ``AWS::Events::Rule`` or
``AWS::Scheduler::Schedule`` runs and no ``AWS::ECS::Service`` does is a scheduled job (one-shot).
Also read: ``Environment`` (literal ``Value`` entries; ``Secrets`` carry no value), ``PortMappings``,
the service's ``DesiredCount``, an application auto-scaling target (the service scales out), and the
container's ``HealthCheck`` command (a probe, as a Dockerfile HEALTHCHECK is).

CloudFormation's short tags (``!Sub``, ``!Ref``) are read as the scalars they tag; a value that is an
intrinsic function (``Fn::Sub`` mapping) is not a literal and is left out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from readycheck.core.sourcefile import FileKind, SourceFile
from readycheck.model.deployments.common import (declared_env, items_of, key_span, located, platform_start,
                                                 repo_expander, requested_path, table_of)
from readycheck.model.deployments.fact import Deployment, Probe
from readycheck.model.startcommands import StartCommand, Token, yaml_commands

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "ECS"
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
SERVICE = "AWS::ECS::Service"
#: CloudFormation resources that run a task definition on a schedule (a job, not a service).
SCHEDULERS = ("AWS::Events::Rule", "AWS::Scheduler::Schedule")
SCALABLE_TARGET = "AWS::ApplicationAutoScaling::ScalableTarget"
#: ``DependsOn`` conditions that make the dependency run to its end before the dependent starts.
RUNS_TO_END = ("COMPLETE", "SUCCESS")


def read(project: "Project", source: SourceFile) -> Deployment | None:
    """The file's task definitions, or None when it has none (most YAML files)."""
    doc = _document(project, source)
    if doc is None:
        return None
    tasks = _task_definitions(doc)
    if not tasks:
        return None
    starts = project.guarded(source.path, lambda: _starts(project, source, doc, tasks))
    probes = [probe for name, task in tasks for container in _containers(task)
              for probe in _probe(project, source, container,
                                  f"{name}/{_name(_field(container, 'name'), 'container')}")]
    scales_out = any(_field(resource, "type") == SCALABLE_TARGET for resource in _resources(doc).values())
    return Deployment(PLATFORM, source.path, tuple(starts), tuple(probes), declared_env(starts),
                      scales_out=scales_out)


def _document(project: "Project", source: SourceFile) -> dict | None:
    if source.kind is FileKind.ECS:
        found = project.yaml_documents(source)  # JSON is YAML: the same located values
    else:
        text = source.text
        if TASK_DEFINITION not in text and "containerDefinitions" not in text:
            return None  # a quick no for the many YAML files that are not ECS
        found = project.yaml_documents(source)
    doc = found[0] if found else None
    return doc if isinstance(doc, dict) else None


def _field(mapping: Any, name: str) -> Any:
    """A key of a CloudFormation (``ContainerDefinitions``) or task-definition file (``containerDefinitions``)
    mapping: the same names, capitalised or not."""
    if not isinstance(mapping, dict):
        return None
    found = mapping.get(name)
    return found if found is not None else mapping.get(name[:1].upper() + name[1:])


def _name(value: Any, default: str) -> str:
    """A name written in the file (a task's family, a container's name), or ``default`` when it is not a
    string (``Name: !Ref X`` is read as the string ``X``; a list or mapping there names nothing)."""
    return value if isinstance(value, str) and value else default


def _resources(doc: dict) -> dict:
    return table_of(doc.get("Resources"))


def _task_definitions(doc: dict) -> list[tuple[str, dict]]:
    """(name, task definition) pairs: a template's TaskDefinition resources by logical id, or the file itself."""
    if isinstance(doc.get("containerDefinitions"), list):
        return [(_name(doc.get("family"), "task-definition"), doc)]
    return [(str(name), table_of(resource.get("Properties")))
            for name, resource in _resources(doc).items()
            if isinstance(resource, dict) and resource.get("Type") == TASK_DEFINITION]


def _containers(task: dict) -> list[dict]:
    return [c for c in items_of(_field(task, "containerDefinitions")) if isinstance(c, dict)]


def _names(value: Any) -> Iterator[str]:
    """Every logical id a CloudFormation value may refer to: each string in it (``!Ref Name`` is read as
    the scalar ``Name``, ``{"Ref": Name}`` and ``{"Fn::GetAtt": [Name, "Arn"]}`` hold it), and the part
    before a dot (``!GetAtt Name.Arn``). Walked with a stack: a deep document costs no recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
            yield item.partition(".")[0]
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _roles(doc: dict) -> tuple[dict[str, dict], set[str]]:
    """Of a template's resources: the task definitions a service runs (logical id -> the first such
    service's properties), and the logical ids a schedule names. One pass over the resources: a
    template with thousands of tasks and schedules costs what it holds, not their product."""
    served: dict[str, dict] = {}
    scheduled: set[str] = set()
    for resource in _resources(doc).values():
        if not isinstance(resource, dict):
            continue
        properties = table_of(resource.get("Properties"))
        if resource.get("Type") == SERVICE:
            for name in _names(properties.get("TaskDefinition")):
                served.setdefault(name, properties)
        elif resource.get("Type") in SCHEDULERS:
            scheduled.update(_names(properties))
    return served, scheduled


def _starts(project: "Project", source: SourceFile, doc: dict, tasks: list[tuple[str, dict]]) -> list[StartCommand]:
    starts: list[StartCommand] = []
    expander = repo_expander(project, source)
    served, scheduled = _roles(doc)
    for name, task in tasks:
        service = served.get(name)
        role = "oneshot" if service is None and name in scheduled else "boot"
        desired = (service or {}).get("DesiredCount")
        replicas = Token(str(desired), source.path, key_span(source, service, "DesiredCount")) \
            if isinstance(desired, int) and not isinstance(desired, bool) else None
        containers = _containers(task)
        waited_for = {str(_field(dep, "containerName")) for c in containers
                      for dep in items_of(_field(c, "dependsOn"))
                      if isinstance(dep, dict) and str(_field(dep, "condition")).upper() in RUNS_TO_END}
        for container in containers:
            words = [token for key in ("entryPoint", "command") if _field(container, key) is not None
                     for argv in yaml_commands(source, _field(container, key)) for token in argv]
            if not words:
                continue  # the image's own ENTRYPOINT/CMD: known from its Dockerfile, if at all
            cname = _name(_field(container, "name"), "container")
            chain = expander.from_words(words, f"ECS task {name} container {cname}")
            env = _env(source, _field(container, "environment"))
            ports = [Token(str(_field(port, "containerPort")), source.path,
                           key_span(source, port, _key(port, "containerPort")))
                     for port in items_of(_field(container, "portMappings"))
                     if isinstance(port, dict) and isinstance(_field(port, "containerPort"), int)
                     and not isinstance(_field(port, "containerPort"), bool)]
            key = _key(container, "entryPoint" if _field(container, "entryPoint") is not None else "command")
            start = platform_start(project, source, key_span(source, container, key), PLATFORM, f"{name}/{cname}",
                                   "oneshot" if cname in waited_for else role, chain, env, ports, replicas)
            if start:
                start.image = str(_field(container, "image") or "")
                starts.append(start)
    return starts


def _key(mapping: dict, name: str) -> str:
    """The spelling of a key the mapping uses (``command`` or ``Command``)."""
    return name if name in mapping else name[:1].upper() + name[1:]


def _env(source: SourceFile, items: Any) -> dict[str, Token]:
    """``Environment`` entries with a literal value (``Name``/``Value`` or ``name``/``value``)."""
    env: dict[str, Token] = {}
    for item in items_of(items):
        name, value = _field(item, "name"), _field(item, "value")
        if isinstance(name, str) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            env[str(name)] = Token(str(value), source.path, located(source, value))
    return env


def _probe(project: "Project", source: SourceFile, container: dict, owner: str) -> list[Probe]:
    """The container's ``HealthCheck``: ``["CMD-SHELL", "curl -f http://localhost/health"]`` or
    ``["CMD", "curl", ...]``, as Docker's HEALTHCHECK."""
    check = _field(container, "healthCheck")
    listed = items_of(_field(check, "command"))
    words = [w for w in listed if isinstance(w, str)]
    if not words or len(words) < len(listed) or words[0] == "NONE":  # a word that is no string: not a command
        return []
    command = " ".join(words[1:] if words[0] in ("CMD", "CMD-SHELL") else words)
    where = _field(check, "command")
    return [Probe(source.path, located(source, where), PLATFORM, "health", requested_path(project, command),
                  command, owner)]
