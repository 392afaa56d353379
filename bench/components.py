"""Timings of the package's heaviest functions, one at a time (``make bench`` prints them).

These used to be wall-clock assertions in the test suite, where a busy machine failed
them; here they are measured and reported, never asserted.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd


def best_of(func, repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls of ``func`` (after one warm-up call), in seconds."""
    func()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def key_drivers_1000x5() -> float:
    from nps_report import drivers

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(np.clip(np.round(rng.normal(7, 1.8, (1000, 5))), 1, 10), columns=list("abcde"))
    frame["score"] = np.clip(np.round(frame.to_numpy() @ [0.5, 0.4, 0.1, 0.1, 0.1] - 5
                                      + rng.normal(0, 1.5, 1000)), 0, 10)
    return best_of(lambda: drivers.key_drivers(frame, drivers=list("abcde"), n_boot=200))


def themes_5000_comments() -> float:
    from nps_report import demo, themes

    rng = np.random.default_rng(0)
    templates = [t for texts in demo.COMMENT_TEMPLATES.values() for t in texts]
    words = ("honestly we use it every day across the whole company and the team in london "
             "relies on it for reporting").split()
    comments = [f"{templates[rng.integers(len(templates))]} "
                f"{' '.join(rng.choice(words, size=rng.integers(2, 8)))} #{i}" for i in range(5000)]
    data = pd.DataFrame({"score": rng.integers(0, 11, 5000), "comment": comments})
    return best_of(lambda: themes.analyze_comments(data), repeat=1)


def timestamps_1m() -> float:
    from nps_report.io.dates import parse_timestamps

    start = pd.Timestamp("2025-01-01")
    stamps = start + pd.to_timedelta(np.random.default_rng(0).integers(0, 40_000_000, 1_000_000), unit="s")
    text = pd.Series(stamps.strftime("%Y-%m-%d %H:%M:%S"), dtype=object)
    return best_of(lambda: parse_timestamps(text, source_timezone="Europe/Paris"), repeat=1)


COMPONENTS = {
    "key drivers, 1,000 responses x 5 ratings, 200 bootstrap resamples": key_drivers_1000x5,
    "comment themes of 5,000 comments (taxonomy, topics, sentiment)": themes_5000_comments,
    "parse 1,000,000 ISO timestamps (Europe/Paris to UTC)": timestamps_1m,
}


def run() -> dict:
    """Time every component; print and return ``{name: seconds}``."""
    results = {}
    for name, func in COMPONENTS.items():
        results[name] = round(func(), 3)
        print(f"  {name}: {results[name]:.2f} s")
    return results


if __name__ == "__main__":
    run()
