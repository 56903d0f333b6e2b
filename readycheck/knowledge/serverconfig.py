"""Normalised server settings: one vocabulary for every server and every place a setting lives.

``workers``, ``worker_class``, ``host``, ``port``, ``bind`` (host:port as written),
``timeout``, ``graceful_timeout``, ``reload``, ``config`` (gunicorn ``-c``), each with
the token it came from and where: the command line, an environment variable the
server reads (``WEB_CONCURRENCY``, ``GUNICORN_CMD_ARGS``, ``UVICORN_*``, ``PORT``
for gunicorn), a gunicorn config file read statically, or ``uvicorn.run(...)``
keyword arguments. Precedence follows the servers: command line over environment
over config file over defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from readycheck.core.findings import Span

#: flag -> setting name, per server.
FLAGS: dict[str, dict[str, str]] = {
    "gunicorn": {"-w": "workers", "--workers": "workers", "-k": "worker_class", "--worker-class": "worker_class",
                 "-b": "bind", "--bind": "bind", "-t": "timeout", "--timeout": "timeout",
                 "--graceful-timeout": "graceful_timeout", "--reload": "reload", "-c": "config", "--config": "config"},
    "uvicorn": {"--workers": "workers", "--host": "host", "--port": "port", "--reload": "reload",
                "--timeout-graceful-shutdown": "graceful_timeout", "--uds": "bind", "--fd": "bind"},
    "hypercorn": {"-w": "workers", "--workers": "workers", "-k": "worker_class", "--worker-class": "worker_class",
                  "-b": "bind", "--bind": "bind", "--graceful-timeout": "graceful_timeout", "--reload": "reload",
                  "-c": "config", "--config": "config"},
    "granian": {"--workers": "workers", "--host": "host", "--port": "port", "--reload": "reload",
                "--interface": "worker_class", "--workers-kill-timeout": "graceful_timeout"},
    "fastapi": {"--workers": "workers", "--host": "host", "--port": "port", "--reload": "reload"},
    "daphne": {"-b": "host", "--bind": "host", "-p": "port", "--port": "port"},
    "flask": {"--host": "host", "-h": "host", "--port": "port", "-p": "port", "--reload": "reload"},
}
#: Host each server binds when none is given.
DEFAULT_HOST = {"uvicorn": "127.0.0.1", "gunicorn": "127.0.0.1", "hypercorn": "127.0.0.1", "granian": "127.0.0.1",
                "daphne": "127.0.0.1", "flask": "127.0.0.1", "fastapi run": "0.0.0.0", "fastapi dev": "127.0.0.1",
                "manage.py": "127.0.0.1"}
DEFAULT_PORT = {"uvicorn": 8000, "gunicorn": 8000, "hypercorn": 8000, "granian": 8000, "daphne": 8000, "flask": 5000,
                "fastapi": 8000, "manage.py": 8000}
#: Keyword arguments of the servers' Python APIs (``uvicorn.run``/``uvicorn.Config``, ``granian.Granian``)
#: -> setting names.
PYTHON_KEYWORDS = {"host": "host", "port": "port", "workers": "workers", "reload": "reload",
                   "timeout_graceful_shutdown": "graceful_timeout", "address": "host"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
GUNICORN_CONF_KEYS = {"workers": "workers", "worker_class": "worker_class", "bind": "bind", "timeout": "timeout",
                      "graceful_timeout": "graceful_timeout", "reload": "reload", "wsgi_app": "target"}


@dataclass(frozen=True)
class Setting:
    value: str  # as written or as the default of an env lookup ("4", "0.0.0.0:8000", "cpu*2+1")
    path: str
    span: Span
    source: str  # "command line", "WEB_CONCURRENCY in Dockerfile ENV", "gunicorn.conf.py", ...
    #: An integer value when statically known.
    number: int | None = None
    #: True when the value scales with the machine's CPU count.
    cpu_based: bool = False
    #: For a count known as a formula of the CPU count (tiangolo's gunicorn_conf.py:
    #: max(2, WORKERS_PER_CORE x cores), at most MAX_WORKERS): its factor, floor and cap.
    per_core: float | None = None
    minimum: int = 0
    maximum: int | None = None

    def for_cores(self, cores: int) -> int | None:
        """The count on a machine of ``cores`` CPUs, when the formula is known (None otherwise)."""
        if self.number is not None:
            return self.number
        if self.per_core is None:
            return None
        count = max(self.minimum, int(self.per_core * cores))
        return min(count, self.maximum) if self.maximum is not None else count


def as_int(text: str) -> int | None:
    """The number a setting holds: ``8000``, or the default of ``${API_PORT:-8000}`` (what the
    shell uses when the variable is unset)."""
    text = text.strip().strip("\"'")
    default = re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(\d+)\}", text)
    if default is not None:
        return int(default.group(1))
    return int(text) if re.fullmatch(r"\d+", text) else None


def split_bind(bind: str) -> tuple[str | None, int | None]:
    """(host, port) of a gunicorn/hypercorn bind: "0.0.0.0:8000", ":$PORT", "[::]:80", "unix:/x"."""
    bind = bind.strip().strip("\"'")
    if bind.startswith(("unix:", "fd://")):
        return None, None
    if bind.startswith("["):
        host, _, port = bind[1:].partition("]")
        port = port.lstrip(":")
    elif "${" in bind and bind.index("${") > 0 and bind[bind.index("${") - 1] == ":":  # 0.0.0.0:${PORT:-8000}
        at = bind.index("${")
        host, port = bind[:at - 1], bind[at:]
    elif bind.count(":") == 1:
        host, _, port = bind.partition(":")
    else:
        host, port = bind, ""
    return (host or "0.0.0.0"), as_int(port) if port else None


def evaluate(value) -> tuple[str, int | None, bool]:
    """(text, integer, cpu-based) of a Python value summary from a config file or
    ``uvicorn.run`` call: literals, ``os.getenv("X", default)`` (the default),
    ``int(...)`` around it, and formulas over ``multiprocessing.cpu_count()``."""
    kind = value.kind
    if kind in ("int", "str", "bool"):
        return value.text, as_int(value.text) if kind != "bool" else None, False
    if kind == "call":
        callee = value.text or ""
        if callee.endswith(("cpu_count", "sched_getaffinity")):
            return "cpu_count()", None, True
        if callee in ("int", "str", "float") and value.items:
            return evaluate(value.items[0])
        if callee in ("os.getenv", "os.environ.get") and value.items:
            name = value.items[0].text if value.items[0].kind == "str" else "?"
            if len(value.items) > 1:
                text, number, cpu = evaluate(value.items[1])
                return text, number, cpu
            return f"${name}", None, False
    if kind == "binop":
        parts = [evaluate(v) for v in value.items]
        if any(cpu for _, _, cpu in parts):
            return "cpu_count() formula", None, True
        return "<expression>", None, False
    if kind == "list" and value.items:
        return evaluate(value.items[0])
    return "<dynamic>", None, False


def settings_from_flags(name: str, options: dict, flag_tokens: dict, source: str) -> dict[str, Setting]:
    out: dict[str, Setting] = {}
    table = FLAGS.get(name, {})
    for flag, token in flag_tokens.items():
        setting = table.get(flag)
        if setting is None:
            continue
        value_token = options.get(flag)
        shown = value_token if value_token is not None else token
        text = value_token.text if value_token is not None else "true"
        out[setting] = Setting(text, shown.path, shown.span, source, as_int(text))
    return out
