"""Benchmarks (`python -m bench`); not tests: pytest never collects this package."""
