"""Kit cars below 1e-7 are 0 alike in the plan's kit_shipments, the compliance tables and
the certificate's plan (helper-99's review: a cold strategic plan rounded kit_shipments but
built the compliance tables from the solver's raw values)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from evplan.results.compliance import KIT_ZERO_BELOW_VEHICLES
from evplan.strategic.tables import values_of


def test_the_plan_table_and_the_compliance_tables_round_at_one_threshold() -> None:
    raw = np.array([KIT_ZERO_BELOW_VEHICLES * 0.99, KIT_ZERO_BELOW_VEHICLES * 1.01, 5.0,
                    -KIT_ZERO_BELOW_VEHICLES * 0.5])
    variable = SimpleNamespace(labels=SimpleNamespace(values=np.arange(4)),
                               lower=SimpleNamespace(values=np.zeros(4)))
    model = SimpleNamespace(variables={"kit_shipment": variable})
    shown = values_of(model, SimpleNamespace(primal=raw), "kit_shipment")  # type: ignore[arg-type]
    assert shown.tolist() == [0.0, raw[1], 5.0, 0.0]
