"""evplan's errors come back whole from worker processes and Dask workers (pickled)."""

from __future__ import annotations

import pickle

import pytest

from evplan.errors import (
    EvplanError,
    InfeasibleError,
    InputError,
    OutputError,
    Problem,
    SolverLimitError,
    VerificationError,
)
from evplan.store import StoreError

PROBLEMS = [Problem("routes.csv", "row 3, route 'CN>DE': freight_usd_per_vehicle = -5 is below "
                    "the minimum 0. Fix the sign.", row=3),
            Problem("plants.csv", "... and 4 more rows with the same problem.", count=4)]


@pytest.mark.parametrize("error", [
    InputError(PROBLEMS),
    InfeasibleError(["committed sales of 12,000 N7-BEV in BR in 2026 cannot be supplied: "
                     "short by 4,000", "a second line"], headline="the study has no plan"),
    VerificationError(["flow CN-HUA>DE 2026: 12 vehicles above capacity"]),
    SolverLimitError("evplan: the solver stopped (time limit) without a feasible plan."),
    OutputError("evplan: out is not empty."),
    StoreError("evplan: the store is locked."),
], ids=lambda error: type(error).__name__)
def test_an_error_pickles_with_its_message_and_fields(error: EvplanError) -> None:
    # Pickled by its message, as exceptions are by default, an InputError came back as a
    # crash (AttributeError: 'str' object has no attribute 'file') and an InfeasibleError
    # with one explanation per character: what a sweep's worker or a Dask worker sent back.
    error.add_note("from a worker")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
    assert vars(back) == vars(error) and back.exit_code == error.exit_code
    if isinstance(error, InputError):
        assert back.problems == PROBLEMS and back.render() == error.render()
    if isinstance(error, InfeasibleError):
        assert back.explanations == error.explanations and back.headline == error.headline
    if isinstance(error, VerificationError):
        assert back.violations == error.violations
