"""Server options that reach ``uvicorn.run``/``uvicorn.Config`` through locals, mappings, helpers and
callers (readycheck.model.callvalues): what is certain is resolved, the rest stays unknown."""

from __future__ import annotations

import pytest

from helpers import write_tree
from readycheck.engine.discovery import discover
from readycheck.model.project import Project

CASES = {
    "local mapping": ("""
        import uvicorn
        def main():
            kwargs = {"host": "0.0.0.0", "reload": True}
            uvicorn.run("app.web:app", **kwargs)
        main()
        """, {"host": "0.0.0.0", "reload": "true"}, True),
    "helper mapping into uvicorn.Config": ("""
        import uvicorn
        def server_kwargs():
            return dict(host="0.0.0.0", workers=2)
        config = uvicorn.Config("app.web:app", **server_kwargs())
        uvicorn.Server(config).run()
        """, {"host": "0.0.0.0", "workers": "2"}, True),
    "helpers returning a literal and a settings comparison": ("""
        import uvicorn
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            ENV: str = "production"
        settings = Settings()
        def get_port():
            return 9000
        def is_dev():
            return settings.ENV == "local"
        uvicorn.run("app.web:app", port=int(get_port()), reload=is_dev())
        """, {"port": "9000", "reload": "false"}, True),
    "two different returns": ("""
        import os
        import uvicorn
        def is_dev():
            if os.getenv("DEV"):
                return True
            return False
        uvicorn.run("app.web:app", reload=is_dev())
        """, {"reload": "<dynamic>"}, True),
    "a body that may end without a return": ("""
        import os
        import uvicorn
        def get_host():
            if os.getenv("PUBLIC"):
                return "0.0.0.0"
        uvicorn.run("app.web:app", host=get_host())
        """, {"host": "<dynamic>"}, True),
    "a key set in a branch, a mapping changed by a call": ("""
        import os
        import uvicorn
        from app.conf import extra
        def main():
            kwargs = {"host": "0.0.0.0"}
            if os.getenv("DEV"):
                kwargs["reload"] = True
            kwargs.update(extra)
            uvicorn.run("app.web:app", **kwargs)
        main()
        """, {"host": "<dynamic>", "reload": "<dynamic>"}, False),
    "a splat after a key may replace it, a key after it is certain": ("""
        import uvicorn
        from app.conf import base
        uvicorn.run("app.web:app", **{"host": "127.0.0.1", **base, "reload": False})
        """, {"host": "<dynamic>", "reload": "false"}, False),
    "a local reassigned": ("""
        import os
        import uvicorn
        def main():
            host = "127.0.0.1"
            if os.getenv("PUBLIC"):
                host = "0.0.0.0"
            uvicorn.run("app.web:app", host=host)
        main()
        """, {"host": "<dynamic>"}, True),
    "a parameter from its caller's positional argument and its own default": ("""
        import uvicorn
        def _run(host, reload=True, workers=1):
            uvicorn.run("app.web:app", host=host, reload=reload, workers=workers)
        def main():
            _run("0.0.0.0", workers=4)
        main()
        """, {"host": "0.0.0.0", "reload": "true", "workers": "4"}, True),
    "a caller passing *args: unknown": ("""
        import sys
        import uvicorn
        def _run(host, reload=False):
            uvicorn.run("app.web:app", host=host, reload=reload)
        def main():
            _run(*sys.argv[1:], reload=False)
        main()
        """, {"host": "<dynamic>", "reload": "false"}, True),
    # Review: names bound again other than by ``name = value`` were taken for a local assigned once.
    "locals rebound by unpacking, an augmented assignment, a with": ("""
        import uvicorn
        from app import conf
        def main():
            reload = True
            reload, extra = conf.values()
            workers = 4
            workers += conf.more()
            host = "127.0.0.1"
            with conf.bind() as host:
                pass
            uvicorn.run("app.web:app", host=host, reload=reload, workers=workers)
        main()
        """, {"host": "<dynamic>", "reload": "<dynamic>", "workers": "<dynamic>"}, True),
    "a module constant rebound by unpacking": ("""
        import uvicorn
        from app import conf
        RELOAD = True
        RELOAD, HOST = conf.values()
        uvicorn.run("app.web:app", reload=RELOAD)
        """, {"reload": "<dynamic>"}, True),
    "a mapping changed by del": ("""
        import uvicorn
        def main():
            kwargs = {"reload": True, "host": "0.0.0.0"}
            del kwargs["reload"]
            uvicorn.run("app.web:app", **kwargs)
        main()
        """, {"reload": "<dynamic>", "host": "0.0.0.0"}, True),
    "a mapping changed by |=": ("""
        import uvicorn
        def main():
            kwargs = {"reload": True}
            kwargs |= {"reload": False}
            uvicorn.run("app.web:app", **kwargs)
        main()
        """, {"reload": "<dynamic>"}, True),
    "keys of a mapping assigned by unpacking": ("""
        import uvicorn
        from app import conf
        def main():
            kwargs = {"reload": True, "host": "0.0.0.0"}
            (kwargs["reload"], kwargs["workers"]) = conf.values()
            uvicorn.run("app.web:app", **kwargs)
        main()
        """, {"reload": "<dynamic>", "host": "0.0.0.0", "workers": "<dynamic>"}, True),
    "a local or a parameter named like a module helper": ("""
        import uvicorn
        def get_reload():
            return True
        def get_host():
            return "0.0.0.0"
        def main(get_host=None):
            get_reload = lambda: False
            uvicorn.run("app.web:app", host=get_host(), reload=get_reload())
        main()
        """, {"host": "<dynamic>", "reload": "<dynamic>"}, True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_options_through_helpers(tmp_path, name):
    main, expected, complete = CASES[name]
    write_tree(tmp_path, {"Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "app"]\n',
                          "app/__init__.py": "", "app/__main__.py": main})
    (start,) = Project(tmp_path, discover(tmp_path)).start_commands
    assert start.server is not None and start.server.name == "uvicorn"
    assert {k: v.value for k, v in start.server.settings.items()} == expected
    assert start.server.settings_complete is complete


def test_helpers_calling_helpers_stay_bounded(tmp_path):
    """Forty helpers of four returns each calling the next: 4**depth paths, followed within a fixed
    budget of steps (time linear in the input), and the value stays unknown."""
    from readycheck.core.findings import Span
    from readycheck.model.callvalues import CallValues, Frame
    from readycheck.parsers.python import Function

    helpers = "\n".join(f"def h{i}():\n    if x:\n        return h{i + 1}()\n    if y:\n        return h{i + 1}()\n"
                        f"    if z:\n        return h{i + 1}()\n    return h{i + 1}()\n" for i in range(40))
    main = f"import uvicorn\nx = y = z = 1\n{helpers}\ndef h40():\n    return True\n" \
           f"uvicorn.run('app.web:app', reload=h0())\n"
    write_tree(tmp_path, {"app/__init__.py": "", "app/__main__.py": main}, dedent=False)
    project = Project(tmp_path, discover(tmp_path))
    module = project.python.module("app.__main__")
    (call,) = [c for c in module.module_calls if c.callee == "uvicorn.run"]
    values = CallValues(project)
    resolved, _ = values.value(Frame(Function("__main__", "<main block>", False, Span(1)), module),
                               call.call.kwarg("reload"))
    assert resolved.value.kind == "call"  # not followed to a literal: four different paths
    assert values.steps < 4000  # MAX_STEPS is 2000; unbounded, 4**9 paths: about 260,000 steps
