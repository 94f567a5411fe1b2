"""realpolitik: make a geopolitical analysis runnable.

The Python API (:mod:`realpolitik.api`): ``load``, ``simulate``, ``forecast``, ``compile_run``; runs
in the store (:mod:`realpolitik.runs`): ``run``, ``open_run``, ``compare``, ``Run``; which inputs drive a forecast:
``sensitivity(run, question, questions)`` (:mod:`realpolitik.sensitivity`).
"""

__version__ = "0.1.0"

_API = ("load", "forecast", "compile_run", "answer", "read_questions")
_RUNS = ("run", "open_run", "compare", "Run")


def __getattr__(name):  # the API is imported on first use: the CLI starts fast
    if name in _API:
        from . import api

        return getattr(api, name)
    if name in ("simulate", "sensitivity"):  # callable modules: calling one runs its function
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name in _RUNS:
        from . import runs

        return getattr(runs, name)
    raise AttributeError(f"module 'realpolitik' has no attribute {name!r}")
