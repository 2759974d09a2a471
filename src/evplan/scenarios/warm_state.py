"""What a warm model is made of, as plain arrays: its layout, its HiGHS model and basis.

:class:`Layout` is read once from the linopy model and its matrices: the HiGHS columns of
every variable, the HiGHS rows whose bounds are data (and which side of each row the bound
is on), the year of every element for discounting, and the sizes. With it, a case's
objective and bounds are NumPy gathers (:meth:`evplan.scenarios.warm.WarmModel.solve`).

:class:`WarmState` bundles a built warm model for another process: the inputs, the layout,
the gather positions, the checked result templates, the HiGHS model as arrays
(:func:`lp_of`) and its optimal basis, and with CO2 and zero-emission rules their
:class:`~evplan.scenarios.warm_rules.WarmRules`, made ready (so a worker builds no linopy model).
:func:`highs_from_lp` makes a ``highspy.Highs`` from them in a few milliseconds, and HiGHS
starts from that basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.frame_arrays import column_array
from evplan.highs import SolverOptions, new_highs
from evplan.model.index import ModelIndex

if TYPE_CHECKING:
    import highspy
    import linopy

    from evplan.scenarios.warm_numbers import Gather
    from evplan.scenarios.warm_results import ResultTemplates
    from evplan.scenarios.warm_rules import WarmRules

__all__ = ["Layout", "WarmState", "highs_from_lp", "lp_of"]

#: Constraint families whose right-hand side is input data, in the order bounds are sent.
BOUND_FAMILIES = ("plant-capacity", "demand-tier", "route-capacity", "duty-quota",
                  "committed-sales", "plant-minimum")


def _year_codes(years: pd.Series, discount: pd.Series) -> np.ndarray:
    """Position of each year in ``discount``'s index (the years of the horizon, sorted)."""
    horizon = discount.index.to_numpy(dtype=np.int64)
    codes = np.searchsorted(horizon, years.to_numpy(dtype=np.int64))
    if len(codes) and not np.array_equal(horizon[np.minimum(codes, len(horizon) - 1)],
                                         years.to_numpy(dtype=np.int64)):
        raise ValueError("a year outside the horizon")
    return codes


@dataclass(frozen=True)
class Layout:
    """Where a case's numbers go in the HiGHS model (see the module docstring)."""

    columns: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    constraint_labels: dict[str, np.ndarray]
    bound_rows: np.ndarray
    bound_keep: tuple[tuple[str, np.ndarray], ...]
    lower_is_bound: np.ndarray
    upper_is_bound: np.ndarray
    all_columns: np.ndarray
    vlabels: np.ndarray
    clabels: np.ndarray
    n_variable_labels: int
    n_constraint_labels: int
    n_columns: int
    n_variables: int
    n_constraints: int
    flow_year: np.ndarray
    sale_year: np.ndarray
    committed_year: np.ndarray
    plant_year_year: np.ndarray
    quota_flow: np.ndarray
    floor: np.ndarray
    sizes: dict[str, int]

    @classmethod
    def of(cls, m: linopy.Model, matrices: Any, index: ModelIndex) -> Layout:
        """Read the layout of a built network model (``matrices`` is ``m.matrices``)."""
        vlabels = np.asarray(matrices.vlabels, dtype=np.int64)
        clabels = np.asarray(matrices.clabels, dtype=np.int64)
        column_of = np.full(m._xCounter, -1, dtype=np.int64)
        column_of[vlabels] = np.arange(len(vlabels))
        row_of = np.full(m._cCounter, -1, dtype=np.int64)
        row_of[clabels] = np.arange(len(clabels))
        labels = {name: m.variables[name].labels.values.ravel().astype(np.int64)
                  for name in m.variables}
        constraint_labels = {name: m.constraints[name].labels.values.ravel().astype(np.int64)
                             for name in m.constraints}
        rows, keeps = [], []
        for name in BOUND_FAMILIES:
            if name not in constraint_labels:
                continue
            positions = row_of[constraint_labels[name]]
            keep = positions >= 0
            rows.append(positions[keep])
            keeps.append((name, keep))
        bound_rows = (np.concatenate(rows) if rows else np.empty(0, np.int64)).astype(np.int32)
        sense = np.asarray(matrices.sense)[bound_rows]
        discount = index.discount
        plant_years = index.plant_years
        return cls(
            columns={name: column_of[values] for name, values in labels.items()},
            labels=labels, constraint_labels=constraint_labels,
            bound_rows=bound_rows, bound_keep=tuple(keeps),
            lower_is_bound=sense != "<", upper_is_bound=sense != ">",
            all_columns=np.arange(len(vlabels), dtype=np.int32),
            vlabels=vlabels, clabels=clabels,
            n_variable_labels=int(m._xCounter), n_constraint_labels=int(m._cCounter),
            n_columns=len(vlabels), n_variables=int(m.nvars), n_constraints=int(m.ncons),
            flow_year=_year_codes(index.flows["year"], discount),
            sale_year=_year_codes(index.sales["year"], discount),
            committed_year=_year_codes(index.committed["year"], discount),
            plant_year_year=_year_codes(plant_years["year"], discount),
            quota_flow=column_array(index.quota_flows, "flow", dtype=np.int64),
            floor=(plant_years["min_utilisation"]
                   * plant_years["capacity_vehicles_per_year"]).to_numpy() > 0,
            sizes=index.sizes(),
        )


def lp_of(h: highspy.Highs) -> tuple[dict[str, Any], np.ndarray | None]:
    """The HiGHS model as arrays, and its basis (column then row statuses) if valid."""
    lp = h.getLp()
    matrix = lp.a_matrix_
    arrays: dict[str, Any] = {
        "num_col": int(lp.num_col_), "num_row": int(lp.num_row_),
        "col_cost": np.asarray(lp.col_cost_), "col_lower": np.asarray(lp.col_lower_),
        "col_upper": np.asarray(lp.col_upper_), "row_lower": np.asarray(lp.row_lower_),
        "row_upper": np.asarray(lp.row_upper_), "start": np.asarray(matrix.start_),
        "index": np.asarray(matrix.index_), "value": np.asarray(matrix.value_),
        "rowwise": "Rowwise" in str(matrix.format_), "maximize": "Max" in str(lp.sense_),
        "offset": float(lp.offset_), "integrality": np.asarray(
            [int(kind) for kind in lp.integrality_], dtype=np.uint8),
    }
    basis = h.getBasis()
    statuses = None
    if basis.valid:
        statuses = np.asarray([int(status) for status in basis.col_status]
                              + [int(status) for status in basis.row_status], dtype=np.int8)
    return arrays, statuses


def highs_from_lp(arrays: dict[str, Any], basis: np.ndarray | None) -> highspy.Highs:
    """A silent ``highspy.Highs`` holding :func:`lp_of`'s model, starting from its basis."""
    import highspy

    h = new_highs()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = arrays["num_col"], arrays["num_row"]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = (arrays["col_cost"], arrays["col_lower"],
                                                  arrays["col_upper"])
    lp.row_lower_, lp.row_upper_ = arrays["row_lower"], arrays["row_upper"]
    lp.a_matrix_.format_ = (highspy.MatrixFormat.kRowwise if arrays["rowwise"]
                            else highspy.MatrixFormat.kColwise)
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = arrays["num_col"], arrays["num_row"]
    lp.a_matrix_.start_ = arrays["start"]
    lp.a_matrix_.index_ = arrays["index"]
    lp.a_matrix_.value_ = arrays["value"]
    lp.sense_ = highspy.ObjSense.kMaximize if arrays["maximize"] else highspy.ObjSense.kMinimize
    lp.offset_ = arrays["offset"]
    if len(arrays["integrality"]):
        lp.integrality_ = [highspy.HighsVarType(int(kind)) for kind in arrays["integrality"]]
    status = h.passModel(lp)
    if status != highspy.HighsStatus.kOk:
        raise RuntimeError(f"HiGHS refused the warm model: {status}")
    if basis is not None:
        start = highspy.HighsBasis()
        statuses = [highspy.HighsBasisStatus(int(code)) for code in basis]
        start.col_status = statuses[:arrays["num_col"]]
        start.row_status = statuses[arrays["num_col"]:]
        start.valid = True
        h.setBasis(start)
    return h


@dataclass(frozen=True)
class WarmState:
    """A built warm model as plain, picklable data (see the module docstring)."""

    scenario: Any
    tables: dict[str, pd.DataFrame]
    origin: str
    solver: SolverOptions
    index: ModelIndex
    lp: dict[str, Any]
    basis: np.ndarray | None
    layout: Layout
    gather: Gather
    templates: ResultTemplates | None
    enabled: bool
    rules: WarmRules | None = None  # with CO2 and zero-emission rules, made ready
    #: No templates yet because the base case has no plan (infeasible, or stopped): a
    #: worker makes and checks them on its first case that has one.
    templates_pending: bool = False

    @classmethod
    def of(cls, base: NetworkData, solver: SolverOptions, index: ModelIndex,
           lp: dict[str, Any], basis: np.ndarray | None, layout: Layout, gather: Gather,
           templates: ResultTemplates | None, enabled: bool,
           rules: WarmRules | None = None, templates_pending: bool = False) -> WarmState:
        return cls(base.scenario, dict(base.tables), base.origin, solver, index, lp, basis,
                   layout, gather, templates, enabled, rules, templates_pending)

    def base(self) -> NetworkData:
        """The inputs the model was built for."""
        return NetworkData(scenario=self.scenario, tables=self.tables, origin=self.origin)
