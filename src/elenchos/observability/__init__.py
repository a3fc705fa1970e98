"""Logging, request ids and metrics: what operators see of a running service."""
