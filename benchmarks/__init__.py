"""Benchmarks: generators and timing commands (run by hand, not in CI)."""
