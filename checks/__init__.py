"""The built-in checks. Installed as ``readycheck_checks`` (so a scanned repo's own
``checks/`` can never shadow it) and registered through the ``readycheck.checks``
entry-point group, like any third-party check. They import only ``readycheck.api``."""
