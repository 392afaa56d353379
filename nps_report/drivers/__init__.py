"""Key-driver analysis: which attribute ratings move the 0..10 score (Shapley / LMG importance),
and whether the data allow naming any.

Modules
-------
``solver``    R² of every subset of the ratings (sweep operator), LMG shares, bootstrap
``verdict``   the model's F-test, partial F-tests, pairwise differences, the leaders
``analysis``  :func:`key_drivers`: the table a report shows
``summary``   :func:`summarize`: the sentence a report prints
"""

from __future__ import annotations

from .analysis import COLUMNS, MAX_DRIVERS, MODEL_TEST, QUADRANTS, driver_label, key_drivers
from .solver import (ALIAS_TOLERANCE, bootstrap_subset_r2, lmg_importance, shapley_weights,
                     subset_r2)
from .summary import model_sentence, summarize
from .verdict import VERDICTS, importance_differences, leading_drivers, model_test, partial_tests

__all__ = [
    "ALIAS_TOLERANCE",
    "COLUMNS",
    "MAX_DRIVERS",
    "MODEL_TEST",
    "QUADRANTS",
    "VERDICTS",
    "bootstrap_subset_r2",
    "driver_label",
    "importance_differences",
    "key_drivers",
    "leading_drivers",
    "lmg_importance",
    "model_sentence",
    "model_test",
    "partial_tests",
    "shapley_weights",
    "subset_r2",
    "summarize",
]
