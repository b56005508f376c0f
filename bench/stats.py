"""Samples, not single timings: each measure is taken BENCH_SAMPLES times (at least 5), reported as its median with
the spread (min and max); a ratio is the ratio of the two sides' medians, its spread the least and greatest ratio of
the samples taken side by side (the two sides alternate, so that each pair ran in the same state of the machine)."""

import os
import statistics
import time

SAMPLES = max(5, int(os.environ.get("BENCH_SAMPLES", "5")))


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def summary(name: str, seconds: list[float]) -> dict:
    """`name` the median, `name_min` and `name_max` the spread, `name_samples` how many."""
    return {
        name: statistics.median(seconds),
        f"{name}_min": min(seconds),
        f"{name}_max": max(seconds),
        f"{name}_samples": len(seconds),
    }


def ratio(name: str, slow: list[float], fast: list[float]) -> dict:
    """slow ÷ fast: the ratio of the medians, and the range of the ratios of the samples taken side by side."""
    pairs = [s / max(f, 1e-9) for s, f in zip(slow, fast, strict=True)]
    return {
        name: statistics.median(slow) / max(statistics.median(fast), 1e-9),
        f"{name}_min": min(pairs),
        f"{name}_max": max(pairs),
    }


def alternate(first, second, samples: int = SAMPLES) -> tuple[list[float], list[float], object, object]:
    """Time `first` and `second` in turn, `samples` times each; their times and their last values."""
    times_a, times_b, value_a, value_b = [], [], None, None
    for _ in range(samples):
        seconds, value_a = timed(first)
        times_a.append(seconds)
        seconds, value_b = timed(second)
        times_b.append(seconds)
    return times_a, times_b, value_a, value_b
