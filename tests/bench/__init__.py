"""The benchmarks keep running."""
