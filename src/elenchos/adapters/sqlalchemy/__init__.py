"""SQLAlchemy 2 async adapters: one implementation for PostgreSQL and SQLite."""
