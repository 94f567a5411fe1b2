"""Forecast questions: schema, loader, resolvers and id checks (DESIGN.md, "Forecast questions").

``load_questions(path, outcomes=False)`` reads a question (or outcome) file; ``resolve(q, ds)`` gives
each member's resolution against a trajectory; ``forecast(q, ds)`` the ensemble's probability or
quantiles; ``check_ids(questions, known)`` the ids a scenario lacks.
"""

from .ids import check_ids, known_from_vocabulary, vocabulary
from .loader import load_questions, loads_questions
from .resolve import QUANTILES, forecast, resolve
from .schema import KINDS, LEVELS, Query, Question, is_numeric

__all__ = [
    "KINDS",
    "LEVELS",
    "QUANTILES",
    "Query",
    "Question",
    "check_ids",
    "forecast",
    "is_numeric",
    "known_from_vocabulary",
    "load_questions",
    "loads_questions",
    "resolve",
    "vocabulary",
]
