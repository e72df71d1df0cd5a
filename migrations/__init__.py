"""Alembic migrations of the journal database, shipped as a package so installs include them.

``bot.journal.migrate`` finds this directory through the package (never the working
directory) and runs ``env.py`` from it. Importing this package has no side effects.
"""
