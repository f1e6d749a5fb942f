"""Timing shared by the PyTorch twins of the benchmarks (bench/torch_*.py)."""
import time


def median_ms(fn, seconds=1.0):
    """The median of fn()'s wall times in ms over at least `seconds` (and 3 runs), after one warm-up
    call: the C++ side's typical time."""
    fn()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return sorted(times)[len(times) // 2]
