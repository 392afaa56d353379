"""Trend, benchmark and rank charts (filled by the benchmarks work)."""

__all__: list[str] = []
