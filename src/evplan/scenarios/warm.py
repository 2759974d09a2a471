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
3. calls ``changeColsCost`` and ``changeRowsBounds`` on the entries that changed since the
   last case (:class:`~evplan.scenarios.warm_load.Loaded`) and runs HiGHS again, which starts
   from the basis of the previous case, or in a study of the nearest case solved so far
   (:class:`~evplan.scenarios.warm_bases.BasisBank`).

The column order of the HiGHS model is linopy's ``m.matrices.vlabels`` and the row order
``m.matrices.clabels``; both are read once, with every variable's columns and every data
row's position (:class:`~evplan.scenarios.warm_state.Layout`), so a case is a few NumPy
gathers, two HiGHS calls and a run. On construction the vectors this module computes for
the base inputs are checked against the ones linopy built; if they ever differ (the
formulation changed and this module did not follow) warm solving switches itself off and
every case is solved cold, so results stay right.

A built model can travel: :meth:`WarmModel.state` is a picklable :class:`WarmState`
(the HiGHS model as arrays, its optimal basis, the layout and the checked result
templates), and :meth:`WarmModel.from_state` makes a warm model from it in a worker
process without linopy: that is how a sweep gives each worker one warm model.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evplan import __version__
from evplan.data import NetworkData
from evplan.errors import InfeasibleError, SolverLimitError
from evplan.highs import _STATUS, HighsRun, SolverOptions, allow_seconds, has_plan, proven
from evplan.model.compliance_index import has_compliance
from evplan.model.index import ModelIndex, build_index
from evplan.model.requirements import requirement_holes
from evplan.results.result import Result
from evplan.results.run_files import PACK_SIZES_KEY, pack_sizes
from evplan.scenarios.warm_bases import BasisBank
from evplan.scenarios.warm_fit import same_shape_tables, same_structure
from evplan.scenarios.warm_load import Loaded
from evplan.scenarios.warm_numbers import CaseNumbers, Gather
from evplan.scenarios.warm_results import Columns, ResultTemplates, same_tables
from evplan.scenarios.warm_rules import WarmRules, kit_plan
from evplan.scenarios.warm_state import (
    Layout,
    WarmState,
    highs_from_lp,
    lp_of,
)
from evplan.verify.network_tables import NameCodes

if TYPE_CHECKING:
    import highspy
    import linopy

    from evplan.results.compliance import Numbers

__all__ = ["WarmModel", "WarmState", "WarmStats"]

_PLAN = ("shipments", "sales")  # the result tables the certificates read


@dataclass
class WarmStats:
    """How a WarmModel's solves went: warm (fast gather or index rebuild) or cold."""

    warm_fast: int = 0
    warm_reindexed: int = 0
    cold: int = 0
    reasons: list[str] = field(default_factory=list)


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
        from evplan.data.recheck import check_ids, check_values
        from evplan.highs import _to_highs
        from evplan.model.build import BuildOptions, build_model
        from evplan.model.strategic import has_strategic

        check_values(base)  # the base changed after validation is refused (as optimize does)
        check_ids(base)
        self.solver = solver or SolverOptions()
        self.base = base
        self.stats = WarmStats()
        self.fixed = fixed
        self._names = NameCodes()  # the certificate's name codes, kept across warm cases
        if has_strategic(base) and fixed is None:
            # A network-design MILP: no basis to keep; every case is its own full MILP.
            self.model: linopy.Model | None = None
            self._templates: ResultTemplates | None = None
            self._templates_ok = False
            self._rules: WarmRules | None = None
            self._built_cost: np.ndarray | None = None
            self.enabled = False
            self.stats.reasons.append("strategic tables: every case is solved as its own "
                                      "MILP (no warm start)")
            return
        started = time.perf_counter()
        self.index = build_index(base)
        model, self.index = build_model(base, BuildOptions(), self.index)
        self.model = model
        matrices = model.matrices  # linopy builds them on each access: read once
        self.highs = _to_highs(model, matrices)
        if fixed is not None:
            from evplan.scenarios.warm_network import fix_integers

            fix_integers(model, self.highs, fixed)
        self._configure(self.highs)
        self.bases = BasisBank()
        self.loaded = Loaded()  # the costs and row bounds HiGHS holds
        self.build_seconds = time.perf_counter() - started
        self.layout = Layout.of(model, matrices, self.index)
        self._gather = Gather.of(base, self.index)
        self._holes = requirement_holes(self.index)
        self._use_rules(WarmRules.of(base, self.index, model, self.layout))
        # A strategic model with its network fixed keeps the costs of its other columns
        # (modules, capex ...) as built; only the network columns' costs are recomputed.
        self._built_cost = (np.asarray(matrices.c, dtype=float) - self._compliance_cost
                            if self.index.strategic is not None else None)
        self._templates = None
        self._templates_ok = True
        self.enabled = self._self_check(matrices)

    @classmethod
    def from_state(cls, state: WarmState, base: NetworkData | None = None) -> WarmModel:
        """A warm model from :meth:`state`, without linopy (e.g. in a worker process).

        ``base`` is the NetworkData the state was made for, if the caller already holds it.
        """
        warm = cls.__new__(cls)
        warm.solver = state.solver
        warm.base = base if base is not None else state.base()
        warm.stats = WarmStats()
        warm._names = NameCodes()
        warm.index = state.index
        warm.model = None
        warm.highs = highs_from_lp(state.lp, state.basis)
        warm._configure(warm.highs)
        warm.bases = BasisBank()
        warm.loaded = Loaded()
        warm.build_seconds = 0.0
        warm.layout = state.layout
        warm._gather = state.gather
        warm._holes = requirement_holes(state.index)
        # The sender's rules come ready (no linopy model needed here); without them the
        # rules' coefficients need the linopy model, built once.
        warm._use_rules(state.rules if state.rules is not None else (
            WarmRules.of(warm.base, warm.index, warm.linopy_model, warm.layout)
            if has_compliance(warm.base) else None))
        warm._templates = state.templates
        warm._templates_ok = state.templates is not None or state.templates_pending
        warm.enabled = state.enabled
        warm.fixed = None
        warm._built_cost = None
        if state.index.strategic is not None:  # strategic warm models stay in-process
            warm.enabled = False
        return warm

    def _use_rules(self, rules: WarmRules | None) -> None:
        """Keep the CO2/ZEV rules and their cost per column (zeros without rules)."""
        self._rules = rules
        self._compliance_cost = (rules.cost if rules is not None
                                 else np.zeros(self.layout.n_columns))

    @property
    def travels(self) -> bool:
        """Whether :meth:`state` can ship this model to workers (a strategic model solved
        as a full MILP per case has no warm LP to ship)."""
        return hasattr(self, "highs")

    def state(self) -> WarmState:
        """Everything a worker needs to solve cases warm, picklable (templates checked).

        The templates are made and checked on the base case; when the base has no plan
        (infeasible, or stopped at a limit) a sweep's other cases still may, so the state
        travels without them and each worker makes its own on its first case with a plan.
        """
        if self._templates is None and self._templates_ok and self.enabled:
            try:
                self.solve(self.base, tables=False)  # makes and checks the result templates
            except (InfeasibleError, SolverLimitError):
                pass  # the base has no plan: the templates wait for a case that has one
        rules = self._rules
        if rules is not None and self.enabled and self._templates is not None:
            if not rules.ready:
                self.solve(self.base, tables=False)  # makes the layout, KPI rows and check
        else:
            rules = None  # not ready to travel: the worker makes its own
        lp, basis = lp_of(self.highs)
        pending = self._templates is None and self._templates_ok and self.enabled
        return WarmState.of(self.base, self.solver, self.index, lp, basis, self.layout,
                            self._gather, self._templates, self.enabled, rules, pending)

    def _configure(self, h: highspy.Highs) -> None:
        h.setOptionValue("output_flag", bool(self.solver.log))
        if self.solver.threads is not None:
            from evplan.highs import set_threads

            set_threads(h, self.solver.threads)  # also when an earlier solve sized HiGHS

    def _self_check(self, matrices: Any) -> bool:
        """Do the vectors computed here match what linopy built? (else: cold only)."""
        from evplan.model.objective import fixed_cost_usd

        penalty = self.base.scenario.unmet_committed_penalty_usd_per_vehicle
        built = CaseNumbers.of_index(self.index, penalty)
        cost, rows, lower, upper = self._vectors_of(built)
        sense = np.asarray(matrices.sense)
        b = np.asarray(matrices.b)
        expected_lower = np.where(sense != "<", b, -np.inf)[rows]
        expected_upper = np.where(sense != ">", b, np.inf)[rows]
        gathered = self._gather.numbers(self.base)
        gathered_cost, _, gathered_lower, gathered_upper = self._vectors_of(gathered)
        fixed = fixed_cost_usd(self.index)
        ok = (np.allclose(cost, matrices.c) and np.allclose(lower, expected_lower)
              and np.allclose(upper, expected_upper) and np.allclose(gathered_cost, cost)
              and np.allclose(gathered_lower, lower) and np.allclose(gathered_upper, upper)
              and np.isclose(self._fixed_cost(built), fixed)
              and np.isclose(self._fixed_cost(gathered), fixed))
        if not ok:
            self.stats.reasons.append("warm vectors differ from the built model; every "
                                      "case is solved cold")
        return bool(ok)

    # ---- the numbers of the model --------------------------------------------------------

    def _columns(self, name: str) -> np.ndarray:
        """HiGHS columns of linopy variable ``name``, in its flat order."""
        return self.layout.columns[name]

    def _constant(self, numbers: CaseNumbers) -> float:
        """The objective's constant: plant fixed costs, or a strategic model's own."""
        if self.index.strategic is not None:
            from evplan.model.strategic.objective import strategic_constant_usd

            return float(strategic_constant_usd(self.index))
        return self._fixed_cost(numbers)

    def _fixed_cost(self, numbers: CaseNumbers) -> float:
        """Discounted fixed cost of the plant-years (the objective's constant)."""
        fixed = numbers["plant_years", "fixed_cost_usd_per_year"]
        return float(np.sum(fixed * numbers.discount[self.layout.plant_year_year]))

    def _partner_cost(self, numbers: CaseNumbers) -> np.ndarray | float:
        """Per-vehicle cost an attributable strategic objective charges a flow (partners'
        shares of a joint venture); 0 otherwise."""
        strategic = self.index.strategic
        if strategic is None or strategic.objective_basis != "attributable":
            return 0.0  # (before building the case's index: this runs on every case)
        from evplan.scenarios.warm_network import strategic_shipment_cost

        return strategic_shipment_cost(numbers.index(self.index))

    def _vectors(self, index: ModelIndex, data: NetworkData
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Objective per column, and (rows, lower, upper) of every row whose bound is data."""
        return self._vectors_of(CaseNumbers.of_index(
            index, data.scenario.unmet_committed_penalty_usd_per_vehicle))

    def _vectors_of(self, numbers: CaseNumbers
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        layout = self.layout
        discount = numbers.discount
        flow_discount = discount[layout.flow_year]
        duty = numbers["flows", "duty_usd_per_vehicle"]
        cost = np.zeros(layout.n_columns) if self._built_cost is None else self._built_cost.copy()
        cost[layout.columns["shipment"]] = -(numbers["flows", "unit_cost_usd_per_vehicle"]
                                             + duty + self._partner_cost(numbers)) * flow_discount
        cost[layout.columns["sales"]] = (numbers["sales", "price_usd_per_vehicle"]
                                         * discount[layout.sale_year])
        if "in_quota" in layout.columns:
            quota_flow = layout.quota_flow
            saving = (duty - numbers["flows", "in_quota_duty_usd_per_vehicle"])[quota_flow]
            cost[layout.columns["in_quota"]] = saving * flow_discount[quota_flow]
        if "unmet_committed" in layout.columns:
            cost[layout.columns["unmet_committed"]] = (-numbers.penalty_usd_per_vehicle
                                                       * discount[layout.committed_year])
        floor = (numbers["plant_years", "min_utilisation"]
                 * numbers["plant_years", "capacity_vehicles_per_year"])
        values = {
            "plant-capacity": numbers["plant_years", "capacity_vehicles_per_year"],
            "demand-tier": numbers["pools", "volume_vehicles"],
            "route-capacity": numbers["route_years", "capacity_vehicles_per_year"],
            "duty-quota": numbers["quota_groups", "quota_vehicles_per_year"],
            "committed-sales": numbers["committed", "min_vehicles"],
            "plant-minimum": floor[layout.floor],
        }
        rows = layout.bound_rows
        bound = np.concatenate([values[name][keep] for name, keep in layout.bound_keep])
        lower = np.where(layout.lower_is_bound, bound, -np.inf)
        upper = np.where(layout.upper_is_bound, bound, np.inf)
        return cost + self._compliance_cost, rows, lower, upper

    # ---- solving -------------------------------------------------------------------------

    def numbers_for(self, data: NetworkData) -> tuple[CaseNumbers | None, str]:
        """The numbers of ``data`` if it fits the built model, and how they were obtained."""
        if not self.enabled:
            return None, "cold: warm solving is off"
        if self._rules is None and has_compliance(data):
            return None, "cold: the scenario changes the CO2 or zero-emission inputs"
        why = None if self._rules is None else self._rules.why_not(data)
        if why is not None:
            return None, why
        if self.fixed is not None:
            from evplan.scenarios.warm_network import same_network

            if not same_network(self.base, data):
                return None, "cold: the scenario changes plants or strategic tables"
            # The strategic rows hold input numbers as coefficients (demand volumes in the
            # market-presence links, kit costs and duties), which a warm case cannot change:
            # on a fixed network only the base inputs are re-solved warm (break-even changes
            # costs in the HiGHS model directly).
            if data.scenario != self.base.scenario or any(
                    not (data.tables[name] is frame or data.tables[name].equals(frame))
                    for name, frame in self.base.tables.items()):
                return None, ("cold: on a strategic plan only the base inputs are re-solved "
                              "warm (its rows read demand volumes and kit costs)")
        if same_shape_tables(self.base, data):
            return self._gather.numbers(data), "warm"
        index = build_index(data)
        if same_structure(self.index, index):
            return CaseNumbers.of_index(
                index, data.scenario.unmet_committed_penalty_usd_per_vehicle), "warm-reindexed"
        return None, "cold: the scenario changes which flows, sales or rows exist"

    def index_for(self, data: NetworkData) -> tuple[ModelIndex | None, str]:
        """The index of ``data`` if it fits the built model, and how it was obtained."""
        numbers, mode = self.numbers_for(data)
        return (None if numbers is None else numbers.index(self.index)), mode

    def solve(self, data: NetworkData, tables: bool = True,
              parameters: Mapping[str, float] | None = None, *, checked: bool = False
              ) -> Result:
        """Solve ``data`` warm when its structure is the base's, else cold.

        ``Result.metadata["solve_mode"]`` says which: ``warm`` (parameters gathered),
        ``warm-reindexed`` (index rebuilt, same structure) or ``cold: <why>``. With
        ``tables=False`` the Result holds the KPIs only (``tables`` is empty).
        ``parameters`` (a study case's, e.g. ``{"freight": 1.5}``) picks the solved case
        whose basis HiGHS starts from (:class:`~evplan.scenarios.warm_bases.BasisBank`);
        without them it starts from the previous case's. ``checked=True``: ``data`` was just
        made by ``apply_patches`` from this model's base, so it is not checked again.
        """
        return self._solve(data, "frames" if tables else "", parameters, checked)[0]

    def solve_numbers(self, data: NetworkData, parameters: Mapping[str, float] | None = None,
                      *, checked: bool = False) -> tuple[Result, Columns | None]:
        """Solve ``data``; return the KPIs and the result tables' numeric columns.

        The columns fill :meth:`result_templates`' frames; the Result holds the tables the
        templates do not make (the CO2/ZEV compliance tables). When there are no templates
        (or the case was solved cold) the columns are None and the Result holds every table.
        """
        return self._solve(data, "numbers", parameters, checked)

    @property
    def result_templates(self) -> ResultTemplates | None:
        """The checked result templates (None before the first warm solve, or when off)."""
        return self._templates

    def _solve(self, data: NetworkData, keep: str,
               parameters: Mapping[str, float] | None = None, checked: bool = False
               ) -> tuple[Result, Columns | None]:
        """Solve; ``keep`` is ``"frames"`` (tables), ``"numbers"`` or ``""`` (KPIs only);
        ``checked``: ``data`` is a sweep case's (apply_patches on the checked base)."""
        started = time.perf_counter()
        from evplan.data.recheck import check_ids, check_values

        if not checked:  # a table changed after validation; a sweep's cases come checked
            check_values(data)
            check_ids(data)  # also the base's own tables, should they be changed in place
        numbers, mode = self.numbers_for(data)
        if numbers is None:
            return self._cold(data, keep, mode), None
        if numbers.requirements_empty(
                self._holes, data.scenario.unmet_committed_penalty_usd_per_vehicle):
            from evplan.solve import optimize

            optimize(data, self.solver)  # raises InfeasibleError naming what is missing
        if mode == "warm":
            self.stats.warm_fast += 1
        else:
            self.stats.warm_reindexed += 1
        cost, rows, lower, upper = self._vectors_of(numbers)
        h = self.highs
        self.loaded.send(h, self.layout.all_columns, cost, rows, lower, upper)
        bounds = np.concatenate((lower, upper))
        self.bases.start(h, bounds, parameters)
        update_seconds = time.perf_counter() - started
        run = self._run()
        if run.status == "optimal":
            self.bases.keep(h.getBasis(), bounds, parameters,
                            int(h.getInfo().simplex_iteration_count))
        else:
            self.bases.forget_current()
        if not run.has_solution:
            if run.status in ("infeasible", "unbounded"):
                # Let the cold path explain it with its elastic re-solve; should the cold
                # build find a plan after all, that plan (checked as every cold plan is) is
                # the answer, never the warm LP's "infeasible".
                try:
                    return self._cold(data, keep, f"cold: the warm LP said {run.status}, the "
                                      "cold build found a plan"), None
                finally:
                    self.highs.clearSolver()
            raise SolverLimitError(f"evplan: the solver stopped ({run.status}) without a "
                                   "feasible plan. Raise --time-limit.")
        from_templates = self._templates is not None  # KPIs with the templates' rows
        result_tables, kpis, columns, plan_tables = self._tables(run, numbers, data, keep)
        found = None
        if self._rules is not None:  # issue 16: compliance tables and KPIs (and kit cars)
            plan_tables = {**plan_tables, **kit_plan(self.index, lambda: self.linopy_model, run)}
            found = self._rules.numbers(lambda: self.linopy_model, run, numbers.discount)
            kpis = self._rules.kpis_with(kpis, found, same_rows=from_templates)
            if keep or self._templates is None:
                frames = self._rules.frames(found)
                plan_tables = {**plan_tables, **frames}
                if keep:  # with "numbers" too: the templates hold no compliance table
                    result_tables = {**result_tables, **frames}
        from evplan.results.commitments import committed_kpis, solved_committed_sales

        committed = solved_committed_sales(  # as optimize reports it; the certificate checks it
            self.index, run.primal, self.layout.labels["sales"],
            numbers.penalty_usd_per_vehicle, numbers["committed", "min_vehicles"])
        if committed is not None:
            kpis = pd.concat([kpis, committed_kpis(committed)], ignore_index=True)
            plan_tables = {**plan_tables, "committed_sales": committed}
            if keep:
                result_tables = {**result_tables, "committed_sales": committed}
        metadata = {
            "evplan_version": __version__,
            "sizes": dict(self.layout.sizes),
            "variables": self.layout.n_variables,
            "constraints": self.layout.n_constraints,
            "build_seconds": update_seconds,
            "solve_seconds": run.seconds,
            "mip_gap": run.mip_gap,
            "origin": data.origin, PACK_SIZES_KEY: pack_sizes(data.tables["programs"]),
            "solve_mode": mode,
            "simplex_iterations": int(self.highs.getInfo().simplex_iteration_count),
        }
        result = Result(status=run.status,
                        objective_usd=run.objective - self._constant(numbers),
                        tables=result_tables, kpis=kpis, scenario=data.scenario.as_dict(),
                        metadata=metadata)
        return self._certify(data, result, run, plan_tables, found, mode), columns

    def _cold(self, data: NetworkData, keep: str, mode: str) -> Result:
        """``data`` built and solved cold (:func:`evplan.optimize`), labelled ``mode``."""
        from evplan.solve import optimize

        self.stats.cold += 1
        self.stats.reasons.append(mode)
        result = optimize(data, self.solver)  # raises InfeasibleError with its explanation
        return Result(status=result.status, objective_usd=result.objective_usd,
                      tables=result.tables if keep else {}, kpis=result.kpis,
                      scenario=result.scenario, metadata={**result.metadata, "solve_mode": mode})

    def _tables(self, run: HighsRun, numbers: CaseNumbers, data: NetworkData, keep: str
                ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, Columns | None,
                           dict[str, pd.DataFrame]]:
        """Result tables or their numbers (see :meth:`_solve`), KPIs, and the tables the
        certificates read (shipments and sales; every table when they are kept): from the
        templates once they are checked."""
        if self._templates is not None:
            columns = self._templates.columns(run, numbers)
            kpis = self._templates.kpis_of(columns)
            # The certificate reads every case's plan: its shipments and sales at least.
            frames = self._templates.frames(columns, None if keep == "frames" else _PLAN)
            if keep == "numbers":
                return {}, kpis, columns, frames
            return (frames if keep else {}), kpis, None, frames
        from evplan.results import compute_kpis, result_tables

        index = numbers.index(self.index)
        tables = result_tables(self.linopy_model, run, index, data)
        kpis = compute_kpis(tables)
        if self._templates_ok:
            self._templates_ok = False
            layout = self.layout
            try:
                templates = ResultTemplates(
                    index, tables, kpis, layout.labels["shipment"], layout.labels["sales"],
                    layout.labels.get("in_quota"), layout.constraint_labels["plant-capacity"],
                    layout.constraint_labels["demand-tier"])
                fast = templates.columns(run, numbers)
                if same_tables(tables, templates.frames(fast)) and same_tables(
                        {"kpis": kpis}, {"kpis": templates.kpis_of(fast)}):
                    self._templates = templates
                    self._templates_ok = True
            except (KeyError, ValueError, IndexError) as error:
                self.stats.reasons.append(f"result templates off: {error}")
            if not self._templates_ok:
                self.stats.reasons.append("result templates differ from result_tables; "
                                          "tables are made with pandas")
        return (tables if keep else {}), kpis, None, tables

    def _certify(self, data: NetworkData, result: Result, run: HighsRun,
                 plan_tables: dict[str, pd.DataFrame],
                 compliance: Numbers | None, mode: str) -> Result:
        """Check the plan against ``data``'s tables (:func:`evplan.verify.verify_network`).

        The HiGHS duals, keyed by the base index (the rows the warm LP holds), are the
        candidate optimality certificate. ``compliance`` holds the compliance tables'
        numbers (:meth:`ComplianceLayout.numbers`). In ``warm`` mode the inputs' name
        and year columns are the base's (:func:`~.warm_fit.same_shape_tables`) and the
        plan's come from the templates, so the certificate keeps its name codes and join
        positions. Raises VerificationError on any violation.
        """
        from dataclasses import replace

        from evplan.verify.certify import certify

        skip: frozenset[str] = frozenset()
        if self.index.strategic is not None:  # a fixed network: its own rules checked below
            from evplan.strategic.check import network_skip

            skip = network_skip(data)
        check, plan = None, None
        if compliance is not None and self._rules is not None and self._templates is not None:
            # The inputs the check joins are the base's (numbers_for): its joins are kept.
            kits = {k: v for k, v in plan_tables.items() if k == "kit_shipments"}
            plan = {"shipments": plan_tables["shipments"], **kits, **compliance}
            check = self._rules.checker(data, plan_tables["shipments"], compliance, kits)
        checked = certify(data, replace(result, tables=plan_tables),
                          self.layout.constraint_labels, run, self.index, lp=True, skip=skip,
                          compliance_check=check, compliance_plan=plan,
                          names=self._names if mode == "warm" and self._templates is not None
                          else None, derived=False)
        return replace(result, metadata=checked.metadata)

    def _run(self) -> HighsRun:
        h = self.highs
        layout = self.layout
        started = time.perf_counter()
        allow_seconds(h, self.solver.time_limit_s)  # per case: HiGHS's run clock keeps going
        h.run()
        status = _STATUS.get(str(h.getModelStatus()).split(".")[-1], "error")
        info = h.getInfo()
        has_solution = has_plan(h)
        primal = np.full(layout.n_variable_labels, np.nan)
        dual = np.full(layout.n_constraint_labels, np.nan)
        objective = float("nan")
        if has_solution:
            solution = h.getSolution()
            primal[layout.vlabels] = np.asarray(solution.col_value, dtype=float)
            objective = float(info.objective_function_value)
            if solution.dual_valid and status == "optimal":  # a stopped LP's prices are not
                dual[layout.clabels] = np.asarray(solution.row_dual)  # the optimum's
        gap, bound = proven(info, status, objective)
        return HighsRun(status=status, has_solution=has_solution, objective=objective,
                        primal=primal, dual=dual, mip_gap=gap, bound=bound,
                        seconds=time.perf_counter() - started)

    @property
    def linopy_model(self) -> linopy.Model:
        """The built linopy model (read-only use; built now for a model made from a state)."""
        if self.model is None:
            from evplan.model.build import BuildOptions, build_model

            self.model, _ = build_model(self.base, BuildOptions(), self.index)
        return self.model
