"""``python -m readycheck``.

``python -m`` puts the current directory first on ``sys.path``. When that
directory is a scanned repository with its own ``checks/`` or ``yaml.py``, it
would shadow readycheck's dependencies, so it is dropped before anything else
is imported. This cannot protect against a repository with its own
``readycheck/`` package: Python imports that one, not this file, before any of
readycheck's code runs. Inside a checkout that is not yours, run the
``readycheck`` command (or ``python -I -m readycheck``), as the Action and the
pre-commit hook do.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from readycheck.cli import console_main  # noqa: E402

console_main()
