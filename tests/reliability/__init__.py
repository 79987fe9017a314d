"""Reliability: unavailable databases, concurrency, idempotency, auth order, backups."""
