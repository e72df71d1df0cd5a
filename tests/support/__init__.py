"""Test support: a throw-away PostgreSQL server (``postgres``) and the database fixtures
that run a suite against SQLite and PostgreSQL alike."""
