"""Print the size and power numbers quoted in docs/statistics.md ("Changes and gaps").

Run from the repository root:  PYTHONPATH=. python docs/statistics/changes_numbers.py
It uses the same enumeration and simulation code as tests/test_change_test.py (which
asserts the bounds); this script only prints the values, to 0.01 percentage point.
"""

from __future__ import annotations

import numpy as np

from nps_report import stats
from tests import test_change_test as T


def percent(x: float) -> str:
    return f"{100 * x:.2f}%"


def main() -> None:
    grid = sorted(T.GRID_SHARES)
    print("False-'significant' rate at 5% when nothing changed (n per quarter x true NPS)")
    print("n    test            " + "  ".join(f"NPS {k:+d}".rjust(9) for k in grid))
    for n in (5, 10, 20):
        row = [percent(T.exact_size(n, n, T.GRID_SHARES[k])) for k in grid]
        print(f"{n:<4} exact (used)    " + "  ".join(v.rjust(9) for v in row))
    row = [percent(T.enumerated_size(30, 30, T.GRID_SHARES[k], T.score_pvalues)) for k in grid]
    print(f"{30:<4} score (used)    " + "  ".join(v.rjust(9) for v in row))
    row = []
    for k in grid:  # the seeds of test_size_of_score_test_by_simulation_at_n100
        rng = np.random.default_rng(20261201 + k)
        c1 = rng.multinomial(100, T.GRID_SHARES[k], size=200_000).T
        c2 = rng.multinomial(100, T.GRID_SHARES[k], size=200_000).T
        row.append(percent(np.mean(np.nan_to_num(T.score_pvalues(c1, c2), nan=1.0) < T.ALPHA)))
    print(f"{100:<4} score (used)    " + "  ".join(v.rjust(9) for v in row)
          + "  (simulated, MC s.e. 0.05)")
    for n in (5, 10, 20, 30):
        shares = [T.GRID_SHARES[k] for k in grid]
        unpooled = [percent(T.enumerated_size(n, n, s, T.wald_pvalues)) for s in shares]
        pooled = [percent(T.enumerated_size(n, n, s, T.score_pvalues)) for s in shares]
        print(f"{n:<4} unpooled Wald   " + "  ".join(v.rjust(9) for v in unpooled))
        print(f"{n:<4} score, normal   " + "  ".join(v.rjust(9) for v in pooled))
    row = [percent(T.exact_size(5, 60, T.GRID_SHARES[k])) for k in grid]
    print("5 vs 60 exact (used) " + "  ".join(v.rjust(9) for v in row))

    rng = np.random.default_rng(1000)  # the seed of test_size_at_the_ends_of_the_range
    c1 = rng.multinomial(1000, T.GRID_SHARES[0], size=100_000).T
    c2 = rng.multinomial(1000, T.GRID_SHARES[0], size=100_000).T
    print("1000 score (used), NPS 0:", percent(np.mean(T.score_pvalues(c1, c2) < T.ALPHA)))
    print("30 score (used), NPS +90:",
          percent(T.enumerated_size(30, 30, (0.02, 0.06, 0.92), T.score_pvalues)))

    print("\nPower of the score test at the minimum detectable effect (80% intended)")
    for n1, n2, base in [(100, 100, (0.3, 0.4, 0.3)), (30, 60, (0.3, 0.4, 0.3)),
                         (200, 200, (0.2, 0.3, 0.5))]:
        d, pa, p = base
        delta = 0.1
        for _ in range(50):
            delta = stats.minimum_detectable_effect(
                n1, n2, stats.variance_from_counts(d - delta / 4, pa, p + delta / 4), scale=1.0)
        rng = np.random.default_rng(n1 * 1000 + n2)
        c1 = rng.multinomial(n1, (d - delta / 2, pa, p + delta / 2), size=40_000).T
        c2 = rng.multinomial(n2, base, size=40_000).T
        power = np.mean(np.nan_to_num(T.score_pvalues(c1, c2), nan=1.0) < T.ALPHA)
        print(f"n {n1} vs {n2}, shares {base}: MDE {100 * delta:.1f} points, "
              f"power {percent(power)}")


if __name__ == "__main__":
    main()
