"""One front end per file format (Dockerfile, Python, shell, YAML, requirements, SQL, Alembic,
process-manager files): text in, plain records with exact positions out.

May import: ``readycheck.core``, ``readycheck.knowledge``.
"""
