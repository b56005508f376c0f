"""Benchmarks of Grassroots: data generation, issuing down, roll-ups (and later the assessment engine)."""
