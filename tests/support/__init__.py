"""Helpers every test package imports by name: `from support.objects import pod` (see tests/conftest.py)."""
