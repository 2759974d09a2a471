"""Why a two-stage study has no plan: the scenarios with none on their own, or those that
cannot share the network decisions (see docs/stochastic.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evplan.errors import InfeasibleError, InputError, Problem, SolverLimitError
from evplan.highs import SolverOptions
from evplan.twostage.extensive import ExtensiveRun, solve_extensive

if TYPE_CHECKING:
    from evplan.data import NetworkData
    from evplan.model.index import ModelIndex
    from evplan.twostage.models import RemoteShards, ScenarioModel
    from evplan.twostage.tree import Study

__all__ = ["changes_decisions", "eev_status", "no_strategic", "raise_if_unservable",
           "raise_no_plan", "why_no_plan"]


def eev_status(ev_run: ExtensiveRun, names: list[str], statuses: list[str]) -> str:
    """``optimal`` when the expected-value problem and its plan's completion in every
    scenario (``statuses``, by scenario ``names``) were solved to optimality; else what was
    not: a scenario where the plan has no completion (VSS unbounded), or solves a limit
    stopped (EEV and VSS are then those of the plans found, not proven).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> print(eev_status(SimpleNamespace(status="time_limit", mip_gap=0.25), ["a", "b"],
    ...                  ["optimal", "time_limit"]))  # doctest: +NORMALIZE_WHITESPACE
    the expected-value problem stopped (time_limit, gap 25.0 %); its plan's completion
    stopped (time_limit) in b: EEV and VSS are those of the plans found, not proven
    """
    infeasible = [name for name, status in zip(names, statuses, strict=True)
                  if status in ("infeasible", "unbounded")]
    if infeasible:
        return (f"the expected-value plan has no feasible completion in "
                f"{', '.join(infeasible)}: VSS is unbounded")
    parts = []
    if ev_run.status != "optimal":
        parts.append(f"the expected-value problem stopped ({ev_run.status}, gap "
                     f"{100 * ev_run.mip_gap:.1f} %)")
    stopped = [(name, status) for name, status in zip(names, statuses, strict=True)
               if status != "optimal"]
    if stopped:
        parts.append(f"its plan's completion stopped ({stopped[0][1]}) in "
                     f"{', '.join(name for name, _ in stopped)}")
    return "optimal" if not parts else (
        "; ".join(parts) + ": EEV and VSS are those of the plans found, not proven")


def why_no_plan(scenarios: list[ScenarioModel], solver: SolverOptions, revelation: int | None,
                remote: RemoteShards | None = None) -> list[str]:
    """Which scenarios have no plan on their own (with what binds), or which cannot share.

    Each scenario is solved alone (nothing shared); one without a plan is explained by the
    strategic model's elastic re-solve (:func:`~evplan.strategic.explain.
    explain_strategic_infeasibility`), on the Dask worker that holds its model when the
    study runs on ``remote`` shards. When every scenario has a plan alone, each is paired
    with the first to name those whose network decisions cannot be shared.
    """
    from evplan.strategic.explain import explain_strategic_infeasibility

    shared = ("the network decisions of every year" if revelation is None else
              f"the network decisions up to {revelation}")
    lonely = [scenario for scenario in scenarios
              if (alone := solve_extensive([scenario.block.alone()], solver)).status
              == "infeasible" and not alone.has_solution]
    held = {scenario.name for scenario in lonely if scenario.data is None}  # on a worker
    remote_lines = (dict(zip((scenario.name for scenario in scenarios),
                             remote.gather("explain", sorted(held)), strict=True))
                    if held and remote is not None else {})
    lines: list[str] = []
    for scenario in lonely:
        if scenario.data is not None and scenario.index is not None:
            binds = explain_strategic_infeasibility(scenario.data, scenario.index, solver)
        else:
            binds = remote_lines.get(scenario.name) or [
                "its model is held on a Dask worker that was not asked; run the study "
                "without --workers to see what binds."]
        lines += [f"scenario '{scenario.name}' has no feasible plan even on its own: {line}"
                  for line in binds]
    if lines or len(scenarios) < 2:
        return lines
    first = scenarios[0]
    for scenario in scenarios[1:]:
        pair = solve_extensive([first.block.alone(), scenario.block.alone()], solver)
        if not pair.has_solution and pair.status == "infeasible":
            lines.append(f"scenarios '{first.name}' and '{scenario.name}' each have a plan on "
                         f"their own, but no plan shares {shared}: what one needs, the "
                         "other cannot run (e.g. a plant one must keep and the other must "
                         "idle). Move revelation_year earlier, or relax the rule that "
                         "binds in one of them.")
    return lines or [f"every scenario has a plan on its own, and each one with "
                     f"'{first.name}', but no plan shares {shared} across all of them. "
                     "Move revelation_year earlier, or solve subsets of the scenarios to "
                     "find the conflict."]


def raise_no_plan(run: ExtensiveRun, what: str, scenarios: list[ScenarioModel] | None = None,
                  solver: SolverOptions | None = None, revelation: int | None = None,
                  remote: RemoteShards | None = None) -> None:
    """Raise InfeasibleError (with :func:`why_no_plan` when ``scenarios`` are given) or
    SolverLimitError for a run without a plan.

    Without ``scenarios``, ``run`` is a re-solve whose plan the study's own solves imply (a
    scenario alone after the study had a plan, the study's plan completed in a scenario):
    infeasible or unbounded there is a contradiction, said as such.
    """
    if run.status == "infeasible" and scenarios:
        reasons = why_no_plan(scenarios, solver or SolverOptions(), revelation, remote)
        raise InfeasibleError([f"{what} is infeasible.", *reasons])
    if run.status in ("infeasible", "unbounded"):
        raise InfeasibleError([f"{what} is {run.status}, which evplan does not expect "
                               "here: it points to a numerical problem in the inputs "
                               "(numbers many orders of magnitude apart) or to a bug in "
                               "evplan. Please report it with the inputs."])
    raise SolverLimitError(f"evplan: the solver stopped ({run.status}) after "
                           f"{run.seconds:.1f} s without a plan for {what}. Raise "
                           "--time-limit.")


def raise_if_unservable(name: str, data: NetworkData, index: ModelIndex,
                        solver: SolverOptions | None = None) -> None:
    """Raise InfeasibleError, explained, when scenario ``name`` has a commitment no sale can
    serve or a fixed plant's minimum with no flow: linopy drops such an empty row, so the
    study would plan without it (:func:`evplan.strategic.solve.empty_strategic_requirements`)."""
    from evplan.strategic.explain import explain_strategic_infeasibility
    from evplan.strategic.solve import empty_strategic_requirements

    if empty_strategic_requirements(data, index):
        raise InfeasibleError([f"scenario '{name}' has no feasible plan even on its own: "
                               f"{line}" for line in
                               explain_strategic_infeasibility(data, index, solver)])


def no_strategic(study: Study) -> InputError:
    """The error for a study on inputs without a strategic table (nothing to share)."""
    return InputError([Problem("scenarios.yaml", f"study '{study.name}': the inputs have no "
                               "strategic table (plant_strategy.csv, ...), so there is no "
                               "first-stage decision to share. Run it on strategic inputs "
                               "such as china-strategic.")])


def changes_decisions(study: Study, name: str) -> Problem:
    """The problem of a study scenario whose overrides change which decisions exist."""
    return Problem("scenarios.yaml", f"study '{study.name}': scenario '{name}' changes which "
                   "network decisions exist (its overrides add or remove plants, programs, "
                   "markets or sites, or change their years). Overrides of a study may change "
                   "numbers only; change them in scenarios.yaml.")
