"""Driver quadrant, importance and theme-impact charts (filled by the drivers work)."""

__all__: list[str] = []
