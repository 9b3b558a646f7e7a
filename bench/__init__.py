"""Benchmarks of the execution engine against testinfra's stock backends (``python -m bench``)."""
