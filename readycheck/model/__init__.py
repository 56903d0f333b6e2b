"""The repository as typed facts, built lazily from the parsers: ``Project`` and what it
aggregates (deployment files read by one reader per platform in ``deployments/``, start commands,
probes, web apps, reachability, migrations, entry points).

May import: ``readycheck.core``, ``readycheck.knowledge``, ``readycheck.parsers``.
"""
