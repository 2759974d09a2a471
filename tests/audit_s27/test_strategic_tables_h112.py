"""strategic/tables.values_of rounds solver noise to 0 with the one named constant
``results.compliance.KIT_ZERO_BELOW_VEHICLES`` (it kept its own literal 1e-7 beside it)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import evplan.strategic.tables as tables
from evplan.results.compliance import KIT_ZERO_BELOW_VEHICLES


def _shown(raw: np.ndarray) -> np.ndarray:
    variable = SimpleNamespace(labels=SimpleNamespace(values=np.arange(len(raw))),
                               lower=SimpleNamespace(values=np.zeros(len(raw))))
    model = SimpleNamespace(variables={"kit_shipment": variable})
    return tables.values_of(model, SimpleNamespace(primal=raw),  # type: ignore[arg-type]
                            "kit_shipment")


def test_values_of_reads_the_shared_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    assert tables.KIT_ZERO_BELOW_VEHICLES is KIT_ZERO_BELOW_VEHICLES
    raw = np.array([0.5, 5.0, -3.0])
    monkeypatch.setattr(tables, "KIT_ZERO_BELOW_VEHICLES", 4.0)
    assert _shown(raw).tolist() == [0.0, 5.0, 0.0]


def test_values_of_output_is_unchanged_at_the_threshold() -> None:
    # the literal it replaced was 1e-7: below it 0, at or above it kept, NaN -> lower bound
    raw = np.array([0.99e-7, 1e-7, 1.01e-7, -0.5e-7, np.nan, 2.5])
    assert _shown(raw).tolist() == [0.0, 1e-7, 1.01e-7, 0.0, 0.0, 2.5]
