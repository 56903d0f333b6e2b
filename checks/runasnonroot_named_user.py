"""RC115 runasnonroot-named-user: Kubernetes requires a non-root user the kubelet cannot verify.

What it does
    Flags a Kubernetes workload with ``securityContext.runAsNonRoot: true``
    (pod or container) and no numeric ``runAsUser``, when the repository's app
    Dockerfiles all end with a *named* ``USER`` (``USER app``).

Why is this bad
    The kubelet cannot tell whether a user name is root without the image's
    /etc/passwd, so it refuses to start the container: "container has
    runAsNonRoot and image has non-numeric user (app), cannot verify user is
    non-root". The deploy fails at the last step.

Example
    USER app                         # Dockerfile
    securityContext: {runAsNonRoot: true}

Use instead
    USER 10001                       # or runAsUser: 10001 in the securityContext
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity

if TYPE_CHECKING:
    from readycheck.api import Project, RunAs


def _judged(run_as: RunAs) -> bool:
    """The containers this rule has always judged: a pod template's ``containers``, of every kind but a
    CronJob. An initContainer, or a CronJob's pod (under ``jobTemplate``), fails to start the same way,
    but judging them would change findings: not yet."""
    return not run_as.init and run_as.kind != "CronJob"


class RunAsNonRootNamedUser(Check):
    id = "RC115"
    name = "runasnonroot-named-user"
    severity = Severity.ERROR
    summary = "runAsNonRoot with an image whose USER is a name: the pod will not start"
    fix = "Use a numeric USER in the Dockerfile (USER 10001), or set a numeric runAsUser in the securityContext."
    tags = ("kubernetes", "dockerfile")
    examples = (
        Example({"Dockerfile": "FROM python:3.12-slim\nRUN useradd app\nUSER app\n", "k8s/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            spec:
              template:
                spec:
                  securityContext:
                    runAsNonRoot: true
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0
            """}, expect=["k8s/deploy.yaml:7:9 runAsNonRoot: true without a numeric runAsUser, and the image's USER is `app`: the kubelet cannot verify it and will not start the pod"], title="named USER, runAsNonRoot"),
        Example({"Dockerfile": "FROM python:3.12-slim\nUSER app\n", "k8s/service.yaml": """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata: {name: api}
            spec:
              template:
                spec:
                  securityContext: {runAsNonRoot: false}
                  containers:
                    - name: api
                      securityContext: {runAsNonRoot: true}
            """}, expect=["k8s/service.yaml:10:29 runAsNonRoot: true without a numeric runAsUser, and the image's USER "
                          "is `app`: the kubelet cannot verify it and will not start the pod"],
            title="a Knative Service's container sets it, over its pod's"),
        Example({"Dockerfile": "FROM python:3.12-slim\nUSER app\n", "k8s/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      securityContext:
                        runAsNonRoot: true
                        runAsUser: 10001
            """, "other/Dockerfile": "FROM python:3.12-slim\nUSER 10001\n"},
            title="numeric runAsUser"),
    )

    def run(self, project: Project):
        named = []
        for dockerfile in project.dockerfiles:
            stage = dockerfile.final_stage
            user = stage.last("USER") if stage else None
            if user is None:
                return
            name = user.value.split(":", 1)[0].strip()
            if name.isdigit() or name.startswith("$"):
                return
            named.append((dockerfile, user, name))
        if not named:
            return
        for deployment in project.deployments:
            if deployment.platform != "Kubernetes":
                continue
            for run_as in deployment.run_as:
                non_root = run_as.non_root
                if not _judged(run_as) or non_root is None or non_root.value is not True or \
                        (run_as.user is not None and isinstance(run_as.user.value, int)):
                    continue
                dockerfile, user, name = named[0]
                yield self.finding(deployment.path, non_root.span or dockerfile.span_of(user),
                                   f"runAsNonRoot: true without a numeric runAsUser, and the image's USER is "
                                   f"`{name}`: the kubelet cannot verify it and will not start the pod",
                                   related=[Related(d.path, d.span_of(u), f"USER {n}") for d, u, n in named])
