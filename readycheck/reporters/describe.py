"""``readycheck inspect``: the model readycheck built, for a user to check its reading.

Lists every start command (where it is declared, its role, whether it counts as
development, the chain of commands that really run, the server and each
setting with where it came from) and every web app with its routes' full
paths, and the registrations readycheck could not follow (an app listed with
them may serve more routes than it shows). Environment variables are listed by
name only: values may be secrets.
"""

from __future__ import annotations

import json
import re
from typing import IO

from readycheck import __version__
from readycheck.core.findings import Span
from readycheck.model.project import Project


#: Steps started by a process manager or inherited from a base image: the text report says by what.
_MANAGED = re.compile(r"^(supervisord |systemd |s6 service |honcho |foreman |overmind |hivemind )|\(base image: ")


def _known(value: object) -> str:
    """A host or port as the text report prints it: ``?`` where the repository does not say (a
    config file that is not in it), not Python's ``None``."""
    return "?" if value is None else str(value)


def _where(path: str, span: Span) -> dict:
    return {"path": path, "line": span.line, "column": span.column}


def model(project: Project, root_label: str) -> dict:
    starts = []
    for start in project.start_commands:
        server = start.server
        entry = {
            **_where(start.path, start.span),
            "origin": start.origin, "process": start.process, "program": start.program or None, "role": start.role,
            "development": start.development, "shell_form": start.shell_form,
            "replicas": start.replicas.text if start.replicas else None,
            "ports": [t.text for t in start.ports],
            "env": sorted(start.env),
            "chain": [{"argv": c.words, "via": c.via, "exec": c.exec_, "shell": c.shell or None,
                       **_where(c.argv[0].path, c.argv[0].span)} for c in start.chain if c.argv],
            "server": None,
        }
        if server is not None:
            host, port, setting = server.host_port()
            if port is None and setting is not None:  # "$PORT": say so rather than "None"
                bind = server.settings.get("bind")
                given = server.settings.get("port")
                port = bind.value.rsplit(":", 1)[-1] if bind is not None else (given.value if given else None)
            entry["server"] = {
                "name": server.label,
                "target": server.target.text if server.target else None,
                "host": host, "port": port,
                "settings": {name: {"value": s.value, "source": s.source, **_where(s.path, s.span)}
                             for name, s in sorted(server.settings.items())},
                **_where(server.program.path, server.program.span),
                "entry": {"call": server.entry.text, "via": server.entry_via, **_where(server.entry.path,
                                                                                         server.entry.span)}
                if server.entry is not None else None,
            }
        starts.append(entry)
    service = {a.key for a in project.service_apps}
    apps = []
    for app in sorted(project.web.apps, key=lambda a: (a.module.path, a.span)):
        routes = [{"methods": list(r.methods), "path": path or "/",
                   "handler": r.handler.qualname if r.handler else None,
                   "async": r.handler.is_async if r.handler else None,
                   "file": r.module.path, "line": r.span.line, "column": r.span.column}
                  for path, r in app.all_routes()]
        unresolved = [{**_where(u.module.path, u.span), "registration": u.what, "reason": u.why or None} for u in app.unresolved_links()]
        apps.append({**_where(app.module.path, app.span), "name": app.name, "framework": app.framework,
                     "service": app.key in service, "mounted": app.included, "routes": routes,
                     "unresolved": unresolved})
    return {"schema_version": 1, "tool": {"name": "readycheck", "version": __version__}, "root": root_label,
            "start_commands": starts, "health_checks": health_checks(project), "apps": apps,
            "migrations": migrations(project),
            "diagnostics": [{"path": d.path, "line": d.line, "message": d.message} for d in project.diagnostics]}


def health_checks(project: Project) -> list[dict]:
    """Every health check the platforms declare, where it is written (a Helm chart's values.yaml for a
    probe its template renders from there), and the probes a values.yaml leaves empty."""
    out = [{"platform": p.platform, "kind": p.kind, "owner": p.owner or None, "http_path": p.http_path,
            "command": p.command, "declared_in": p.path, "empty": False, **_where(p.file, p.span)}
           for p in project.probes]
    out += [{"platform": p.platform, "kind": p.kind, "owner": p.owner or None, "http_path": None, "command": None,
             "declared_in": p.path, "empty": True, **_where(p.file, p.span)} for p in project.unset_probes]
    return out


def _health_lines(checks: list[dict]) -> list[str]:
    if not checks:
        return []
    lines = ["", f"Health checks ({len(checks)}):"]
    for check in checks:
        what = "empty: no probe" if check["empty"] else (f"GET {check['http_path']}" if check["http_path"] else
                                                         check["command"] or "(no path)")
        owner = f" {check['owner']}" if check["owner"] else ""
        rendered = f"  (rendered by {check['declared_in']})" if check["declared_in"] != check["path"] else ""
        lines.append(f"  {check['path']}:{check['line']}  {check['platform']}{owner} {check['kind']}: {what}"
                     f"{rendered}")
    return lines


def migrations(project: Project) -> dict:
    """The migration model: each history's revision graph and heads, and which migrations are judged."""
    model = project.migrations
    histories: dict[tuple[str, str], list] = {}
    for migration in model.migrations:
        histories.setdefault((migration.tool, migration.folder), []).append(migration)
    out = []
    for (tool, folder), members in sorted(histories.items()):
        entries = [{"path": m.path, "line": m.span.line, "revision": m.revision, "down_revisions": list(m.down_revisions),
                    "version": ".".join(map(str, m.version)) or None, "judged": m.judged, "reason": m.reason or None,
                    "operations": len(m.operations)} for m in members]
        out.append({"tool": tool, "folder": folder or ".",
                    "heads": model.heads(folder) if tool == "alembic" else [], "migrations": entries})
    return {"selection": model.selection, "postgresql": model.postgres,
            "postgresql_evidence": model.postgres_evidence or None,
            "judged": [m.path for m in model.judged], "histories": out}


def _migration_lines(data: dict) -> list[str]:
    if not data["histories"]:
        return []
    database = f"PostgreSQL ({data['postgresql_evidence']})" if data["postgresql"] else \
        "not known to be PostgreSQL (SQL and PostgreSQL-only rules not applied)"
    lines = ["", f"Migrations ({sum(len(h['migrations']) for h in data['histories'])}, "
                 f"{len(data['judged'])} judged: {data['selection']}; database {database}):"]
    for history in data["histories"]:
        heads = f"  heads: {', '.join(history['heads'])}" if history["heads"] else ""
        lines.append(f"  {history['folder']} ({history['tool']}, {len(history['migrations'])} migrations){heads}")
        members = history["migrations"]
        judged = [m for m in members if m["judged"]]
        shown = members if len(members) <= 50 else judged + [m for m in members if not m["judged"]][-(50 - len(judged)):]
        for m in sorted(shown, key=lambda m: m["path"]):
            ident = m["revision"] or m["version"] or "?"
            parents = f" <- {', '.join(m['down_revisions']) or '(base)'}" if history["tool"] == "alembic" else ""
            mark = f"  [judged: {m['reason']}, {m['operations']} operations]" if m["judged"] else ""
            lines.append(f"    {ident}{parents}  {m['path']}:{m['line']}{mark}")
        if len(shown) < len(members):
            lines.append(f"    ... {len(members) - len(shown)} more (use --format json)")
    return lines


def write(project: Project, out: IO[str], root_label: str, fmt: str) -> None:
    data = model(project, root_label)
    if fmt == "json":
        from readycheck.reporters import json_safe

        out.write(json_safe(json.dumps(data, indent=2, ensure_ascii=False)))
        out.write("\n")
        return
    from readycheck.reporters import clean_line

    lines = [f"Start commands ({len(data['start_commands'])}):"]
    for start in data["start_commands"]:
        flags = [start["role"]] + (["development"] if start["development"] else []) + \
                ([f"replicas={start['replicas']}"] if start["replicas"] else [])
        program = f" {start['program']}" if start["program"] else ""
        lines.append(f"  {start['path']}:{start['line']}  {start['origin']} {start['process']}{program}  "
                     f"({', '.join(flags)})")
        for step in start["chain"]:
            marker = "exec " if step["exec"] else ""
            started_by = f"  [{step['via']}]" if _MANAGED.search(step["via"] or "") else ""
            lines.append(f"    {step['path']}:{step['line']}  {marker}{' '.join(step['argv'])}{started_by}")
        server = start["server"]
        if server:
            lines.append(f"    server: {server['name']} {server['target'] or ''}  listens "
                         f"{_known(server['host'])}:{_known(server['port'])}")
            if server["entry"]:
                entry = server["entry"]
                lines.append(f"      started by {entry['call']} at {entry['path']}:{entry['line']}  ({entry['via']})")
            for name, setting in server["settings"].items():
                lines.append(f"      {name} = {setting['value']}  ({setting['source']}, "
                             f"{setting['path']}:{setting['line']})")
    lines += _health_lines(data["health_checks"])
    lines.append("")
    lines.append(f"Web apps ({len(data['apps'])}):")
    for app in data["apps"]:
        tag = " [service]" if app["service"] else (" [mounted]" if app["mounted"] else "")
        lines.append(f"  {app['path']}:{app['line']}  {app['name']} ({app['framework']}, "
                     f"{len(app['routes'])} routes){tag}")
        for route in app["routes"][:50]:
            kind = "async" if route["async"] else "def"
            lines.append(f"    {'/'.join(route['methods']):<7} {route['path']}  -> {route['handler']} ({kind})")
        if len(app["routes"]) > 50:
            lines.append(f"    ... {len(app['routes']) - 50} more (use --format json)")
        if app["unresolved"]:
            lines.append(f"    routes may be missing: readycheck cannot follow {len(app['unresolved'])} "
                         f"registration{'s' if len(app['unresolved']) != 1 else ''}:")
            for link in app["unresolved"]:
                why = f"  ({link['reason']})" if link["reason"] else ""
                lines.append(f"      {link['path']}:{link['line']}  {link['registration']}{why}")
    lines += _migration_lines(data["migrations"])
    # Every name, path and value here comes from scanned files: control characters and
    # line breaks are escaped line by line (the report itself writes none).
    out.write("\n".join(clean_line(line) for line in lines) + "\n")
