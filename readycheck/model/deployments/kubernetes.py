"""Kubernetes manifests and Helm templates (any YAML file with ``kind`` and ``apiVersion``).

Per workload (Deployment, StatefulSet, Job, CronJob, ...): each container's command and args, env,
container ports, CPU limit, image and liveness/readiness/startup probes, and the replica count;
Jobs, CronJobs and initContainers run once ("oneshot"). An autoscaler in the file means several
copies run. Whom each container runs as (``securityContext``) is read from every pod template,
also of kinds that are no workload here (a Knative Service). A Helm template is read with its ``{{ ... }}`` expressions blanked out, offsets kept;
a probe it renders from the chart's values.yaml is the one values.yaml sets (``templated_value``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from readycheck.core.sourcefile import SourceFile, UnreadableFile
from readycheck.knowledge.environments import classify_environment
from readycheck.model.deployments.common import (env_list, items_of, key_position, key_span, located,
                                                 platform_start, repo_expander, requested_path, table_of, text_of)
from readycheck.model.deployments.fact import DeclaredEnv, Deployment, DeploymentSetting, Probe, RunAs
from readycheck.model.startcommands import StartCommand, Token, yaml_commands

if TYPE_CHECKING:
    from readycheck.model.project import Project

PLATFORM = "Kubernetes"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob",
                  "DeploymentConfig", "Rollout"}
ONESHOT_KINDS = {"Job", "CronJob"}
#: Kinds that run more copies of a workload on demand.
AUTOSCALER_KINDS = ("HorizontalPodAutoscaler", "ScaledObject")


def read(project: "Project", source: SourceFile) -> Deployment | None:
    """The file's workloads, or None when it is no Kubernetes manifest."""
    docs = documents(project, source)
    if not docs:
        return None
    starts = project.guarded(source.path, lambda: _starts(project, source, docs))
    probes: list[Probe] = []
    unset: list[Probe] = []
    env: list[DeclaredEnv] = []
    for doc in docs:
        if not is_workload(doc):
            continue
        pod, _ = pod_spec(doc)
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        workload = f"{doc.get('kind')} {meta.get('name', doc.get('kind'))}"
        for container in items_of((pod or {}).get("containers")):
            if not isinstance(container, dict):
                continue
            probes += _probes(project, source, container, readable(f"{workload}/{container.get('name', 'containers')}"),
                              unset)
            env += [DeclaredEnv(f"{doc.get('kind')} container {container.get('name')}", var, token,
                                classify_environment(source.path))
                    for var, token in env_list(source, container.get("env"), "name").items()]
    scales_out = any(isinstance(doc, dict) and doc.get("kind") in AUTOSCALER_KINDS for doc in docs)
    return Deployment(PLATFORM, source.path, tuple(starts), tuple(probes), tuple(env), scales_out=scales_out,
                      run_as=tuple(_run_as(source, docs)), unset_probes=tuple(unset))


#: The ``securityContext`` keys that say whom a container runs as (``RunAs.user``, ``group``, ``non_root``).
_RUN_AS_KEYS = ("runAsUser", "runAsGroup", "runAsNonRoot")


def _run_as(source: SourceFile, docs: list) -> list[RunAs]:
    """Whom every container of every pod template runs as: a workload's pod (``pod_spec``), or the
    ``spec.template.spec`` of any other kind that has one (a Knative Service)."""
    found: list[RunAs] = []
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        if is_workload(doc):
            pod, _ = pod_spec(doc)
        else:
            pod = table_of(table_of(table_of(doc.get("spec")).get("template")).get("spec")) or None
        if pod is None:
            continue
        kind = str(doc.get("kind"))
        meta = doc.get("metadata")
        name = str(meta.get("name", kind)) if isinstance(meta, dict) else kind
        pod_ctx = table_of(pod.get("securityContext"))
        for group in ("initContainers", "containers"):
            for container in items_of(pod.get(group)):
                if not isinstance(container, dict):
                    continue
                ctx = table_of(container.get("securityContext"))
                user, run_group, non_root = (_effective(source, key, pod_ctx, ctx) for key in _RUN_AS_KEYS)
                owner = readable(f"{kind} {name}/{container.get('name', group)}")
                found.append(RunAs(owner, kind, group == "initContainers", user, run_group, non_root))
    return found


def _effective(source: SourceFile, key: str, pod_ctx: dict, ctx: dict) -> DeploymentSetting | None:
    """A ``securityContext`` key as Kubernetes merges them: the container's, when it sets the key (even
    to null), else the pod's; None when neither does."""
    where, level = (ctx, "container") if key in ctx else (pod_ctx, "pod")
    return DeploymentSetting(where[key], key_position(source, where, key), level) if key in where else None


def _probes(project: "Project", source: SourceFile, container: dict, owner: str,
            unset: list[Probe] | None = None) -> list[Probe]:
    """The container's probes. A Helm template's probe rendered from values.yaml (``livenessProbe:``
    then ``{{- toYaml .Values.livenessProbe | nindent 12 }}``, or in ``{{- with .Values.x }}``) is
    what values.yaml says, located there; one values.yaml leaves empty (``{}``, null) is no probe
    and goes to ``unset`` (where the user sets one)."""
    probes = []
    helm = is_helm_template(source)
    for key, kind in (("livenessProbe", "liveness"), ("readinessProbe", "readiness"), ("startupProbe", "startup")):
        probe = container.get(key)
        where, values_path = source, ""
        if helm and not isinstance(probe, dict) and key in container:
            filled = templated_value(project, source, container, key)
            if filled is not None and isinstance(filled.value, dict) and filled.value:
                probe, where, values_path = filled.value, filled.source, filled.source.path
            elif filled is not None and unset is not None and filled.key is not None:
                unset.append(Probe(source.path, located(filled.source, filled.key), PLATFORM, kind, None,
                                   owner=owner, values_path=filled.source.path, container=located(source, container)))
        if not isinstance(probe, dict):
            continue
        http = probe.get("httpGet") if isinstance(probe.get("httpGet"), dict) else None
        exec_ = probe.get("exec") if isinstance(probe.get("exec"), dict) else None
        command = " ".join(str(c) for c in items_of(exec_.get("command"))) if exec_ else None
        target = text_of(http.get("path")) if http else (requested_path(project, command) if command else None)
        probes.append(Probe(source.path, located(where, target if target is not None else probe), PLATFORM, kind,
                            str(target) if target is not None else None, command, owner, values_path))
    return probes


def is_workload(doc: Any) -> bool:
    """A Kubernetes document of a kind that runs containers."""
    return isinstance(doc, dict) and isinstance(doc.get("kind"), str) and doc["kind"] in WORKLOAD_KINDS


def readable(name: str) -> str:
    """A name with Helm placeholders, as a person reads it: `{{…}}-api`."""
    return re.sub("\u2026+", "{{\u2026}}", name)


def is_helm_template(source: SourceFile) -> bool:
    """Decided on the bytes: a template that is not UTF-8 is a Helm template the parser
    reports as unreadable (a diagnostic), not an error in every check that asks."""
    try:
        return "/templates/" in f"/{source.path}" and b"{{" in source.data
    except UnreadableFile:
        return False


def documents(project: "Project", source: SourceFile) -> list | None:
    """Located YAML documents of a Kubernetes manifest or Helm template, or None."""
    try:
        data = source.data
    except Exception:
        return None
    if b"kind" not in data or b"apiVersion" not in data:
        return None
    return _list_items(project.helm_documents(source) if is_helm_template(source) else project.yaml_documents(source))


def _is_list(doc: Any) -> bool:
    kind = doc.get("kind") if isinstance(doc, dict) else None
    return isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list)


def _list_items(docs: list | None) -> list | None:
    """Documents with each ``kind: List`` (what ``kubectl get -o yaml`` writes, and
    ``DeploymentList`` and the like) replaced by its items, as kubectl applies them."""
    if not docs or not any(_is_list(doc) for doc in docs):
        return docs
    return [item for doc in docs for item in (doc["items"] if _is_list(doc) else [doc])]


def pod_spec(doc: dict) -> tuple[dict | None, Any]:
    """(pod spec, replicas) of a Kubernetes workload: a Pod's own spec, a CronJob's job template's,
    every other kind's ``spec.template.spec``; (None, ...) when it has none."""
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    kind = doc.get("kind")
    if kind == "Pod":
        return spec, None
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {}) if isinstance(spec.get("jobTemplate"), dict) else {}
    template = spec.get("template") if isinstance(spec, dict) else None
    pod = template.get("spec") if isinstance(template, dict) else None
    return (pod if isinstance(pod, dict) else None), spec.get("replicas") if isinstance(spec, dict) else None


def _starts(project: "Project", source: SourceFile, docs: list) -> list[StartCommand]:
    starts: list[StartCommand] = []
    expander = repo_expander(project, source)
    for doc in docs:
        if not is_workload(doc):
            continue
        pod, replicas = pod_spec(doc)
        if pod is None:
            continue
        name = str((doc.get("metadata") or {}).get("name", doc.get("kind"))) if isinstance(doc.get("metadata"), dict) \
            else str(doc.get("kind"))
        replicas_token = Token(str(replicas), source.path, key_span(source, doc.get("spec"), "replicas")) \
            if isinstance(replicas, int) else None
        base_role = "oneshot" if doc.get("kind") in ONESHOT_KINDS else "boot"
        for group, role in (("initContainers", "oneshot"), ("containers", base_role)):
            for container in items_of(pod.get(group)):
                if not isinstance(container, dict):
                    continue
                words = []
                for key in ("command", "args"):
                    for argv in yaml_commands(source, container.get(key)) if container.get(key) is not None else []:
                        words += argv
                if not words:
                    continue
                cname = str(container.get("name", group))
                chain = expander.from_words(words, f"{doc.get('kind')} {name} container {cname}")
                env = env_list(source, container.get("env"), "name")
                ports = []
                for port in items_of(container.get("ports")):
                    if isinstance(port, dict) and isinstance(port.get("containerPort"), int):
                        ports.append(Token(str(port["containerPort"]), source.path,
                                           key_span(source, port, "containerPort")))
                key = "command" if container.get("command") is not None else "args"
                start = platform_start(project, source, key_span(source, container, key), PLATFORM,
                                       readable(f"{doc.get('kind')} {name}/{cname}"), role, chain, env, ports,
                                       replicas_token)
                if start:
                    start.cpu_limit = _cpu(source, container)
                    start.image = str(container.get("image") or "")
                    starts.append(start)
    return starts


def _cpu(source: SourceFile, container: dict) -> Token | None:
    """The container's CPU limit (or request) in cores, e.g. "500m" -> "0.5"."""
    resources = container.get("resources") if isinstance(container.get("resources"), dict) else {}
    for section in ("limits", "requests"):
        table = resources.get(section)
        if isinstance(table, dict) and table.get("cpu") is not None:
            raw = str(table["cpu"])
            cores = float(raw[:-1]) / 1000 if raw.endswith("m") and raw[:-1].isdigit() else None
            if cores is None:
                try:
                    cores = float(raw)
                except ValueError:
                    continue
            return Token(str(cores), source.path, key_span(source, table, "cpu"))
    return None


# ------------------------------------------------------------------ Helm values
# A chart writes a container's probe (or any block) as ``livenessProbe:`` followed by
# ``{{- toYaml .Values.livenessProbe | nindent 12 }}``, or inside ``{{- with .Values.api.readinessProbe }}``
# as ``readinessProbe:`` then ``{{- toYaml . | nindent 12 }}``. The template read with its expressions
# blanked (parsers.yamlfile.helm_to_yaml) has the key with no value; the value is the one values.yaml
# gives that path, located in values.yaml. Only the chart's own default values are read (``helm install
# -f``/``--set`` values are not in the repository).

_PATH = r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)"
#: ``{{- toYaml .Values.x.y | nindent 12 }}`` or ``{{ toYaml . | indent 4 }}``.
_TO_YAML = re.compile(r"\{\{-?\s*toYaml\s+(?:" + _PATH + r"|(\.))\s*(?:\|[^{}]*)?-?\}\}")
#: The same as a pipeline: ``{{ .Values.x | toYaml | nindent 12 }}``, ``{{ . | toYaml }}``.
_PIPED_TO_YAML = re.compile(r"\{\{-?\s*(?:" + _PATH + r"|(\.))\s*\|\s*toYaml\b[^{}]*\}\}")
#: ``{{- with .Values.x }}`` opening the block the key is in.
_WITH = re.compile(r"\{\{-?\s*with\s+" + _PATH + r"\s*-?\}\}")
_END = re.compile(r"\{\{-?\s*end\s*-?\}\}")
#: How far from the key the template's toYaml and with are looked for, at most (a hostile one-line
#: template with many keys is not scanned once per key).
_WINDOW = 400
#: The chart's default values, beside Chart.yaml (above templates/).
VALUES_FILES = ("values.yaml", "values.yml")


@dataclass(frozen=True)
class HelmValue:
    """The value values.yaml gives a templated key: ``value`` (a located YAML value, None when
    values.yaml does not set the path or sets it to null), the values file and the dotted path read."""

    value: Any
    source: SourceFile
    path: str
    #: The last key of the path in values.yaml (a located string), None when values.yaml lacks it.
    key: Any = None


def values_file(project: "Project", template: SourceFile) -> SourceFile | None:
    """The values.yaml of the chart a template belongs to (the folder above ``templates/``)."""
    marker = f"/{template.path}".rfind("/templates/")
    if marker < 0:
        return None
    chart = posixpath.dirname(f"/{template.path}"[:marker + 1]).lstrip("/")
    for name in VALUES_FILES:
        found = project.file(posixpath.join(chart, name) if chart else name)
        if found is not None:
            return found
    return None


def templated_value(project: "Project", template: SourceFile, mapping: Any, key: str) -> HelmValue | None:
    """What values.yaml fills ``key`` of ``mapping`` (a mapping of the blanked template) with, when the
    template renders it from values: the ``toYaml`` right after the key (on its line or the next),
    of ``.Values.x`` or of ``.`` inside the ``with .Values.x`` block opened on one of the two lines
    above the key. None when the
    key is not filled from values.yaml (or the chart has none)."""
    found = getattr(mapping, "keys_at", {}).get(key)
    if not hasattr(found, "end"):
        return None
    try:
        text = template.text
    except UnreadableFile:
        return None
    after = text.find("\n", found.end)
    after = text.find("\n", after + 1) if after >= 0 else -1
    end = min(after if after >= 0 else len(text), found.end + _WINDOW)
    match = _TO_YAML.search(text, found.end, end) or _PIPED_TO_YAML.search(text, found.end, end)
    if match is None:
        return None
    dotted = match.group(1)
    if dotted is None:  # toYaml . : the with block's value
        # the with block opens on one of the two lines above the key (a bounded look back: the
        # template's text is not scanned again for each key)
        line = text.rfind("\n", 0, found.start)
        start = max(text.rfind("\n", 0, max(line, 0)), 0)
        start = max(text.rfind("\n", 0, start), 0) if start else 0
        start = max(start, found.start - _WINDOW)
        opening = None
        for candidate in _WITH.finditer(text, start, found.start):
            opening = candidate
        if opening is None or _END.search(text, opening.end(), found.start):
            return None
        dotted = opening.group(1)
    values = values_file(project, template)
    if values is None:
        return None
    documents = project.yaml_documents(values) or [None]
    value: Any = documents[0]
    key_at = None
    for part in dotted.strip(".").split("."):
        key_at = getattr(value, "keys_at", {}).get(part) if isinstance(value, dict) else None
        value = value.get(part) if isinstance(value, dict) else None
    return HelmValue(value, values, dotted.strip("."), key_at)
