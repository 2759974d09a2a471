r"""Progressive hedging (Rockafellar and Wets 1991) over the scenarios of a two-stage study.

For the **expected-margin** objective only (risk weight :math:`\lambda = 0`): CVaR couples
the scenarios through :math:`\eta` and the tail weights, which this scenario decomposition
does not price, so a study with :math:`\lambda > 0` is refused (use the extensive form).

Scenario :math:`s` (probability :math:`p_s`) has margin :math:`M_s(x, y_s)`, first stage
:math:`x` (the shared network decisions, all integer) and recourse :math:`y_s`. Iteration
:math:`k` of PH, with multipliers :math:`w_s` (:math:`\sum_s p_s w_s = 0`) and the mean first
stage :math:`\bar x`:

1. **Lagrangian bound.** Each scenario solves :math:`L_s(w_s) = \max M_s(x, y) - w_s^\top x`
   and reports HiGHS's MIP dual bound :math:`\bar L_s \ge L_s(w_s)`. For any :math:`w` with
   :math:`\sum_s p_s w_s = 0` and any shared :math:`x`, :math:`\sum_s p_s w_s^\top x = 0`, so
   :math:`UB = \sum_s p_s \bar L_s \ge` the optimum (Gade et al. 2016). At :math:`w = 0` it is
   the wait-and-see value. The best (lowest) UB so far is kept.
2. **Lower bound.** The candidate :math:`\hat x = \mathrm{round}(\bar x)` is fixed in every
   scenario and each is re-solved: :math:`LB = \sum_s p_s M_s(\hat x)` is the value of a
   feasible plan (:math:`-\infty` if some scenario has none). The best candidate is kept.
3. **Proximal step.** Each scenario solves
   :math:`\max M_s(x, y) - w_s^\top x - \tfrac{\rho}{2}\,|x - \bar x|_1` (per element
   :math:`\rho_j`); for a binary :math:`x_j`, :math:`|x_j - \bar x_j| = x_j(1 - 2\bar x_j) +
   \bar x_j` equals the quadratic :math:`(x_j - \bar x_j)^2` less the constant
   :math:`\bar x_j - \bar x_j^2`, so this is PH's quadratic term, linearised; for a general
   integer (module counts) it is the L1 proximal term. Then
   :math:`\bar x \leftarrow \sum_s p_s x_s` and :math:`w_s \leftarrow w_s + \rho (x_s -
   \bar x)` (which keeps :math:`\sum_s p_s w_s = 0`).

It stops when :math:`(UB - LB)/|UB| \le` ``gap``, when every scenario chose the candidate
already evaluated (then :math:`w` no longer moves; what remains is the MILP's duality gap),
or after ``max_iterations``; the
convergence metric is :math:`\sum_s p_s |x_s - \bar x|_1`. The returned plan is the best
candidate, every scenario re-solved cold with it fixed and checked like every stochastic
plan (:func:`evplan.twostage.verify.scenario_result`), and it carries its gap. Steps 1-3 of
one iteration are a single call per worker: only :math:`w`, :math:`\bar x`, the candidate
and first-stage values travel; each worker keeps its scenarios' HiGHS models
(:class:`~evplan.twostage.subproblem.Shard`, a Dask actor).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.errors import InputError, Problem, VerificationError
from evplan.highs import SolverOptions
from evplan.scenarios.apply import catalog_for
from evplan.scenarios.overrides import Catalog
from evplan.twostage.ranges import clamped, intervals
from evplan.twostage.risk import empty_regret
from evplan.twostage.subproblem import ScenarioSpec, Shard, StepResult
from evplan.twostage.tree import Study

__all__ = ["HedgingOptions", "call_shards", "hedge_on", "progressive_hedging", "scenario_specs",
           "start_shards"]

#: Relative tolerance of the check that the verified plans' expected margin equals LB.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class HedgingOptions:
    """Settings of :func:`progressive_hedging`.

    Attributes
    ----------
    gap : float
        Stop when (UB - LB) / |UB| is at most this (default 1 %).
    max_iterations : int
        Most PH iterations after the first (w = 0) solve.
    rho : float
        Penalty factor: rho_j = rho x max(|c_j|, floor), c_j the expected objective
        coefficient of shared element j (USD per unit) and floor the mean of the nonzero
        |c_j| (cost-proportional rho, Watson and Woodruff 2011).
    """

    gap: float = 0.01
    max_iterations: int = 30
    rho: float = 0.3


def start_shards(client: Any, data: NetworkData, specs: list[ScenarioSpec], revelation: int | None,
            solver: SolverOptions) -> list[Any]:
    """One Shard per Dask worker (an actor pinned to it), or one in-process Shard."""
    if client is None:
        return [Shard(data, specs, revelation, solver)]
    from evplan.dask_members import worker_addresses

    workers = sorted(worker_addresses(client))
    if not workers:
        raise InputError([Problem("--scheduler", "the Dask scheduler has no workers. Start "
                                  "some (dask worker tcp://HOST:8786 --nthreads 1) and run "
                                  "again.")])
    parts = [specs[i::len(workers)] for i in range(len(workers))]
    futures = [client.submit(Shard, data, part, revelation, solver, actor=True,
                             workers=[address], allow_other_workers=False,
                             pure=False)
               for address, part in zip(workers, parts, strict=True) if part]
    return [future.result() for future in futures]


def call_shards(shards: list[Any], method: str, args: list[tuple[Any, ...]]) -> list[Any]:
    """Call ``method`` on every shard at once (actors answer with futures) and gather."""
    pending = [getattr(shard, method)(*arg) for shard, arg in zip(shards, args, strict=True)]
    return [item.result() if hasattr(item, "result") else item for item in pending]


def scenario_specs(study: Study, catalog: Catalog) -> list[ScenarioSpec]:
    return [ScenarioSpec(s.name, s.probability, tuple(s.resolve(catalog)))
            for s in study.scenarios]


def progressive_hedging(data: NetworkData, study: str | Study,
                        solver: SolverOptions | None = None,
                        options: HedgingOptions | None = None, *, client: Any = None,
                        catalog: Catalog | None = None) -> Any:
    """Solve a study's expected-margin problem by progressive hedging (module docstring).

    Parameters
    ----------
    client : distributed.Client, optional
        Run each worker's share of the scenarios there (one actor per worker, warm between
        iterations); None solves them in this process, one after the other.

    Returns
    -------
    StochasticResult
        ``objective_usd`` is the checked plan's expected margin (LB); ``metadata`` holds
        ``method``, ``iterations``, ``bound_usd`` (UB), ``mip_gap`` (the PH gap), and
        ``history`` (one row per iteration: bounds, gap, convergence metric, seconds).

    Raises
    ------
    InputError
        For a study with a risk weight (CVaR is not supported by PH), or bad inputs.
    VerificationError
        When the final plan breaks a check.
    """
    from evplan.twostage.solve import StochasticResult

    solver = solver or SolverOptions()
    options = options or HedgingOptions()
    catalog = catalog if catalog is not None else catalog_for(data)
    from evplan.twostage.models import study_named

    study = study_named(data, study, catalog)
    if study.risk_weight > 0:
        raise InputError([Problem("scenarios.yaml", f"study '{study.name}': risk weight = "
                                  f"{study.risk_weight:g}; progressive hedging solves the "
                                  "expected margin only (CVaR couples the scenarios, which PH "
                                  "does not decompose). Use --method extensive, or set risk: "
                                  "{weight: 0} in the study.")])
    if study.objective != "expected":
        raise InputError([Problem("scenarios.yaml", f"study '{study.name}': risk objective = "
                                  f"{study.objective}; progressive hedging solves the expected "
                                  "margin only (the worst regret couples the scenarios). Use "
                                  "--method extensive.")])
    clock, cpu = time.perf_counter(), time.process_time()
    specs = scenario_specs(study, catalog)
    shards = start_shards(client, data, specs, study.revelation_year, solver)
    parts = call_shards(shards, "describe", [()] * len(shards))
    sizes = [len(part) for part in parts]
    described = [item for part in parts for item in part]
    order = [item["name"] for item in described]
    by_name = {spec.name: spec for spec in specs}
    p = np.array([by_name[name].probability for name in order])
    first = described[0]
    bad = [item["name"] for item in described[1:]
           if not item["elements"].equals(first["elements"])]
    if bad:
        raise InputError([Problem("scenarios.yaml", f"study '{study.name}': scenario '{name}' "
                                  "changes which network decisions exist (its overrides add or "
                                  "remove plants, programs, markets or sites, or change their "
                                  "years). Overrides of a study may change numbers only; change "
                                  "them in scenarios.yaml.") for name in bad])
    k = len(first["elements"])
    cost = p @ np.vstack([item["cost"] for item in described]) if k else np.zeros(0)
    floor = float(np.mean(np.abs(cost[cost != 0]))) if (cost != 0).any() else 1.0
    rho = options.rho * np.maximum(np.abs(cost), floor)
    build_seconds = time.perf_counter() - clock
    w = np.zeros((len(order), k))
    xbar: np.ndarray | None = None
    candidate: np.ndarray | None = None
    best_lb, best_ub = -math.inf, math.inf
    best_x: np.ndarray | None = None
    history: list[dict[str, Any]] = []
    wait_and_see: np.ndarray | None = None
    wait_bound = math.inf
    gap = math.inf
    for iteration in range(options.max_iterations + 1):
        started = time.perf_counter()
        args = []
        at = 0
        for size in sizes:
            args.append((list(w[at:at + size]), xbar, rho if xbar is not None else None,
                         candidate))
            at += size
        answers: list[StepResult] = [a for part in call_shards(shards, "step", args) for a in part]
        ub = float(p @ np.array([a.bound_usd for a in answers]))
        best_ub = min(best_ub, ub)
        if iteration == 0:  # w = 0: each scenario alone, its plan's value and bound
            wait_and_see = np.array([a.lagrangian_usd for a in answers])
            wait_bound = ub
        lb = -math.inf
        if candidate is not None:
            margins = np.array([a.candidate_usd for a in answers])
            if np.isfinite(margins).all():
                lb = float(p @ margins)
                if lb > best_lb:
                    best_lb, best_x = lb, candidate.copy()
        x = np.vstack([a.x for a in answers])
        xbar = p @ x
        metric = float(p @ np.abs(x - xbar).sum(axis=1))
        if iteration > 0:
            w = w + rho * (x - xbar)
        else:
            w = rho * (x - xbar)
        # Exactly sum_s p_s w_s = 0 (the probabilities may sum to 1 within 1e-6 only), so
        # the Lagrangian upper bound stays valid.
        w = w - (p @ w) / p.sum()
        gap = (best_ub - best_lb) / max(abs(best_ub), 1.0) if math.isfinite(best_lb) \
            else math.inf
        history.append({key: value if math.isfinite(value) else None for key, value in {
            "iteration": iteration, "upper_bound_usd": ub, "best_upper_bound_usd": best_ub,
            "lower_bound_usd": lb, "best_lower_bound_usd": best_lb, "gap": gap,
            "metric": metric, "seconds": time.perf_counter() - started}.items()})
        if gap <= options.gap:
            break
        if metric == 0 and candidate is not None and np.array_equal(candidate, np.round(xbar)):
            break  # every scenario agrees on the evaluated candidate: w no longer moves
        candidate = np.round(xbar)
    if best_x is None or not math.isfinite(best_lb):
        raise InputError([Problem("scenarios.yaml", f"study '{study.name}': progressive "
                                  f"hedging found no first stage feasible in every scenario "
                                  f"in {options.max_iterations} iterations. Raise "
                                  "max_iterations or use --method extensive.")])
    solve_seconds = time.perf_counter() - clock - build_seconds
    checked = [item for part in call_shards(shards, "verify", [(best_x,)] * len(shards))
               for item in part]
    results = {name: result for name, result, _ in checked}
    margins = np.array([results[name].objective_usd for name in order])
    problems = []
    for name, _, shared in checked:
        worst = float(np.max(np.abs(shared - best_x))) if k else 0.0
        if worst > 1e-6:
            problems.append(f"scenario '{name}' departs from the hedged first stage by "
                            f"{worst:g}.")
    objective = float(p @ margins)
    scale = max(1.0, abs(objective))
    if objective < best_lb - solver.mip_gap * scale - 1.0:
        problems.append(f"the checked plans' expected margin {objective:,.2f} USD is below "
                        f"the lower bound {best_lb:,.2f} USD.")
    if problems:
        raise VerificationError([f"progressive hedging: {line}" for line in problems])
    gap = max(0.0, best_ub - objective) / max(abs(best_ub), 1.0)  # of the plan returned
    assert wait_and_see is not None
    # each scenario's wait-and-see value is the best plan known for it (its own solve at w = 0
    # or the hedged plan's completion), so EVPI and the regrets are >= 0 (as in stochastic)
    wait_and_see = np.fmax(wait_and_see, margins)
    ws = float(p @ wait_and_see)
    frame = pd.DataFrame({"scenario": order, "probability": p, "margin_usd": margins,
                          "wait_and_see_usd": wait_and_see,
                          "regret_usd": wait_and_see - margins})
    # in the study's order: shards on a Dask cluster describe their scenarios worker by
    # worker, and the table (and its check, verify.study_problems) follow the study
    frame = frame.set_index("scenario").loc[[s.name for s in study.scenarios]].reset_index()
    first_stage = first["elements"].assign(value=best_x)
    status = "optimal" if gap <= options.gap else "gap_not_met"
    metadata = {
        "method": "progressive-hedging", "status": status, "mip_gap": gap,
        "bound_usd": best_ub, "lower_bound_usd": best_lb,
        "iterations": len(history) - 1, "history": history, "rho_factor": options.rho,
        "target_gap": options.gap, "workers": len(shards), "wait_and_see_usd": ws,
        "intervals_usd": clamped(intervals((objective, best_ub), (ws, wait_bound), None), {
            "objective": objective, "wait_and_see": ws, "evpi": ws - objective}),
        "columns": int(sum(item["columns"] for item in described)), "rows": None,
        "nonanticipativity_rows": 0, "shared_elements": k, "scenarios": len(order),
        "timings": {"build_seconds": build_seconds, "solve_seconds": solve_seconds,
                    "check_seconds": time.perf_counter() - clock - build_seconds
                    - solve_seconds, "cpu_seconds": time.process_time() - cpu},
        "study": study.as_dict(), "overrides": {s.name: list(s.overrides)
                                                for s in study.scenarios}}
    from evplan.twostage.risk import cvar
    from evplan.twostage.verify import checked_study

    metadata["solver_mip_gap"] = float(solver.mip_gap)
    return checked_study(StochasticResult(
        study=study, status=status, objective_usd=objective,
        expected_margin_usd=objective, cvar_usd=cvar(margins, p, study.alpha),
        evpi_usd=ws - objective, vss_usd=None, first_stage=first_stage, scenarios=frame,
        regret=empty_regret(),
        results=results, metadata=metadata))



@contextlib.contextmanager
def study_client(scheduler: str | None = None, workers: int = 1) -> Iterator[Any]:
    """A Dask client on ``scheduler`` (``tcp://HOST:PORT``), on a local cluster of
    ``workers`` processes (loopback), or None (neither: work in this process)."""
    if scheduler is None and workers <= 1:
        yield None
        return
    if scheduler is not None:
        from evplan.scenarios.runners import _connect

        with _connect(scheduler) as client:
            yield client
        return
    import dask
    from distributed import Client, LocalCluster

    from evplan.dask_local import local_cluster_settings

    before = _dask_log_levels()
    quietened: dict[str, int] = {}
    try:
        with dask.config.set(local_cluster_settings()), \
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                             host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            try:
                yield client
            except KeyboardInterrupt:
                # Ctrl-C: the cluster is closed on purpose, with its tasks running; Dask
                # logs every cancelled task and the nannies' clean-up, which is not news to
                # the user (the command says in one line that it was interrupted). Some of
                # Dask's loggers (distributed.client) have levels of their own.
                quietened = _dask_log_levels()
                for name in quietened:
                    logging.getLogger(name).setLevel(logging.CRITICAL)
                raise
    finally:
        for name, level in quietened.items():  # as they were before the cluster started
            logging.getLogger(name).setLevel(before.get(name, level))  # (a notebook goes on)


def _dask_log_levels() -> dict[str, int]:
    """The levels of Dask's loggers that exist now (``distributed`` and below)."""
    names = [name for name in list(logging.root.manager.loggerDict)
             if name == "distributed" or name.startswith("distributed.")]
    return {name: logging.getLogger(name).level for name in names}


def hedge_on(data: NetworkData, study: str | Study, solver: SolverOptions | None = None,
             options: HedgingOptions | None = None, *, scheduler: str | None = None,
             workers: int = 1, catalog: Catalog | None = None) -> Any:
    """:func:`progressive_hedging` on a Dask scheduler (``tcp://HOST:PORT``), on a local
    cluster of ``workers`` processes (loopback), or in this process (neither)."""
    with study_client(scheduler, workers) as client:
        return progressive_hedging(data, study, solver, options, client=client,
                                   catalog=catalog)
