r"""Warm re-solves: build the model once, then change only numbers and re-run HiGHS.

A scenario that changes costs, capacities, demand volumes, prices or quotas, but not which
flows, sales and rows exist, is the same linear programme with a different objective
vector :math:`c` and different row bounds :math:`b`. :class:`WarmModel` builds the linopy
model and its :class:`highspy.Highs` object once, and for each new NetworkData

1. recomputes the parameters of the flat indices: a vectorised gather from the input
   tables by positions recorded once (when only values changed), or
   :func:`~evplan.model.index.build_index` (when rows were added or years moved);
2. checks the index structure is the base's (same flows, sales and rows in the same
   order) -- otherwise the case is built and solved cold, and the run says so;
3. calls ``changeColsCost`` and ``changeRowsBounds`` and runs HiGHS again, which starts
   from the basis of the previous solve.

The column order of the HiGHS model is linopy's ``m.matrices.vlabels`` and the row order
``m.matrices.clabels``. On construction the vectors this module computes for the base
inputs are checked against the ones linopy built; if they ever differ (the formulation
changed and this module did not follow) warm solving switches itself off and every case
is solved cold, so results stay right.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import highspy
import linopy
import numpy as np
import pandas as pd

from evplan import __version__
from evplan.data import NetworkData
from evplan.data.duties import resolve_countervailing, resolve_duties
from evplan.errors import InfeasibleError, SolverLimitError
from evplan.highs import _STATUS, HighsRun, SolverOptions, _to_highs
from evplan.model.build import BuildOptions, build_model
from evplan.model.index import ModelIndex, build_index
from evplan.model.objective import fixed_cost_usd
from evplan.model.strategic import has_strategic
from evplan.model.strategic.objective import strategic_constant_usd
from evplan.results import Result, compute_kpis, result_tables
from evplan.scenarios.warm_network import fix_integers, same_network, strategic_shipment_cost
from evplan.scenarios.warm_results import ResultTemplates, same_tables
from evplan.solve import optimize

__all__ = ["WarmModel", "WarmStats"]

_VALUE_COLUMNS = {
    "plants": ("capacity_vehicles_per_year", "fixed_cost_usd_per_year", "min_utilisation"),
    "plant_programs": ("variable_cost_usd_per_vehicle",),
    "routes": ("freight_usd_per_vehicle", "transit_days", "co2_kg_per_vehicle",
               "capacity_vehicles_per_year"),
    "duties": ("ad_valorem_rate", "specific_usd_per_vehicle", "minimum_usd_per_vehicle",
               "quota_vehicles_per_year", "in_quota_rate"),
    "countervailing_duties": ("cvd_rate",),
    "demand": ("volume_vehicles", "price_usd_per_vehicle"),
    "committed_sales": ("min_vehicles",),
}
_FREE_COLUMNS = ("row", "source", "name", "notes", "note", "comment", "battery_kwh")
# Optional value columns whose blank cells shape the model (a quota row, a lane limit).
_BLANK_SHAPES = {"routes": ("capacity_vehicles_per_year",),
                 "duties": ("quota_vehicles_per_year",)}


@dataclass
class WarmStats:
    """How a WarmModel's solves went: warm (fast gather or index rebuild) or cold."""

    warm_fast: int = 0
    warm_reindexed: int = 0
    cold: int = 0
    reasons: list[str] = field(default_factory=list)


def _positions(keys: pd.DataFrame, table: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Position in ``table`` of each row of ``keys`` matched on ``on`` (-1 where absent)."""
    lookup = table[on].reset_index(drop=True).reset_index(names="_position")
    merged = keys[on].merge(lookup.drop_duplicates(on), on=on, how="left")
    return merged["_position"].fillna(-1).to_numpy(dtype=np.int64)


def _take(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``values[positions]`` with NaN where the position is -1."""
    out = np.full(len(positions), np.nan)
    found = positions >= 0
    out[found] = values[positions[found]]
    return out


@dataclass(frozen=True)
class _Gather:
    """Where each element of the flat indices takes its parameters from, by table position."""

    flow_plant_program: np.ndarray
    flow_route: np.ndarray
    flow_duty: np.ndarray
    flow_cvd: np.ndarray
    plant_year_plant: np.ndarray
    route_year_route: np.ndarray
    quota_group_duty: np.ndarray

    @classmethod
    def of(cls, data: NetworkData, index: ModelIndex) -> _Gather:
        flows = index.flows
        duties = data["duties"].reset_index(drop=True)
        duty = resolve_duties(flows[["origin", "market", "powertrain", "year"]],
                              duties.assign(row=np.arange(len(duties))), data.years)
        duty_position = duty["duty_row"].fillna(-1).to_numpy(dtype=np.int64)
        cvd_table = data["countervailing_duties"].reset_index(drop=True)
        cvd = resolve_countervailing(
            flows[["origin", "market", "powertrain", "maker", "year"]],
            cvd_table.assign(cvd_rate=np.arange(len(cvd_table), dtype=float) + 1), data.years)
        quota_first_flow = index.quota_flows.drop_duplicates("quota_group").sort_values(
            "quota_group")["flow"].to_numpy(dtype=np.int64)
        return cls(
            flow_plant_program=_positions(flows, data["plant_programs"], ["plant", "program"]),
            flow_route=_positions(flows, data["routes"], ["plant", "market"]),
            flow_duty=duty_position,
            flow_cvd=cvd.to_numpy(dtype=np.int64) - 1,
            plant_year_plant=_positions(index.plant_years, data.plants, ["plant"]),
            route_year_route=_positions(index.route_years, data["routes"], ["plant", "market"]),
            quota_group_duty=duty_position[quota_first_flow],
        )

    def index(self, base: ModelIndex, data: NetworkData) -> ModelIndex:
        """The base index with every parameter recomputed from ``data`` (same structure)."""
        scenario = data.scenario
        flows = base.flows.copy()
        lanes = data["plant_programs"]
        routes = data["routes"]
        duties = data["duties"]
        variable = lanes["variable_cost_usd_per_vehicle"].to_numpy()[self.flow_plant_program]
        freight = routes["freight_usd_per_vehicle"].to_numpy()[self.flow_route]
        cif = flows["customs_basis"].eq("CIF").to_numpy()
        value = variable * (1 + scenario.transfer_price_markup) + np.where(cif, freight, 0.0)
        rate = _take(duties["ad_valorem_rate"].to_numpy(dtype=float), self.flow_duty)
        rate = np.where(np.isnan(rate), scenario.default_duty_rate or 0.0, rate)
        minimum = np.nan_to_num(_take(duties["minimum_usd_per_vehicle"].to_numpy(dtype=float),
                                      self.flow_duty))
        specific = np.nan_to_num(_take(duties["specific_usd_per_vehicle"].to_numpy(dtype=float),
                                       self.flow_duty))
        cvd = np.nan_to_num(_take(data["countervailing_duties"]["cvd_rate"].to_numpy(
            dtype=float), self.flow_cvd))
        full = np.maximum(rate * value, minimum) + cvd * value + specific
        in_quota_rate = _take(duties["in_quota_rate"].to_numpy(dtype=float), self.flow_duty)
        quota = _take(duties["quota_vehicles_per_year"].to_numpy(dtype=float), self.flow_duty)
        cross = flows["cross_border"].to_numpy(dtype=bool)
        has_quota = cross & ~np.isnan(quota)
        in_quota = np.where(has_quota, np.nan_to_num(in_quota_rate) * value + cvd * value
                            + specific, full)
        flows["variable_cost_usd_per_vehicle"] = variable
        flows["freight_usd_per_vehicle"] = freight
        flows["transit_days"] = routes["transit_days"].to_numpy()[self.flow_route]
        flows["co2_kg_per_vehicle"] = routes["co2_kg_per_vehicle"].to_numpy()[self.flow_route]
        flows["customs_value_usd_per_vehicle"] = np.where(cross, value, 0.0)
        flows["ad_valorem_rate"] = np.where(cross, rate, 0.0)
        flows["cvd_rate"] = np.where(cross, cvd, 0.0)
        flows["duty_usd_per_vehicle"] = np.where(cross, full, 0.0)
        flows["in_quota_duty_usd_per_vehicle"] = np.where(cross, in_quota, 0.0)
        flows["quota_vehicles_per_year"] = np.where(has_quota, quota, np.nan)
        flows["unit_cost_usd_per_vehicle"] = variable + freight

        plants = data.plants
        plant_years = base.plant_years.copy()
        if base.strategic is None:  # (a fixed network keeps its plants: same_network)
            for column in ("capacity_vehicles_per_year", "fixed_cost_usd_per_year",
                           "min_utilisation"):
                plant_years[column] = plants[column].to_numpy()[self.plant_year_plant]
        route_years = base.route_years.copy()
        route_years["capacity_vehicles_per_year"] = routes[
            "capacity_vehicles_per_year"].to_numpy()[self.route_year_route]
        demand = data["demand"]
        pools = base.pools.copy()
        pools["volume_vehicles"] = demand["volume_vehicles"].to_numpy()
        pools["price_usd_per_vehicle"] = demand["price_usd_per_vehicle"].to_numpy()
        sales = base.sales.copy()
        sales["price_usd_per_vehicle"] = pools["price_usd_per_vehicle"].to_numpy()[
            sales["pool"].to_numpy()]
        quota_groups = base.quota_groups.copy()
        quota_flows = base.quota_flows.copy()
        if len(quota_groups):
            group_quota = duties["quota_vehicles_per_year"].to_numpy(dtype=float)[
                self.quota_group_duty]
            quota_groups["quota_vehicles_per_year"] = group_quota
            quota_flows["quota_vehicles_per_year"] = group_quota[
                quota_flows["quota_group"].to_numpy()]
        committed = base.committed.copy()
        committed["min_vehicles"] = data["committed_sales"]["min_vehicles"].to_numpy()
        first_year = scenario.first_year
        discount = pd.Series({year: (1 + scenario.discount_rate) ** -(year - first_year)
                              for year in data.years}, name="discount_factor")
        return replace(base, flows=flows, sales=sales, pools=pools, plant_years=plant_years,
                       route_years=route_years, quota_groups=quota_groups,
                       quota_flows=quota_flows, committed=committed, discount=discount)


def _structure(index: ModelIndex) -> list[Any]:
    """What must be equal for two indices to give the same rows and columns."""
    floor = (index.plant_years["min_utilisation"]
             * index.plant_years["capacity_vehicles_per_year"]).to_numpy() > 0
    return [
        index.flows[["year", "plant", "program", "market", "plant_year", "balance",
                     "route_year"]],
        index.sales[["pool", "balance", "program"]],
        index.pools[["market", "year", "product", "tier"]],
        index.balances,
        index.plant_years[["plant", "year"]],
        index.route_years[["plant", "market", "year"]],
        index.quota_flows[["flow", "quota_group"]],
        index.quota_groups[["year"]],
        index.committed[["market", "year", "product"]],
        index.committed_terms,
        pd.Series(floor),
        index.discount.index.to_series(),
    ]


def _same_structure(left: ModelIndex, right: ModelIndex) -> bool:
    return all(
        len(a) == len(b) and a.reset_index(drop=True).equals(b.reset_index(drop=True))
        for a, b in zip(_structure(left), _structure(right), strict=True))


def _same_shape_tables(base: NetworkData, data: NetworkData) -> bool:
    """True when only value columns differ (so positions recorded on ``base`` still hold)."""
    if (base.scenario.first_year, base.scenario.last_year) != (
            data.scenario.first_year, data.scenario.last_year):
        return False
    if (base.scenario.unmet_committed_penalty_usd_per_vehicle is None) != (
            data.scenario.unmet_committed_penalty_usd_per_vehicle is None):
        return False
    for name, frame in base.tables.items():
        other = data.tables[name]
        if other is frame:  # apply() keeps tables it did not touch
            continue
        if len(frame) != len(other):
            return False
        skip = set(_VALUE_COLUMNS.get(name, ())) | set(_FREE_COLUMNS)
        columns = [column for column in frame.columns if column not in skip]
        if not frame[columns].reset_index(drop=True).equals(
                other[columns].reset_index(drop=True)):
            return False
        for column in _BLANK_SHAPES.get(name, ()):
            if not np.array_equal(frame[column].isna().to_numpy(),
                                  other[column].isna().to_numpy()):
                return False
    if data.plants is base.plants:
        return True
    floor = base.plants["min_utilisation"] * base.plants["capacity_vehicles_per_year"] > 0
    other_floor = data.plants["min_utilisation"] * data.plants["capacity_vehicles_per_year"] > 0
    return bool(np.array_equal(floor.to_numpy(), other_floor.to_numpy()))


class WarmModel:
    """A model built once and re-solved warm for inputs that change only numbers.

    Parameters
    ----------
    base : NetworkData
        The inputs the model is built for.
    solver : SolverOptions, optional
        Limits and settings for every solve.

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> from evplan.scenarios.apply import apply_patches
    >>> from evplan.scenarios.overrides import Patch
    >>> warm = WarmModel(single_lane(capacity=500))
    >>> cheaper = apply_patches(single_lane(capacity=500), [Patch(
    ...     "routes", scale={"freight_usd_per_vehicle": 0.5})]).data
    >>> round(warm.solve(cheaper).objective_usd)
    4750000
    >>> warm.stats.warm_fast
    1
    """

    def __init__(self, base: NetworkData, solver: SolverOptions | None = None,
                 fixed: Mapping[str, np.ndarray] | None = None) -> None:
        self.solver = solver or SolverOptions()
        self.base = base
        self.stats = WarmStats()
        self.fixed = fixed
        if has_strategic(base) and fixed is None:
            # A network-design MILP: no basis to keep; every case is its own full MILP.
            self.enabled = False
            self.stats.reasons.append("strategic tables: every case is solved as its own "
                                      "MILP (no warm start)")
            return
        started = time.perf_counter()
        self.index = build_index(base)
        self.model, self.index = build_model(base, BuildOptions(), self.index)
        self.highs = _to_highs(self.model)
        if fixed is not None:
            fix_integers(self.model, self.highs, fixed)
        self._configure(self.highs)
        self.build_seconds = time.perf_counter() - started
        matrices = self.model.matrices
        self._column_of = np.full(self.model._xCounter, -1, dtype=np.int64)
        self._column_of[matrices.vlabels] = np.arange(len(matrices.vlabels))
        self._row_of = np.full(self.model._cCounter, -1, dtype=np.int64)
        self._row_of[matrices.clabels] = np.arange(len(matrices.clabels))
        self._sense = np.asarray(matrices.sense)
        self._gather = _Gather.of(base, self.index)
        self._templates: ResultTemplates | None = None
        self._templates_ok = True
        self.enabled = self._self_check(matrices)

    def _configure(self, h: highspy.Highs) -> None:
        h.setOptionValue("output_flag", bool(self.solver.log))
        if self.solver.time_limit_s is not None:
            h.setOptionValue("time_limit", float(self.solver.time_limit_s))
        if self.solver.threads is not None:
            h.setOptionValue("threads", int(self.solver.threads))

    def _self_check(self, matrices: Any) -> bool:
        """Do the vectors computed here match what linopy built? (else: cold only)."""
        cost, rows, lower, upper = self._vectors(self.index, self.base)
        expected_lower = np.where(self._sense != "<", matrices.b, -np.inf)[rows]
        expected_upper = np.where(self._sense != ">", matrices.b, np.inf)[rows]
        gathered = self._gather.index(self.index, self.base)
        gathered_cost, *_ = self._vectors(gathered, self.base)
        ok = (np.allclose(cost, matrices.c) and np.allclose(lower, expected_lower)
              and np.allclose(upper, expected_upper) and np.allclose(gathered_cost, cost))
        if not ok:
            self.stats.reasons.append("warm vectors differ from the built model; every "
                                      "case is solved cold")
        return bool(ok)

    # ---- the numbers of the model --------------------------------------------------------

    def _columns(self, name: str) -> np.ndarray:
        return self._column_of[self.model.variables[name].labels.values.ravel()]

    def _vectors(self, index: ModelIndex, data: NetworkData
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Objective per column, and (rows, lower, upper) of every row whose bound is data."""
        flows = index.flows
        discount = index.discount
        flow_discount = flows["year"].map(discount).to_numpy()
        cost = np.zeros(len(self.model.matrices.vlabels))
        if index.strategic is not None:  # a fixed network: its own costs stay as built
            cost = np.asarray(self.model.matrices.c, dtype=float).copy()
        cost[self._columns("shipment")] = -(flows["unit_cost_usd_per_vehicle"]
                                            + flows["duty_usd_per_vehicle"]).to_numpy() * (
            flow_discount) - strategic_shipment_cost(index) * flow_discount
        cost[self._columns("sales")] = (index.sales["price_usd_per_vehicle"].to_numpy()
                                        * index.sales["year"].map(discount).to_numpy())
        if "in_quota" in self.model.variables:
            quota_flow = index.quota_flows["flow"].to_numpy()
            saving = (flows["duty_usd_per_vehicle"]
                      - flows["in_quota_duty_usd_per_vehicle"]).to_numpy()[quota_flow]
            cost[self._columns("in_quota")] = saving * flow_discount[quota_flow]
        if "unmet_committed" in self.model.variables:
            penalty = data.scenario.unmet_committed_penalty_usd_per_vehicle or 0.0
            cost[self._columns("unmet_committed")] = -penalty * index.committed["year"].map(
                discount).to_numpy()
        bounds: list[tuple[str, np.ndarray]] = [
            ("plant-capacity", index.plant_years["capacity_vehicles_per_year"].to_numpy()),
            ("demand-tier", index.pools["volume_vehicles"].to_numpy()),
        ]
        if "route-capacity" in self.model.constraints:
            bounds.append(("route-capacity",
                           index.route_years["capacity_vehicles_per_year"].to_numpy()))
        if "duty-quota" in self.model.constraints:
            bounds.append(("duty-quota",
                           index.quota_groups["quota_vehicles_per_year"].to_numpy(dtype=float)))
        if "committed-sales" in self.model.constraints:
            bounds.append(("committed-sales", index.committed["min_vehicles"].to_numpy()))
        if "plant-minimum" in self.model.constraints:
            floor = (index.plant_years["min_utilisation"]
                     * index.plant_years["capacity_vehicles_per_year"]).to_numpy()
            bounds.append(("plant-minimum", floor[floor > 0]))
        rows_list, values_list = [], []
        for name, values in bounds:
            rows = self._row_of[self.model.constraints[name].labels.values.ravel()]
            keep = rows >= 0
            rows_list.append(rows[keep])
            values_list.append(np.asarray(values, dtype=float)[keep])
        rows = np.concatenate(rows_list)
        values = np.concatenate(values_list)
        sense = self._sense[rows]
        lower = np.where(sense != "<", values, -np.inf)
        upper = np.where(sense != ">", values, np.inf)
        return cost, rows, lower, upper

    # ---- solving -------------------------------------------------------------------------

    def index_for(self, data: NetworkData) -> tuple[ModelIndex | None, str]:
        """The index of ``data`` if it fits the built model, and how it was obtained."""
        if not self.enabled:
            return None, "cold: warm solving is off"
        if self.fixed is not None and not same_network(self.base, data):
            return None, "cold: the scenario changes plants or strategic tables"
        if _same_shape_tables(self.base, data):
            return self._gather.index(self.index, data), "warm"
        index = build_index(data)
        if _same_structure(self.index, index):
            return index, "warm-reindexed"
        return None, "cold: the scenario changes which flows, sales or rows exist"

    def solve(self, data: NetworkData) -> Result:
        """Solve ``data`` warm when its structure is the base's, else cold.

        ``Result.metadata["solve_mode"]`` says which: ``warm`` (parameters gathered),
        ``warm-reindexed`` (index rebuilt, same structure) or ``cold: <why>``.
        """
        started = time.perf_counter()
        index, mode = self.index_for(data)
        if index is None:
            self.stats.cold += 1
            self.stats.reasons.append(mode)
            result = optimize(data, self.solver)
            return Result(status=result.status, objective_usd=result.objective_usd,
                          tables=result.tables, kpis=result.kpis, scenario=result.scenario,
                          metadata={**result.metadata, "solve_mode": mode})
        if mode == "warm":
            self.stats.warm_fast += 1
        else:
            self.stats.warm_reindexed += 1
        cost, rows, lower, upper = self._vectors(index, data)
        h = self.highs
        h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        h.changeRowsBounds(len(rows), rows.astype(np.int32), lower, upper)  # type: ignore[attr-defined]
        update_seconds = time.perf_counter() - started
        run = self._run()
        if not run.has_solution:
            if run.status in ("infeasible", "unbounded"):
                # Let the cold path explain it with its elastic re-solve.
                try:
                    optimize(data, self.solver)
                finally:
                    self.highs.clearSolver()
                raise InfeasibleError([f"the model is {run.status}."])
            raise SolverLimitError(f"evplan: the solver stopped ({run.status}) without a "
                                   "feasible plan. Raise --time-limit.")
        tables, kpis = self._tables(run, index, data)
        metadata = {
            "evplan_version": __version__,
            "sizes": index.sizes(),
            "variables": int(self.model.nvars),
            "constraints": int(self.model.ncons),
            "build_seconds": update_seconds,
            "solve_seconds": run.seconds,
            "mip_gap": run.mip_gap,
            "origin": data.origin,
            "solve_mode": mode,
            "simplex_iterations": int(self.highs.getInfo().simplex_iteration_count),
        }
        constant = fixed_cost_usd(index) if index.strategic is None else (
            strategic_constant_usd(index))
        return Result(status=run.status, objective_usd=run.objective - constant,
                      tables=tables, kpis=kpis, scenario=data.scenario.as_dict(),
                      metadata=metadata)

    def _tables(self, run: HighsRun, index: ModelIndex, data: NetworkData
                ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
        """Result tables and KPIs: from templates once the first solve has checked them."""
        if self._templates is not None:
            tables = self._templates.tables(run, index)
            return tables, self._templates.kpis(tables)
        tables = result_tables(self.model, run, index, data)
        kpis = compute_kpis(tables)
        if self._templates_ok:
            self._templates_ok = False
            variables, constraints = self.model.variables, self.model.constraints
            try:
                templates = ResultTemplates(
                    index, tables, kpis, variables["shipment"].labels.values.ravel(),
                    variables["sales"].labels.values.ravel(),
                    variables["in_quota"].labels.values.ravel() if "in_quota" in variables
                    else None, constraints["plant-capacity"].labels.values.ravel(),
                    constraints["demand-tier"].labels.values.ravel())
                fast = templates.tables(run, index)
                if same_tables(tables, fast) and same_tables(
                        {"kpis": kpis}, {"kpis": templates.kpis(fast)}):
                    self._templates = templates
                    self._templates_ok = True
            except (KeyError, ValueError, IndexError) as error:
                self.stats.reasons.append(f"result templates off: {error}")
            if not self._templates_ok:
                self.stats.reasons.append("result templates differ from result_tables; "
                                          "tables are made with pandas")
        return tables, kpis

    def _run(self) -> HighsRun:
        h = self.highs
        started = time.perf_counter()
        h.run()
        status = _STATUS.get(str(h.getModelStatus()).split(".")[-1], "error")
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        primal = np.full(self.model._xCounter, np.nan)
        dual = np.full(self.model._cCounter, np.nan)
        objective = float("nan")
        matrices = self.model.matrices
        if has_solution:
            solution = h.getSolution()
            primal[matrices.vlabels] = np.asarray(solution.col_value)
            objective = float(info.objective_function_value)
            if solution.dual_valid:
                dual[matrices.clabels] = np.asarray(solution.row_dual)
        return HighsRun(status=status, has_solution=has_solution, objective=objective,
                        primal=primal, dual=dual, mip_gap=0.0,
                        seconds=time.perf_counter() - started)

    @property
    def linopy_model(self) -> linopy.Model:
        """The built linopy model (read-only use)."""
        return self.model
