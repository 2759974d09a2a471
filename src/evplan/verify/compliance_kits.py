"""The plan's vehicles as the compliance certificate counts them: shipments, then kits.

In a strategic plan with local assembly, ``kit_shipments`` holds the vehicles assembled
from kits at a site; they sell in the site's market and count there in the fleet CO2
target, the ZEV mandate and the carbon price and cap (docs/formulation.md, "Kits"). The
certificate (:mod:`evplan.verify.compliance`, :mod:`evplan.verify.compliance_reported`)
therefore sums one row per shipment and one per kit row, with the kit row's own keys
(origin plant, its country, program, powertrain, the site's market and year: each checked
against the inputs by :func:`evplan.strategic.check_kits.check_kit_rows`) and a ``kit``
flag: a kit row carries no shipping CO2 (``kit_routes`` has no CO2 column) and earns or
owes no production credit (it is not a vehicle built in the plant's country).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["KEY_COLUMNS", "plan_keys", "plan_vehicles"]

KEY_COLUMNS = ["plant", "origin", "program", "powertrain", "market", "year"]


def _kits(tables: Mapping[str, Any]) -> Any:
    kits = tables.get("kit_shipments")
    return None if kits is None or len(kits["kits"]) == 0 else kits


def plan_keys(tables: Mapping[str, Any]) -> pd.DataFrame:
    """The keys of each shipment row then each kit row, with ``kit`` (bool)."""
    shipments = tables["shipments"]
    frame = pd.DataFrame({column: np.asarray(shipments[column]) for column in KEY_COLUMNS})
    frame["kit"] = False
    kits = _kits(tables)
    if kits is None:
        return frame
    more = pd.DataFrame({column: np.asarray(kits[column]) for column in KEY_COLUMNS})
    more["kit"] = True
    return pd.concat([frame, more], ignore_index=True)


def plan_vehicles(tables: Mapping[str, Any]) -> np.ndarray:
    """The vehicles of each row of :func:`plan_keys`: shipments' then kits'."""
    shipped = np.asarray(tables["shipments"]["shipment_vehicles"], dtype=float)
    kits = _kits(tables)
    if kits is None:
        return shipped
    return np.concatenate([shipped, np.asarray(kits["kits"], dtype=float)])
