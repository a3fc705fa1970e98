"""SQLAlchemy 2 async adapters, one implementation for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""
