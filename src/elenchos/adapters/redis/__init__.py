"""Adapters for Redis, installed with the `redis` extra: pip install 'elenchos[redis]'."""
