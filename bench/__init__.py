"""Linkdeck's benchmarks against baselines: ``python -m bench`` (``--smoke`` for CI)."""
