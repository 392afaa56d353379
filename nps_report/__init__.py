"""nps-report: turn NPS survey exports into per-team and per-quarter reports.

The names an analyst needs, in the order of a report's story (``import nps_report as nr``):

========================  ==================================================================
``load_context``          a build's data and options (``None``: the demo survey, in memory)
``report_tables``         every table of a team report, department summary or the overview
``grouped_nps``           NPS with confidence intervals for every group of some columns
``compare_nps``           two groups' NPS compared: difference, interval, p-value
``trend``                 NPS per quarter over the last quarters, with interval bands
``changes``               quarter-over-quarter and year-over-year changes, with verdicts
``team_vs_rest``          a team against the rest of its department or company
``key_drivers``           which attribute ratings move the score (Shapley / LMG importance)
``analyze_comments``      comment themes, their impact on the NPS, redacted verbatims
``themes_change``         which comment themes grew between two quarters
``recommend``             ranked actions from a report's tables
``flag_anomalies``        score patterns to check before trusting a number
``close_the_loop``        detractors to call back and promoters to thank
``plots``                 seaborn charts drawn from those tables
``render``                the report's HTML blocks and charts with alt text
========================  ==================================================================

The analysis modules stay importable by name (``nps_report.stats``, ``nps_report.benchmarks``
...). Names are imported on first use, so ``import nps_report`` stays fast.
"""

__version__ = "0.1.0"

# name -> (module, attribute); attribute None: the module itself
_PUBLIC = {
    "load_context": ("context", "load_context"),
    "report_tables": ("tables", "report_tables"),
    "grouped_nps": ("stats", "grouped_nps"),
    "compare_nps": ("stats", "compare_nps"),
    "trend": ("benchmarks", "trend"),
    "changes": ("benchmarks", "changes"),
    "team_vs_rest": ("benchmarks", "team_vs_rest"),
    "key_drivers": ("drivers", "key_drivers"),
    "analyze_comments": ("themes", "analyze_comments"),
    "themes_change": ("tables", "themes_change"),
    "recommend": ("actions", "recommend"),
    "flag_anomalies": ("anomalies", "flag_anomalies"),
    "close_the_loop": ("closeloop", "close_the_loop"),
    "plots": ("plots", None),
    "render": ("render", None),
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name):
    if name in _PUBLIC:
        import importlib

        module_name, attribute = _PUBLIC[name]
        module = importlib.import_module(f".{module_name}", __name__)
        value = module if attribute is None else getattr(module, attribute)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
