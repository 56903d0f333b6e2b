"""Start commands declared by platforms: fly.toml, render.yaml, railway.json/toml,
App Engine app.yaml, Kubernetes manifests (and Helm templates), Makefiles.

Each becomes ``StartCommand``s in the same model as Dockerfiles, Procfiles and
compose files. Release steps (fly ``release_command``, render
``preDeployCommand``, railway ``preDeployCommand``) get the role "release";
Kubernetes Jobs, CronJobs and initContainers get "oneshot"; Makefile recipes
are development.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from readycheck.core.findings import Span
from readycheck.parsers.shell import parse_commands
from readycheck.parsers.yamlfile import load_all
from readycheck.core.sourcefile import FileKind, SourceFile, UnreadableFile
from readycheck.model.startcommands import (Command, StartCommand, Token, Expander, ScriptResolver, words_to_tokens,
                                      yaml_commands, classify_environment, finish)

if TYPE_CHECKING:
    from readycheck.model.project import Project
    from readycheck.parsers.located import LocatedDocument

def items_of(value: Any) -> list:
    """A config value that should be a list, or [] (a number, a table or nothing where a
    list belongs is the author's mistake to report elsewhere, never a crash here)."""
    return value if isinstance(value, list) else []


def table_of(value: Any) -> dict:
    """A config value that should be a table (mapping), or {}."""
    return value if isinstance(value, dict) else {}


def is_workload(doc: Any) -> bool:
    """A Kubernetes document of a kind that runs containers."""
    return isinstance(doc, dict) and isinstance(doc.get("kind"), str) and doc["kind"] in WORKLOAD_KINDS


WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob",
                  "DeploymentConfig", "Rollout"}
ONESHOT_KINDS = {"Job", "CronJob"}
_HELM_EXPR = re.compile(r"\{\{-?.*?-?\}\}", re.DOTALL)


_UNKNOWN = Span(1, 1, 1, 1)


def _config_command(project: "Project", document: "LocatedDocument", path: tuple, via: str,
                    list_is: str = "argv") -> list[Command]:
    """The command at ``path`` of a TOML/JSON file as located commands, followed through scripts: a
    string is a shell command; a list is one argv (``list_is="argv"``: fly's ``[experimental] cmd``)
    or a list of shell commands run in turn (``"commands"``: railway's ``preDeployCommand``)."""
    source = document.source
    expander = Expander(project, ScriptResolver(project, source.directory, [], "/"))
    value: Any = document.data
    for key in path:
        value = value[key]
    if isinstance(value, list) and list_is == "commands":
        return [c for i in range(len(value)) for c in _config_command(project, document, (*path, i), via)]
    if isinstance(value, list):
        tokens = [Token(str(word), source.path, document.value_span(*path, i) or _UNKNOWN)
                  for i, word in enumerate(value)]
        return expander.from_words(tokens, via, {}) if tokens else []
    if not isinstance(value, str) or not value.strip():
        return []
    verbatim_at = document.verbatim_at(*path)
    chain: list[Command] = []
    for simple in parse_commands(value):
        if verbatim_at is not None:
            tokens = words_to_tokens(source, [type(w)(w.text, w.start + verbatim_at, w.end + verbatim_at, w.raw)
                                               for w in simple.words])
        else:
            span = document.value_span(*path) or _UNKNOWN
            tokens = [Token(w.text, source.path, span) for w in simple.words]
        chain += expander.from_words(tokens, via, simple.env)
    return chain


def _start(project: "Project", source: SourceFile, span: Span, origin: str, process: str, role: str,
           chain: list[Command], env: dict[str, Token] | None = None, ports: list[Token] | None = None,
           replicas: Token | None = None) -> StartCommand | None:
    if not chain:
        return None
    start = StartCommand(source.path, span, origin, process, role, classify_environment(source.path), chain)
    start.env = env or {}
    start.ports = ports or []
    start.replicas = replicas
    return finish(project, start)


# ------------------------------------------------------------------ fly.io


def from_fly(project: "Project", source: SourceFile) -> list[StartCommand]:
    document = project.config_document(source)
    data = document.data
    key = lambda *path: document.key_span(*path) or _UNKNOWN  # noqa: E731
    env = {str(k): Token(str(v), source.path, key("env", k)) for k, v in table_of(data.get("env")).items()}
    ports = fly_internal_ports(document)
    starts: list[StartCommand] = []
    processes = data.get("processes") or {}
    experimental = data.get("experimental") or {}
    if isinstance(processes, dict) and processes:
        for name in processes:
            chain = _config_command(project, document, ("processes", name), f"fly.toml process {name}")
            start = _start(project, source, key("processes", name), "fly.toml", str(name), "boot", chain, env, ports)
            if start:
                starts.append(start)
    elif isinstance(experimental, dict) and experimental.get("cmd"):
        chain = _config_command(project, document, ("experimental", "cmd"), "fly.toml [experimental] cmd")
        start = _start(project, source, key("experimental", "cmd"), "fly.toml", "app", "boot", chain, env, ports)
        if start:
            starts.append(start)
    deploy = data.get("deploy") or {}
    if isinstance(deploy, dict) and deploy.get("release_command"):
        chain = _config_command(project, document, ("deploy", "release_command"), "fly.toml release_command")
        start = _start(project, source, key("deploy", "release_command"), "fly.toml", "release_command", "release",
                       chain, env)
        if start:
            starts.append(start)
    return starts


def fly_internal_ports(document: "LocatedDocument") -> list[Token]:
    """The ports fly's proxy sends traffic to: ``[http_service] internal_port`` and each
    ``[[services]] internal_port``."""
    data, path = document.data, document.source.path
    ports: list[Token] = []
    http = data.get("http_service")
    if isinstance(http, dict) and "internal_port" in http:
        ports.append(Token(str(http["internal_port"]), path,
                           document.key_span("http_service", "internal_port") or _UNKNOWN))
    for i, service in enumerate(items_of(data.get("services"))):
        if isinstance(service, dict) and "internal_port" in service:
            ports.append(Token(str(service["internal_port"]), path,
                               document.key_span("services", i, "internal_port") or _UNKNOWN))
    return ports


def fly_ports(project: "Project") -> dict[str, list[Token]]:
    """fly.toml internal ports by folder: the Dockerfile there must serve them."""
    out: dict[str, list[Token]] = {}
    for source in project.files(FileKind.FLY):
        try:
            document = project.config_document(source)
        except Exception:
            continue
        ports = fly_internal_ports(document)
        if ports:
            out.setdefault(source.directory, []).extend(ports)
    return out


# ------------------------------------------------------------------ render.com


def from_render(project: "Project", source: SourceFile, documents: list) -> list[StartCommand]:
    starts: list[StartCommand] = []
    doc = documents[0] if documents else None
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, list):
        return starts
    expander = Expander(project, ScriptResolver(project, source.directory, [], "/"))
    for service in services:
        if not isinstance(service, dict):
            continue
        name = str(service.get("name", "service"))
        env = env_list(source, service.get("envVars"), "key")
        replicas = service.get("numInstances")
        replicas_token = Token(str(replicas), source.path, _key_span(source, service, "numInstances")) \
            if isinstance(replicas, int) else None
        for key, role in (("startCommand", "boot"), ("dockerCommand", "boot"), ("preDeployCommand", "release")):
            value = service.get(key)
            if value is None:
                continue
            chain = [c for words in yaml_commands(source, value)
                     for c in expander.from_words(words, f"render.yaml {name} {key}")]
            start = _start(project, source, _key_span(source, service, key), "render.yaml", name, role, chain, env,
                           replicas=replicas_token)
            if start:
                starts.append(start)
    return starts


def _located(source: SourceFile, value: Any) -> Span:
    return source.index.span(value.start, value.end) if hasattr(value, "start") else Span(1)


def env_list(source: SourceFile, items: Any, key_field: str) -> dict[str, Token]:
    """A list of ``{<key_field>: NAME, value: VALUE}`` (render envVars, Kubernetes env) as env tokens;
    entries that take their value from a secret or another service have no literal value and are skipped."""
    env: dict[str, Token] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and key_field in item and "value" in item:
            env[str(item[key_field])] = Token(str(item["value"]), source.path, _located(source, item["value"]))
    return env


def _key_span(source: SourceFile, mapping: Any, key: str) -> Span:
    located = getattr(mapping, "keys_at", {}).get(key)
    return source.index.span(located.start, located.end) if hasattr(located, "start") else Span(1)


# ------------------------------------------------------------------ railway


def from_railway(project: "Project", source: SourceFile) -> list[StartCommand]:
    document = project.config_document(source)
    data = document.data
    deploy = data.get("deploy") if isinstance(data, dict) else None
    if not isinstance(deploy, dict):
        return []
    replicas = deploy.get("numReplicas")
    replicas_token = Token(str(replicas), source.path, document.key_span("deploy", "numReplicas") or _UNKNOWN) \
        if isinstance(replicas, int) else None
    starts = []
    for key, role in (("startCommand", "boot"), ("preDeployCommand", "release")):
        if deploy.get(key):
            # https://docs.railway.com/reference/config-as-code: preDeployCommand may be a list of commands.
            chain = _config_command(project, document, ("deploy", key), f"railway {key}", list_is="commands")
            start = _start(project, source, document.key_span("deploy", key) or _UNKNOWN, "railway", key, role, chain,
                           replicas=replicas_token)
            if start:
                starts.append(start)
    return starts


# ------------------------------------------------------------------ App Engine


def from_app_yaml(project: "Project", source: SourceFile, documents: list) -> list[StartCommand]:
    doc = documents[0] if documents else None
    if not isinstance(doc, dict) or "entrypoint" not in doc:
        return []
    expander = Expander(project, ScriptResolver(project, source.directory, [], "/"))
    chain = [c for words in yaml_commands(source, doc["entrypoint"])
             for c in expander.from_words(words, "app.yaml entrypoint")]
    env = {}
    for key, value in table_of(doc.get("env_variables")).items():
        env[str(key)] = Token(str(value), source.path, _located(source, value))
    env.setdefault("PORT", Token("8080", source.path, _key_span(source, doc, "entrypoint")))
    start = _start(project, source, _key_span(source, doc, "entrypoint"), "app.yaml", "entrypoint", "boot", chain, env)
    return [start] if start else []


# ------------------------------------------------------------------ Kubernetes and Helm


def helm_to_yaml(text: str) -> str:
    """Blank out Helm template expressions, keeping every offset: a line that is only
    a template directive becomes empty, an inline expression becomes a placeholder
    scalar of the same length."""
    def replace(match: re.Match) -> str:
        inner = match.group(0)
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end < 0 else line_end
        alone = not text[line_start:match.start()].strip() and not text[match.end():line_end].strip()
        if alone or "\n" in inner:
            return re.sub(r"[^\n]", " ", inner)
        return "\u2026" * len(inner)  # "…": reads as templated, never parses as a number
    # The first "}}" after each "{{", found with str.find: the regex "\{\{-?.*?-?\}\}" scanned
    # to the end of the text from every "{{" that has no "}}" after it (30,000 "{{": minutes).
    parts: list[str] = []
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            break
        match = _HELM_EXPR.fullmatch(text, start, end + 2)
        parts += [text[position:start], replace(match) if match else text[start:end + 2]]
        position = end + 2
    if not parts:
        return text
    parts.append(text[position:])
    return "".join(parts)


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


def kubernetes_documents(project: "Project", source: SourceFile) -> list | None:
    """Located YAML documents of a Kubernetes manifest or Helm template, or None."""
    try:
        data = source.data
    except Exception:
        return None
    if b"kind" not in data or b"apiVersion" not in data:
        return None
    if is_helm_template(source):
        cache = project.__dict__.setdefault("_helm_cache", {})
        if source.path not in cache:
            cache[source.path] = project.parse_one(source, lambda s: load_all(helm_to_yaml(s.text)), "Helm template")
        return _list_items(cache[source.path])
    return _list_items(project.yaml_documents(source))


def _is_list(doc: Any) -> bool:
    kind = doc.get("kind") if isinstance(doc, dict) else None
    return isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list)


def _list_items(documents: list | None) -> list | None:
    """Documents with each ``kind: List`` (what ``kubectl get -o yaml`` writes, and
    ``DeploymentList`` and the like) replaced by its items, as kubectl applies them."""
    if not documents or not any(_is_list(doc) for doc in documents):
        return documents
    return [item for doc in documents for item in (doc["items"] if _is_list(doc) else [doc])]


def pod_spec(doc: dict) -> tuple[dict | None, Any]:
    """(pod spec, replicas) of a Kubernetes workload: a Pod's own spec, a CronJob's job template's,
    every other kind's ``spec.template.spec``; (None, ...) when it has none. Shared by the start
    commands, probes and declared environment of a workload."""
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    kind = doc.get("kind")
    if kind == "Pod":
        return spec, None
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {}) if isinstance(spec.get("jobTemplate"), dict) else {}
    template = spec.get("template") if isinstance(spec, dict) else None
    pod = template.get("spec") if isinstance(template, dict) else None
    return (pod if isinstance(pod, dict) else None), spec.get("replicas") if isinstance(spec, dict) else None


def from_kubernetes(project: "Project", source: SourceFile, documents: list) -> list[StartCommand]:
    starts: list[StartCommand] = []
    expander = Expander(project, ScriptResolver(project, source.directory, [], "/"))
    for doc in documents:
        if not is_workload(doc):
            continue
        pod, replicas = pod_spec(doc)
        if pod is None:
            continue
        name = str((doc.get("metadata") or {}).get("name", doc.get("kind"))) if isinstance(doc.get("metadata"), dict) \
            else str(doc.get("kind"))
        replicas_token = Token(str(replicas), source.path, _key_span(source, doc.get("spec"), "replicas")) \
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
                                           _key_span(source, port, "containerPort")))
                key = "command" if container.get("command") is not None else "args"
                start = _start(project, source, _key_span(source, container, key), "Kubernetes",
                               readable(f"{doc.get('kind')} {name}/{cname}"), role, chain, env, ports, replicas_token)
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
            return Token(str(cores), source.path, _key_span(source, table, "cpu"))
    return None


# ------------------------------------------------------------------ systemd


def from_systemd(project: "Project", source: SourceFile) -> list[StartCommand]:
    """A service unit on a VM: ``ExecStartPre=`` lines run before ``ExecStart=`` on every start
    (a migration there runs at boot), each run without a shell, in ``WorkingDirectory=``."""
    from readycheck.parsers.processmanagers import is_systemd_service, systemd_unit

    if not is_systemd_service(source):
        return []
    entries = systemd_unit(source)
    main = next((e for e in entries if e.role == "boot"), None)
    if main is None:
        return []
    expander = Expander(project, ScriptResolver(project, source.directory, [], main.directory or "/"))
    chain: list[Command] = []
    for entry in entries:
        for simple in parse_commands(entry.command, base=entry.offset):
            chain += expander.from_words(words_to_tokens(source, simple.words), f"systemd {entry.name}",
                                         {**entry.environment, **simple.env})
    span = source.index.span(main.offset, main.offset + len(main.command.split(" ", 1)[0]))
    name = source.name.rsplit(".", 1)[0]
    start = _start(project, source, span, "systemd", name, "boot", chain,
                   {k: Token(v, source.path, span) for k, v in main.environment.items()})
    return [start] if start else []


# ------------------------------------------------------------------ Makefile


def from_makefile(project: "Project", source: SourceFile) -> list[StartCommand]:
    """Recipes that start a server. Makefiles are developer tooling: always development."""
    starts: list[StartCommand] = []
    expander = Expander(project, ScriptResolver(project, source.directory, [], "/"))
    text = source.text
    target = None
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        m = re.match(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", line)
        if m:
            target = m.group(1)
            continue
        if target is None or not line.startswith("\t"):
            continue
        body = line.lstrip("\t").lstrip("@-+")
        base = line_start + (len(line) - len(body))
        chain = []
        for simple in parse_commands(body, base=base):
            chain += expander.from_words(words_to_tokens(source, simple.words), f"Makefile {target}", simple.env)
        if chain:
            start = StartCommand(source.path, source.index.span(base, base + len(body)), "Makefile", target, "boot",
                                 classify_environment(source.path, origin="Makefile"), chain)
            finish(project, start)
            if start.server is not None:
                starts.append(start)
    return starts
