"""Benchmarks: `make bench` (python -m bench). Results are ratios to a baseline measured in the same run."""
