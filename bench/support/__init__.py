"""Shared pieces of the benchmarks: seeded data, the server process, the floor routes, stats."""
