"""The scenario models of a two-stage study: built here or on Dask workers, solved with a
fixed first stage, and each scenario's plan certified against its own tables.

:func:`build_scenarios` applies each scenario's overrides, builds its strategic model and
picks the shared first-stage elements (:data:`evplan.model.strategic.FIRST_STAGE` variables
of years up to the revelation year), checking they are the same in every scenario;
:func:`build_remote` does the same on the workers of a Dask client (one
:class:`~evplan.twostage.subproblem.Shard` each). :func:`fixed_runs`, :func:`certify` and
:func:`check_values` are the per-scenario steps :func:`evplan.stochastic`, the frontier and
minimax regret share.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem, VerificationError
from evplan.highs import HighsRun, SolverOptions
from evplan.model.build import build_model
from evplan.model.index import ModelIndex, build_index
from evplan.model.strategic import FIRST_STAGE, has_strategic
from evplan.model.strategic.objective import strategic_constant_usd
from evplan.results import Result
from evplan.scenarios.apply import apply_scenario
from evplan.scenarios.overrides import Catalog
from evplan.strategic.milp import MilpRunner
from evplan.twostage.extensive import Block, ExtensiveRun, solve_extensive
from evplan.twostage.hedging import call_shards, scenario_specs, start_shards
from evplan.twostage.no_plan import changes_decisions, no_strategic, raise_if_unservable
from evplan.twostage.risk import risk_problems
from evplan.twostage.tree import Study, check_study
from evplan.twostage.verify import scenario_result

__all__ = ["ELEMENTS", "RemoteShards", "ScenarioModel", "build_remote", "build_scenarios",
           "certified", "certify", "check_shared", "check_values", "first_stage_elements",
           "fixed_runs", "shared_columns", "study_named", "with_objective"]

#: Element frame of each first-stage variable and the columns that name an element.
ELEMENTS = {"plant_open": ("plant_years", ("plant",)),
            "plant_running": ("plant_years", ("plant",)),
            "plant_modules": ("plant_years", ("plant",)),
            "program_allocated": ("allocations", ("plant", "program")),
            "variant_added": ("variants", ("plant", "program")),
            "market_present": ("market_years", ("market",)),
            "homologated": ("homologations", ("program", "market")),
            "site_open": ("site_years", ("site",))}



def study_named(data: NetworkData, named: str | Study, catalog: Catalog) -> Study:
    if isinstance(named, Study):
        study = named
    elif named in catalog.studies:
        study = catalog.studies[named]
    else:
        known = list(catalog.studies)
        raise InputError([Problem(catalog.source, f"'{named}' is not a study."
                                  + (did_you_mean(named, known) or (
                                      f" Known: {', '.join(known)}." if known else
                                      f" {catalog.source} declares none under studies:.")))])
    problems = check_study(study, data.scenario.first_year, data.scenario.last_year)
    if problems:  # a study built in Python was not checked when scenarios.yaml was read
        raise InputError(problems)
    return study


def with_objective(study: Study, objective: str) -> Study:
    from dataclasses import replace

    from evplan.twostage.tree import OBJECTIVES

    if objective not in OBJECTIVES:
        raise InputError([Problem("--objective", f"'{objective}' is not an objective: use "
                                  f"{' or '.join(OBJECTIVES)}.")])
    if objective == "minimax-regret" and study.risk_weight > 0:
        raise InputError([Problem("--objective", f"study '{study.name}' has risk weight "
                                  f"{study.risk_weight:g}; minimax-regret takes no weight. "
                                  "Drop the weight from the study's risk: in scenarios.yaml.")])
    return replace(study, objective=objective)


def first_stage_elements(index: ModelIndex, revelation: int | None) -> pd.DataFrame:
    """The shared first-stage elements: variable, position, element name, year."""
    frames = []
    for name in FIRST_STAGE:
        frame_name, keys = ELEMENTS[name]
        frame = getattr(index.strategic, frame_name)
        years = frame["year"].to_numpy(dtype=int)
        keep = np.ones(len(frame), dtype=bool) if revelation is None else years <= revelation
        element = frame[list(keys)].astype(str).agg("/".join, axis=1) if len(frame) else \
            pd.Series([], dtype=object)
        frames.append(pd.DataFrame({"variable": name, "position": np.flatnonzero(keep),
                                    "element": element.to_numpy()[keep],
                                    "year": years[keep]}))
    return pd.concat(frames, ignore_index=True)


def shared_columns(runner: MilpRunner, elements: pd.DataFrame) -> np.ndarray:
    columns = [runner.columns(str(name))[group["position"].to_numpy()]
               for name, group in elements.groupby("variable", sort=False)]
    return np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class ScenarioModel:
    """One scenario's model: here (data, m, index) or on a Dask worker (those None)."""

    name: str
    probability: float
    data: NetworkData | None
    m: Any
    index: ModelIndex | None
    block: Block
    overrides: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RemoteShards:
    """Scenario models held by Dask actors (:class:`~evplan.twostage.subproblem.Shard`):
    shard k holds the scenarios ``owned[k]`` (indices into the study's scenarios)."""

    shards: list[Any]
    owned: list[list[int]]

    def gather(self, method: str, *args: Any, per_shard: list[tuple[Any, ...]] | None = None
               ) -> list[Any]:
        """Call ``method`` on every shard at once; the answers in scenario order."""
        calls = per_shard if per_shard is not None else [args] * len(self.shards)
        answers = call_shards(self.shards, method, calls)
        out: list[Any] = [None] * sum(len(owned) for owned in self.owned)
        for owned, answer in zip(self.owned, answers, strict=True):
            for s, item in zip(owned, answer, strict=True):
                out[s] = item
        return out


def check_shared(study: Study, name: str, mine: pd.DataFrame, shared: np.ndarray,
                  first: tuple[pd.DataFrame, np.ndarray] | None) -> Problem | None:
    """The problem when scenario ``name``'s shared first-stage elements differ from the
    first scenario's (``first``: its elements and columns; None for the first itself);
    raises VerificationError when an element has no model column."""
    columns = ["variable", "element", "year"]
    if first is not None and (not mine[columns].equals(first[0][columns])
                              or len(shared) != len(first[1])):
        return changes_decisions(study, name)
    if (shared < 0).any():
        raise VerificationError([f"stochastic: scenario '{name}': a shared first-stage "
                                 "element has no model column."])
    return None


def build_remote(client: Any, data: NetworkData, study: Study, catalog: Catalog,
                  solver: SolverOptions) -> tuple[list[ScenarioModel], pd.DataFrame, RemoteShards]:
    """Build the scenario models on the client's workers (one Shard each); bring back only
    their matrices."""
    if not has_strategic(data):
        raise no_strategic(study)
    specs = scenario_specs(study, catalog)
    # A worker is one process for one core: its solves use one thread unless told
    if solver.threads is None:
        solver = dataclasses.replace(solver, threads=1)
    shards = start_shards(client, data, specs, study.revelation_year, solver)
    # _shards gives shard k the specs k, k + W, ... (W = shards, none of them empty)
    remote = RemoteShards(shards, [list(range(len(specs)))[k::len(shards)]
                              for k in range(len(shards))])
    described = remote.gather("blocks")
    first = described[0]
    problems = []
    scenarios = []
    for s, (spec, item) in enumerate(zip(specs, described, strict=True)):
        problem = check_shared(study, spec.name, item["elements"], item["shared"],
                                (first["elements"], first["shared"]) if s else None)
        if problem is not None:
            problems.append(problem)
            continue
        block = Block(item["runner"], spec.probability, item["constant_usd"], item["shared"])
        scenarios.append(ScenarioModel(spec.name, spec.probability, None, None, None, block,
                                   item["overrides"]))
    if problems:
        raise InputError(problems)
    return scenarios, first["elements"], remote


def fixed_runs(scenarios: list[ScenarioModel], values: np.ndarray | None,
               solver: SolverOptions, remote: RemoteShards | None,
               only: list[int] | None = None) -> list[ExtensiveRun]:
    """Each scenario alone (those ``only``, all when None), its shared first stage fixed to
    ``values`` (free when None), at ``solver``'s MIP gap; on ``remote`` shards only the
    chosen scenarios are solved, each on the worker that holds its model."""
    chosen = list(range(len(scenarios))) if only is None else only
    if remote is not None:  # only the chosen scenarios, at this solver's gap
        wanted = set(chosen)
        mine = [[i for i, s in enumerate(owned) if s in wanted] for owned in remote.owned]
        answers = call_shards(remote.shards, "fixed_runs", [
            (values, positions, float(solver.mip_gap)) for positions in mine])
        runs: dict[int, ExtensiveRun] = {}
        for owned, positions, answer in zip(remote.owned, mine, answers, strict=True):
            runs |= {owned[i]: run for i, run in zip(positions, answer, strict=True)}
        return [runs[s] for s in chosen]
    return [solve_extensive([scenarios[s].block.alone()], solver, fixed=values)
            for s in chosen]


def certify(scenarios: list[ScenarioModel], run: ExtensiveRun, remote: RemoteShards | None
             ) -> dict[str, Result]:
    """Each scenario's plan checked against its own tables (where its model lives)."""
    if remote is not None:
        checked = remote.gather("certify", per_shard=[
            ([run.runs[s] for s in owned],) for owned in remote.owned])
        return {scenario.name: result for scenario, result in zip(scenarios, checked,
                                                                  strict=True)}
    return {scenario.name: certified(scenario, run.runs[s])
            for s, scenario in enumerate(scenarios)}


def certified(scenario: ScenarioModel, run: HighsRun) -> Result:
    """One scenario's plan checked here (its model is in this process)."""
    if scenario.data is None or scenario.index is None:
        raise ValueError(f"scenario '{scenario.name}' was built on a worker")
    return scenario_result(scenario.name, scenario.data, scenario.m, scenario.index, run,
                           scenario.overrides)


def build_scenarios(data: NetworkData, study: Study, catalog: Catalog) -> tuple[list[ScenarioModel],
                                                                        pd.DataFrame]:
    scenarios: list[ScenarioModel] = []
    elements: pd.DataFrame | None = None
    problems: list[Problem] = []
    for scenario in study.scenarios:
        applied = apply_scenario(data, scenario.resolve(catalog) if scenario.patches
                                 else list(scenario.overrides), catalog)
        if not has_strategic(applied.data):
            raise no_strategic(study)
        index = build_index(applied.data)
        raise_if_unservable(scenario.name, applied.data, index)
        m, index = build_model(applied.data, index=index)
        runner = MilpRunner(m)
        mine = first_stage_elements(index, study.revelation_year)
        shared = shared_columns(runner, mine)
        problem = check_shared(study, scenario.name, mine, shared,
                                None if elements is None else
                                (elements, scenarios[0].block.shared))
        if elements is None:
            elements = mine
        if problem is not None:
            problems.append(problem)
            continue
        block = Block(runner, scenario.probability, strategic_constant_usd(index), shared)
        scenarios.append(ScenarioModel(scenario.name, scenario.probability, applied.data, m,
                                   index, block, applied.overrides))
    if problems:
        raise InputError(problems)
    assert elements is not None
    return scenarios, elements


def check_values(study: Study, run: ExtensiveRun, scenarios: list[ScenarioModel],
                  results: dict[str, Result]) -> list[str]:
    """Non-anticipativity, expected margin and CVaR from the checked scenario plans."""
    problems = []
    shared = [run.runs[s].primal[sc.block.runner.vlabels][sc.block.shared]
              for s, sc in enumerate(scenarios)]
    for s, values in enumerate(shared[1:], start=1):
        worst = float(np.max(np.abs(values - shared[0]))) if len(values) else 0.0
        if worst > 1e-6:
            problems.append(f"scenario '{scenarios[s].name}' departs from the shared first "
                            f"stage by {worst:g} (non-anticipativity).")
    margins = np.array([results[sc.name].objective_usd for sc in scenarios])
    probabilities = np.array([sc.probability for sc in scenarios])
    return problems + risk_problems(study, margins, probabilities, run.cvar_usd,
                                    run.objective_usd, proven=run.status == "optimal")
