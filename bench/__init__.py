"""Benchmarks: ``python -m bench <name> [--json PATH]``; each prints a table and can write its figures as JSON."""
