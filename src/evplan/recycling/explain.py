"""Why hard EU targets make the recycling model infeasible, from the elastic re-solve.

With ``--hard-targets`` (``target_penalty_usd_per_tonne=None``) a target that cannot be met
makes the MILP infeasible. :func:`evplan.recycling.plan.plan_recycling` then solves it
again with every target elastic at a high penalty: the plan that falls least short. Its
shortfalls are grouped here by plant, target, material and required share (one line for
the years 2034-2050, not one per year), with the reason when it lies in the tables:

* material recovery of *m* at share *T*: when no process the plant may run recovers *T* of
  *m* (``recovery.csv``), every tonne of packs holding *m* the plant processes falls
  short, so the target holds only if the plant processes none of them;
* recycling efficiency *T*: the chemistries whose best process recovers less than *T* of
  the pack mass; blending other packs in is the only way to meet it;
* a target some process meets, while another target of the plant in those years needs a
  different process (none the plant may run meets both): the two targets and the
  processes each needs.

The years are those of the elastic plan: packs that may wait (``max_storage_years``) wait,
so the first year named is the first in which processing them can no longer be avoided.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.recycling.capacity import years_text
from evplan.recycling.index import NetworkIndex

__all__ = ["explain_targets"]

TOL = 1e-6
SHOWN = 8


def _percent(share: float) -> str:
    return f"{round(100 * float(share), 2):g}%"


def _rates_by_process(index: NetworkIndex, processes: list[str], target: str, material: str,
                      chemistries: list[str]) -> pd.Series:
    """Per process: its recovery of ``material``, or (recycling efficiency) the least share
    of the pack mass it recovers over ``chemistries``."""
    rates = index.recovery.reindex(index=processes).fillna(0.0)
    if target == "material_recovery":
        return (rates[material] if material in rates else pd.Series(0.0, index=processes)
                ).astype(float)
    shares = index.shares.reindex(chemistries).fillna(0.0)
    if shares.empty:
        return pd.Series(np.nan, index=processes)
    efficiency = shares.to_numpy() @ rates.reindex(columns=shares.columns).fillna(
        0.0).to_numpy().T  # chemistry x process
    return pd.Series(efficiency.min(axis=0), index=processes)


def _what(target: str, material: str, chemistries: list[str]) -> str:
    if target == "material_recovery":
        return f"of {material}"
    return f"of the pack mass of {', '.join(chemistries)} packs"


def _conflict(index: NetworkIndex, plant: str, years: tuple[int, ...], target: str,
              material: str, share: float, chemistries: list[str], processes: list[str]
              ) -> str:
    """Another target of the plant in ``years`` that only processes failing this one meet."""
    this = _rates_by_process(index, processes, target, material, chemistries)
    meets = set(this.index[this >= share - 1e-12])
    others = index.targets[(index.targets["plant"] == plant)
                           & index.targets["year"].isin(years)][
        ["target", "material", "share"]].drop_duplicates()
    for other, other_material, other_share in others.itertuples(index=False):
        other, other_material = str(other), str(other_material)
        if (other, other_material, float(other_share)) == (target, material, share):
            continue
        rates = _rates_by_process(index, processes, other, other_material, chemistries)
        needs = set(rates.index[rates >= float(other_share) - 1e-12])
        if not needs or needs & meets:
            continue  # unattainable on its own (its own line says so), or no conflict

        def recovers(values: pd.Series, kind: str, material_: str) -> str:
            return ", ".join(f"{process} {_percent(value)}" for process, value
                             in values.sort_values(ascending=False).items()) + (
                f" {_what(kind, material_, chemistries)}")

        label = (f"{other} target ({other_material})" if other == "material_recovery"
                 else f"{other} target")
        return (f"only {_names(sorted(meets))} meets it (recovering "
                f"{recovers(this, target, material)}), but the plant's {label} of "
                f"{_percent(other_share)} needs {_names(sorted(needs))} (recovering "
                f"{recovers(rates, other, other_material)}): no process the plant may run "
                "meets both")
    return ""


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _best(index: NetworkIndex, plant: str, target: str, material: str, share: float,
          chemistries: list[str], years: tuple[int, ...] = ()) -> str:
    """The reason in the tables, or an empty string when the mix is the problem."""
    processes = sorted(set(index.configs.loc[index.configs["plant"] == plant, "process"]))
    rates = index.recovery.reindex(index=processes).fillna(0.0)
    if target == "material_recovery":
        column = rates[material] if material in rates else pd.Series(0.0, index=processes)
        if len(column) and float(column.max()) >= share - 1e-12:
            return _conflict(index, plant, years, target, material, share, chemistries,
                             processes)
        best = str(column.idxmax()) if len(column) else "-"
        return (f"no process the plant may run recovers that share of {material} (the best, "
                f"{best}, recovers {_percent(float(column.max()) if len(column) else 0.0)}), "
                f"so every tonne of packs holding {material} it processes falls short")
    shares = index.shares.reindex(chemistries).fillna(0.0)
    efficiency = shares.to_numpy() @ rates.reindex(columns=shares.columns).fillna(
        0.0).to_numpy().T  # chemistry x process
    if efficiency.size == 0:
        return ""
    best = efficiency.max(axis=1)
    which = np.asarray(processes)[efficiency.argmax(axis=1)]
    parts = [f"{_percent(value)} of {chemistry} packs ({process})"
             for chemistry, value, process in zip(chemistries, best, which, strict=True)
             if value < share]
    if parts:
        return ("the processes the plant may run recover at most " + ", ".join(parts)
                + ", and the packs it must take cannot be blended up to the share")
    return _conflict(index, plant, years, target, material, share, chemistries, processes)


def explain_targets(index: NetworkIndex, shortfall: np.ndarray, flow_tonnes: np.ndarray
                    ) -> list[str]:
    """One line per plant, target, material and share that the elastic plan falls short of.

    Parameters
    ----------
    index : NetworkIndex
        The network solved.
    shortfall : numpy.ndarray
        Tonnes short per target row of the elastic plan.
    flow_tonnes : numpy.ndarray
        Tonnes per flow of the elastic plan.

    Returns
    -------
    list of str
        The lines, the earliest first; empty when nothing falls short.
    """
    rows = index.targets.assign(shortfall=shortfall)
    rows = rows[rows["shortfall"] > TOL]
    if rows.empty:
        return []
    flows = index.flows.assign(tonnes=flow_tonnes)
    flows = flows[flows["tonnes"] > TOL]
    groups = []
    for (plant, target, material, _), group in rows.groupby(
            ["plant", "target", "material", "share"], sort=False):
        years = tuple(int(y) for y in sorted(group["year"]))
        first = group.loc[group["year"] == years[0], "shortfall"].sum()
        there = flows[(flows["plant"] == plant) & flows["year"].isin(years)]
        chemistries = sorted(set(there["chemistry"]))
        share = float(group["share"].iloc[0])
        groups.append((years[0], str(target), str(material), str(plant), share, years,
                       float(group["shortfall"].sum()), float(first),
                       float(there["tonnes"].sum()), chemistries))
    groups.sort(key=lambda item: item[:4])
    lines = []
    for (_, target, material, plant, share, years, total, first, tonnes,
         chemistries) in groups[:SHOWN]:
        what = "of the pack mass" if target == "recycling_efficiency" else f"({material})"
        reason = _best(index, plant, target, material, share, chemistries, years)
        lines.append(
            f"EU target {target} {what} of {_percent(share)} at plant '{plant}' cannot be met "
            f"in {years_text(years)}" + (f": {reason}" if reason else "")
            + f". In the plan that falls least short, the plant processes {tonnes:,.1f} t of "
            f"{', '.join(chemistries)} packs in {years_text(years)} and misses the target by "
            f"{total:,.1f} t" + (f" ({first:,.1f} t in {years[0]})" if len(years) > 1 else "")
            + ". Fix: allow a shortfall (leave out "
            "--hard-targets; target_penalty_usd_per_tonne), change the recovery rates in "
            "recovery.csv, or allow lanes that let these packs go to plants outside the EU.")
    if len(groups) > SHOWN:
        lines.append(f"... and {len(groups) - SHOWN} more plant targets "
                     f"({sum(item[6] for item in groups[SHOWN:]):,.1f} t short).")
    return lines
