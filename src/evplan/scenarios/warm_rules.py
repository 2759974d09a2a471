"""The CO2 and zero-emission rules of a warm model (issue 16), made once and kept per case.

A warm case keeps the rules' inputs of the base (:meth:`WarmRules.fits` says whether a case
does), so their costs are one constant vector added to the network's, and the compliance
tables' layout (:class:`~evplan.results.compliance.ComplianceLayout`), their KPI rows
(:class:`~evplan.results.compliance.ComplianceKpis`) and the certificate's joins
(:class:`~evplan.verify.compliance.ComplianceCheck`) are made on the first case and reused:
a case adds NumPy sums only. A WarmRules pickles with everything made, so a worker that
receives it in a :class:`~evplan.scenarios.warm_state.WarmState` needs no linopy model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.frame_arrays import column_array, columns_equal, stored_array
from evplan.highs import HighsRun
from evplan.model.compliance_index import build_compliance_index, has_compliance
from evplan.model.index import ModelIndex

if TYPE_CHECKING:
    import linopy

    from evplan.results.compliance import ComplianceKpis, ComplianceLayout, Numbers
    from evplan.scenarios.warm_state import Layout
    from evplan.verify.compliance import ComplianceCheck
    from evplan.verify.keys import KeptNames

__all__ = ["WarmRules", "kit_plan"]

# What the rules' coefficients and the compliance check read besides the compliance tables,
# by key: the lanes' CO2, the batteries and powertrains, the plants' and markets' countries
# (grid intensity, credit regimes).
_READ = (("routes", ["plant", "market", "co2_kg_per_vehicle"]),
         ("programs", ["program", "battery_kwh", "powertrain"]),
         ("plants", ["plant", "country"]),
         ("markets", ["market", "country"]))


class WarmRules:
    """The rules of a warm model's base (see the module docstring).

    Parameters
    ----------
    base : NetworkData
        The warm model's base inputs (with at least one compliance row).
    index : ModelIndex
        The base's flat indices.
    model : linopy.Model
        The built model (read for the rules' objective terms and, later, row labels).
    layout : Layout
        The warm model's layout (where each linopy variable label is a HiGHS column).
    """

    def __init__(self, base: NetworkData, index: ModelIndex, model: linopy.Model,
                 layout: Layout) -> None:
        from evplan.model.build import BuildOptions
        from evplan.model.families.compliance import compliance_objective

        # The base's parts, not the NetworkData (whose table mapping does not pickle).
        self._scenario, self._tables, self._origin = base.scenario, dict(base.tables), base.origin
        self.index = index
        self.compliance = (index.compliance if index.compliance is not None
                           else build_compliance_index(base, index))
        self.cost = np.zeros(layout.n_columns)
        column_of = np.full(layout.n_variable_labels, -1, dtype=np.int64)
        column_of[layout.vlabels] = np.arange(len(layout.vlabels))
        terms = compliance_objective(model, self.compliance, index, BuildOptions())
        if terms is not None:
            labels = terms.data["vars"].values.ravel()
            coeffs = terms.data["coeffs"].values.ravel()
            keep = labels >= 0
            np.add.at(self.cost, column_of[labels[keep]], coeffs[keep])
        self.layout: ComplianceLayout | None = None
        self.kpis: ComplianceKpis | None = None
        self.check: ComplianceCheck | None = None
        self._check_keys: list[KeptNames] = []  # the shipments' keys self.check was joined on
        self._joined: pd.DataFrame | None = None  # see kpis_with

    @classmethod
    def of(cls, base: NetworkData, index: ModelIndex, model: linopy.Model,
           layout: Layout) -> WarmRules | None:
        """The rules of ``base``, or None when it has no compliance row."""
        return cls(base, index, model, layout) if has_compliance(base) else None

    @property
    def base(self) -> NetworkData:
        """The base inputs the rules were made for."""
        return NetworkData(scenario=self._scenario, tables=self._tables, origin=self._origin)

    @property
    def ready(self) -> bool:
        """Whether the layout, KPI rows and check are made (what a worker needs)."""
        return self.layout is not None and self.kpis is not None and self.check is not None

    def why_not(self, data: NetworkData) -> str | None:
        """Why ``data`` cannot be solved with these rules kept (None: it can)."""
        from evplan.schema import COMPLIANCE_TABLES

        base = self._tables
        # Column by column: selecting the columns first copied them (0.7 ms a warm case).
        same = all(data[name] is base[name] or data[name].equals(base[name])
                   for name in COMPLIANCE_TABLES) and all(
            data[name] is base[name] or (data[name].index.equals(base[name].index) and all(
                columns_equal(data[name], base[name], column) for column in columns))
            for name, columns in _READ)
        if not same:
            return "cold: the scenario changes the CO2 or zero-emission inputs"
        if data.scenario.discount_rate != self._scenario.discount_rate:
            # The rules' costs are a constant vector discounted at the base's rate.
            return "cold: the scenario changes the discount rate of the CO2 rules' costs"
        return None

    def numbers(self, model: Callable[[], linopy.Model], run: HighsRun,
                discount: np.ndarray) -> Numbers:
        """The compliance tables' numbers of one solution (``discount`` per base year);
        ``model`` gives the linopy model if the layout is not made yet."""
        if self.layout is None:
            from evplan.results.compliance import ComplianceLayout

            self.layout = ComplianceLayout(model(), self.index, self.base, self.compliance)
        found = self.layout.numbers(run, pd.Series(discount, index=self.index.discount.index))
        if self.kpis is None:
            from evplan.results.compliance import ComplianceKpis

            self.kpis = ComplianceKpis(self.layout.frames(found))
        return found

    def frames(self, found: Numbers) -> dict[str, pd.DataFrame]:
        """The compliance tables of :meth:`numbers` as DataFrames."""
        assert self.layout is not None
        return self.layout.frames(found)

    def kpi_frame(self, found: Numbers) -> pd.DataFrame:
        """The compliance KPIs of :meth:`numbers`."""
        assert self.kpis is not None
        return self.kpis.frame(found)

    def kpis_with(self, kpis: pd.DataFrame, found: Numbers, same_rows: bool) -> pd.DataFrame:
        """``kpis`` followed by the compliance KPIs of :meth:`numbers`, as one frame.

        ``same_rows``: ``kpis`` holds the rows it held at every earlier call so marked (the
        result templates' KPIs), so the joined rows are made once and only the values
        change (a concat cost 0.4 ms a warm case).
        """
        assert self.kpis is not None
        joined = self._joined
        if not same_rows or joined is None or len(joined) != len(kpis) + len(self.kpis.rows):
            joined = pd.concat([kpis, self.kpi_frame(found)], ignore_index=True)
            if same_rows:
                self._joined = joined.copy()
            return joined
        joined = joined.copy(deep=False)  # copy-on-write: the kept rows stay as they are
        joined["value"] = np.concatenate([column_array(kpis, "value", dtype=float),
                                          self.kpis.values(found)])
        return joined

    def checker(self, data: NetworkData, shipments: pd.DataFrame, found: Numbers,
                kits: Mapping[str, pd.DataFrame] | None = None) -> ComplianceCheck:
        """The certificate's joins for plans with these keys (made on the first case: every
        warm case has the templates' shipments and the layout's rows). The plan is what is
        certified, so its shipments' keys are compared with the joined ones each time (the
        same Arrow buffers, else key by key) and the joins made again when one differs."""
        from evplan.verify.compliance import SHIPMENT_KEYS
        from evplan.verify.keys import KeptNames

        if self.check is None or not self._check_keys or not all(
                names.holds(stored_array(shipments, column)) for names, column in zip(
                    self._check_keys, SHIPMENT_KEYS, strict=True)):
            from evplan.verify.compliance import ComplianceCheck

            self.check = ComplianceCheck(data, {"shipments": shipments, **(kits or {}),
                                                **self.frames(found)})
            self._check_keys = [KeptNames(stored_array(shipments, column))
                                for column in SHIPMENT_KEYS]
        return self.check


def kit_plan(index: ModelIndex, model: Callable[[], linopy.Model], run: HighsRun
             ) -> dict[str, pd.DataFrame]:
    """``{"kit_shipments": ...}``: the kit flows' keys and cars of a strategic plan, as the
    compliance certificate reads them (empty without kits).

    Parameters
    ----------
    index : ModelIndex
        The warm model's index.
    model : callable
        Gives the linopy model (its ``kit_shipment`` labels).
    run : HighsRun
        The solve.

    Returns
    -------
    dict of str to DataFrame
        The kit rows with a ``kits`` column (vehicles), or nothing.
    """
    strategic = index.strategic
    if strategic is None or not len(strategic.kits):
        return {}
    from evplan.results.compliance import KIT_ZERO_BELOW_VEHICLES
    from evplan.verify.compliance_kits import KEY_COLUMNS

    labels = model().variables["kit_shipment"].labels.values.ravel()
    kits = np.nan_to_num(run.primal[labels]) + 0.0
    kits = np.where(np.abs(kits) < KIT_ZERO_BELOW_VEHICLES, 0.0, kits)  # as a cold plan shows
    return {"kit_shipments": strategic.kits[KEY_COLUMNS].reset_index(drop=True).assign(
        kits=kits)}
