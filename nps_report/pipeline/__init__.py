"""The build: check, load once, plan, write the build tables, run team reports then
department summaries and overviews (papermill, parallel workers), then packs; keep a manifest.

Names are imported on first use: a worker process imports :mod:`.worker` through this
package and needs none of the build's modules (pandas, scipy, the statistics).
"""

# name -> module of this package that defines it
_PUBLIC = {
    "BuildResult": "runner",
    "run_build": "runner",
    "Plan": "plan",
    "Report": "plan",
    "make_plan": "plan",
    "safe_name": "plan",
    "check_templates": "templates",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        import importlib

        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
