"""Print the coverage numbers quoted in docs/statistics.md ("NPS and its interval").

Run from the repository root:  PYTHONPATH=. python docs/statistics/interval_numbers.py
It uses the seeded simulation of tests/test_stats.py (which asserts 93-97% in every cell);
this script only prints the values.
"""

from __future__ import annotations

from tests import test_stats as T


def main() -> None:
    print("Coverage of 95% adjusted-Wald intervals (2,000 seeded draws per cell)")
    print("n      " + "  ".join(f"NPS {k:+d}".rjust(9) for k in T.TRUE_NPS))
    for n in T.SAMPLE_SIZES:
        row = [T.coverage("adjusted_wald", k, n, seed=n * 1000 + k + 50) for k in T.TRUE_NPS]
        print(f"{n:<6} " + "  ".join(f"{100 * r:.1f}%".rjust(9) for r in row))
    print(f"plain Wald at NPS +70, n 10: {100 * T.coverage('wald', 70, 10, seed=1):.1f}%")


if __name__ == "__main__":
    main()
