"""What a health endpoint's path looks like, shared by the health checks.

A module of its own, importing nothing: checks use it when they are loaded, and
loading the checks must not load the parsers (a scan answered from the cache
never needs them).
"""

from __future__ import annotations

#: Last path segments of health endpoints (liveness, readiness, or both), as services name them.
HEALTH_SEGMENTS = {
    "health", "healthz", "healthcheck", "healthchecks", "health-check", "health_check", "healthy", "_health",
    "livez", "live", "liveness", "alive", "readyz", "ready", "readiness", "ping", "status", "heartbeat",
    "hc", "up", "__health__", "_ah",
}


def is_health_path(path: str) -> bool:
    """Whether a route's full path names a health endpoint (``/api/v1/utils/health-check/``). A health
    word right after a path parameter names the state of one object (``/plugins/{plugin}/status``,
    ``/tasks/{pk}/status``), not the service's health."""
    segments = [seg for seg in path.lower().split("/") if seg]
    if not segments or segments[-1] not in HEALTH_SEGMENTS:
        return False
    return not (len(segments) > 1 and segments[-2].startswith("{") and segments[-2].endswith("}"))
