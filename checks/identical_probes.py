"""RC503 identical-probes: liveness and readiness probes of a container check the same thing.

What it does
    Flags a Kubernetes container whose livenessProbe and readinessProbe request
    the same HTTP path (or run the same command).

Why is this bad
    Readiness should fail when a dependency (the database) is down, so traffic
    goes elsewhere; liveness should fail only when the process itself is stuck,
    so it gets restarted. With one endpoint for both, a database blip makes
    every pod fail liveness too, and the orchestrator restarts the whole fleet
    at once, turning a short outage into a long one.

Example
    livenessProbe:  {httpGet: {path: /health, port: 8000}}
    readinessProbe: {httpGet: {path: /health, port: 8000}}

Use instead
    livenessProbe:  {httpGet: {path: /healthz, port: 8000}}   # no I/O
    readinessProbe: {httpGet: {path: /readyz, port: 8000}}    # checks the database
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity, helm_chart_repo

if TYPE_CHECKING:
    from readycheck.api import Probe, Project


class IdenticalProbes(Check):
    id = "RC503"
    name = "identical-probes"
    severity = Severity.WARNING
    summary = "A container's liveness and readiness probes are identical"
    fix = "Give liveness a cheap endpoint with no I/O (/healthz) and readiness one that checks dependencies (/readyz)."
    tags = ("health", "kubernetes")
    examples = (
        Example({"k8s.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      livenessProbe: {httpGet: {path: /health, port: 8000}}
                      readinessProbe: {httpGet: {path: /health, port: 8000}}
            """}, expect=['k8s.yaml:10:44 Deployment api/web: readinessProbe and livenessProbe both check /health'], title="same path"),
        Example({"k8s.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      livenessProbe: {httpGet: {path: /healthz, port: 8000}}
                      readinessProbe: {httpGet: {path: /readyz, port: 8000}}
                    - name: worker
                      livenessProbe: {exec: {command: [cat, /tmp/alive]}}
            """}, title="separate endpoints; a container with one probe"),
        Example(helm_chart_repo("livenessProbe:\n  httpGet: {path: /health, port: 8000}\nreadinessProbe:\n"
                                "  httpGet: {path: /health, port: 8000}\n"),
                expect=["chart/values.yaml:4:19 Deployment {{\u2026}}/api: readinessProbe and livenessProbe both check "
                        "/health"],
                title="a Helm chart's probes, both set in its values.yaml"),
        Example(helm_chart_repo("livenessProbe:\n  httpGet: {path: /health, port: 8000}\nreadinessProbe:\n"
                                "  httpGet: {path: /ready, port: 8000}\n"),
                title="the chart's values.yaml probes two paths"),
    )

    def run(self, project: Project):
        by_owner: dict[tuple[str, str], dict[str, Probe]] = {}
        for probe in project.probes:
            if probe.platform == "Kubernetes" and probe.kind in ("liveness", "readiness"):
                by_owner.setdefault((probe.path, probe.owner), {})[probe.kind] = probe
        for (_path, owner), kinds in sorted(by_owner.items()):
            live, ready = kinds.get("liveness"), kinds.get("readiness")
            if live is None or ready is None:
                continue
            same = (live.http_path is not None and live.http_path == ready.http_path) or \
                   (live.command is not None and live.command == ready.command)
            if same:
                what = live.http_path or live.command
                yield self.finding(ready.file, ready.span,
                                   f"{owner}: readinessProbe and livenessProbe both check {what}",
                                   related=[Related(live.file, live.span, "livenessProbe")])
