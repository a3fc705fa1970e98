"""Adapters over the standard library."""
