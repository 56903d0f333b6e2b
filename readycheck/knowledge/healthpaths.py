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
    """Whether a route's full path names a health endpoint (``/api/v1/utils/health-check/``)."""
    segments = [seg for seg in path.lower().split("/") if seg]
    return bool(segments) and segments[-1] in HEALTH_SEGMENTS
