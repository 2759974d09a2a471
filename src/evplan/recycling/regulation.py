r"""EU Battery Regulation (EU) 2023/1542: recycling targets and recycled content.

Two kinds of requirement:

* **Recycling efficiency and material recovery** (Annex XII, Part B and C) apply to what a
  recycler processes. The network model imposes them per EU plant and year
  (:func:`evplan.recycling.network.add_targets`); :func:`target_compliance` reports the
  shares each plant and the EU as a whole achieve. Masses are element masses: recovered
  compounds (carbonates, sulphates, oxides) are counted by their metal content, which is
  stricter than the delegated methodology (Regulation (EU) 2025/606).
* **Recycled content** (Art. 8) applies to new EV batteries placed on the EU market: from
  18 Aug 2031 at least 16 % cobalt, 6 % lithium and 6 % nickel from recycling; from 18 Aug
  2036 26 %, 12 % and 15 %. :func:`recycled_content` compares the requirement for the
  batteries in the vehicles the plan sells in the EU with what EU plants recover in the
  same year, and gives the shortfall in tonnes. Targets apply from their calendar year
  (2031 and 2036 count as whole years).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.recycling.index import active_targets

__all__ = ["first_binding", "recycled_content", "target_compliance", "target_name"]


def target_name(target: object, material: object) -> str:
    """How a compliance row's target is named in text: ``efficiency`` for the recycling
    efficiency, else its material."""
    return "efficiency" if target == "recycling_efficiency" else str(material)

MATERIAL_OF_TARGET = {"recycling_efficiency": "all materials"}


def target_compliance(recovered: pd.DataFrame, targets: pd.DataFrame, eu_plants: set[str],
                      years: np.ndarray) -> pd.DataFrame:
    """Achieved recycling efficiency and material recovery of EU plants against the targets.

    Parameters
    ----------
    recovered : pandas.DataFrame
        ``plant``, ``year``, ``material``, ``input_tonnes``, ``recovered_tonnes``
        (:func:`evplan.recycling.materials.mass_balance`).
    targets : pandas.DataFrame
        The ``targets`` table.
    eu_plants : set of str
        Plants the targets apply to.
    years : numpy.ndarray
        Years planned.

    Returns
    -------
    pandas.DataFrame
        One row per plant (and ``EU`` for all EU plants together), year and target:
        ``scope``, ``year``, ``target``, ``material``, ``share_required``,
        ``input_tonnes``, ``recovered_tonnes``, ``share_achieved``, ``shortfall_tonnes``,
        ``met``.
    """
    in_force = active_targets(targets[targets["target"] != "recycled_content"], years)
    eu = recovered[recovered["plant"].isin(eu_plants)]
    if eu.empty or in_force.empty:
        return pd.DataFrame(columns=["scope", "year", "target", "material", "share_required",
                                     "input_tonnes", "recovered_tonnes", "share_achieved",
                                     "shortfall_tonnes", "met"])
    by_plant = eu.rename(columns={"plant": "scope"})
    pooled = eu.groupby(["year", "material"], as_index=False)[
        ["input_tonnes", "recovered_tonnes"]].sum().assign(scope="EU")
    both = pd.concat([by_plant[["scope", "year", "material", "input_tonnes",
                                "recovered_tonnes"]], pooled], ignore_index=True)
    total = both.groupby(["scope", "year"], as_index=False)[
        ["input_tonnes", "recovered_tonnes"]].sum().assign(material="*")
    rows = pd.concat([both, total], ignore_index=True)
    merged = in_force.merge(rows, on=["year", "material"])
    merged = merged[merged["input_tonnes"] > 1e-9]
    merged["share_achieved"] = merged["recovered_tonnes"] / merged["input_tonnes"]
    merged["shortfall_tonnes"] = np.maximum(
        merged["share"] * merged["input_tonnes"] - merged["recovered_tonnes"], 0.0)
    merged.loc[merged["shortfall_tonnes"] < 1e-6 * merged["input_tonnes"],
               "shortfall_tonnes"] = 0.0
    merged["met"] = merged["shortfall_tonnes"] <= 0
    out = merged.rename(columns={"share": "share_required"})[
        ["scope", "year", "target", "material", "share_required", "input_tonnes",
         "recovered_tonnes", "share_achieved", "shortfall_tonnes", "met"]]
    order = out["scope"].ne("EU")
    return out.assign(_order=order).sort_values(["_order", "scope", "year", "target",
                                                 "material"]).drop(columns="_order"
                                                                   ).reset_index(drop=True)


def recycled_content(new_batteries: pd.DataFrame | None, intensities: pd.DataFrame,
                     recovered: pd.DataFrame, targets: pd.DataFrame, eu_plants: set[str],
                     years: np.ndarray) -> pd.DataFrame:
    """Recycled-content minima for new EU batteries against what EU plants recover.

    Parameters
    ----------
    new_batteries : pandas.DataFrame or None
        ``year``, ``chemistry``, ``kwh`` of batteries placed on the EU market.
    intensities : pandas.DataFrame
        The ``materials`` table (chemistry, material, kg_per_kwh).
    recovered : pandas.DataFrame
        As for :func:`target_compliance`.
    targets : pandas.DataFrame
        The ``targets`` table (``recycled_content`` rows are used).
    eu_plants : set of str
        Plants whose output counts as recycled supply.
    years : numpy.ndarray
        Years planned.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``material``, ``share_required``, ``demand_tonnes`` (material in new EU
        batteries), ``required_tonnes``, ``recycled_supply_tonnes`` (EU plants' recovery),
        ``shortfall_tonnes``, ``met``.
    """
    columns = ["year", "material", "share_required", "demand_tonnes", "required_tonnes",
               "recycled_supply_tonnes", "shortfall_tonnes", "met"]
    in_force = active_targets(targets[targets["target"] == "recycled_content"], years)
    if new_batteries is None or new_batteries.empty or in_force.empty:
        return pd.DataFrame(columns=columns)
    demand = new_batteries.merge(intensities[["chemistry", "material", "kg_per_kwh"]],
                                 on="chemistry")
    demand["demand_tonnes"] = demand["kwh"] * demand["kg_per_kwh"] / 1000.0
    demand = pd.DataFrame(demand.groupby(["year", "material"], as_index=False)[
        "demand_tonnes"].sum())
    supply = recovered[recovered["plant"].isin(eu_plants)].groupby(
        ["year", "material"], as_index=False)["recovered_tonnes"].sum()
    out = in_force.merge(demand, on=["year", "material"], how="left").merge(
        supply, on=["year", "material"], how="left").fillna(
        {"demand_tonnes": 0.0, "recovered_tonnes": 0.0})
    out["required_tonnes"] = out["share"] * out["demand_tonnes"]
    out["shortfall_tonnes"] = np.maximum(out["required_tonnes"] - out["recovered_tonnes"], 0.0)
    out["met"] = out["shortfall_tonnes"] <= 1e-9
    out = out.rename(columns={"share": "share_required",
                              "recovered_tonnes": "recycled_supply_tonnes"})
    return out[columns].sort_values(["year", "material"]).reset_index(drop=True)


def _in_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in the tie-break order of :func:`first_binding`."""
    return rows.assign(_plant=rows["scope"].ne("EU")).sort_values(
        ["year", "target", "material", "_plant", "scope"], kind="stable").drop(columns="_plant")


def first_binding(unconstrained: pd.DataFrame, constrained: pd.DataFrame,
                  content: pd.DataFrame) -> dict[str, object]:
    """Which target binds first, which cannot be met, and the first recycled-content gap.

    ``unconstrained`` is :func:`target_compliance` of the plan solved *without* the EU
    targets, ``constrained`` that of the plan with them. A target *binds* in a year when
    the plan without targets misses it (EU-wide or at an EU plant) and the plan with
    targets meets it there, or processes nothing there that year (the target moved the
    packs away): it changed the plan. A target the plan with targets still
    misses *cannot be met* with the inputs (``unattainable``). ``content`` is the
    recycled-content table; its first shortfall is reported as ``recycled_content``.

    Ties are broken in a fixed order, so the same plans always give the same answer:
    earliest year, then target name (``material_recovery`` before
    ``recycling_efficiency``), then material (``*``, the whole pack, before element
    names), then scope (``EU`` before any plant, plants by id).
    """
    answer: dict[str, object] = {"processing_target": None, "unattainable": None,
                                 "recycled_content": None}
    keys = ["scope", "year", "target", "material"]
    if not constrained.empty:
        missed = _in_order(constrained[~constrained["met"].astype(bool)])
        if len(missed):
            first = missed.iloc[0]
            answer["unattainable"] = {
                "year": int(first["year"]), "target": str(first["target"]),
                "material": str(first["material"]), "scope": str(first["scope"]),
                "share_required": float(first["share_required"]),
                "share_achieved": float(first["share_achieved"])}
    if not unconstrained.empty:
        short = unconstrained[~unconstrained["met"].astype(bool)]
        if not constrained.empty:
            # met with the targets, or no row: the plant (or every EU plant) processes
            # nothing then, so nothing falls short; the target moved the packs away
            missed = constrained.loc[~constrained["met"].astype(bool), keys]
            short = short.merge(missed, on=keys, how="left", indicator=True)
            short = short[short.pop("_merge") == "left_only"]
        short = _in_order(short)
        if len(short):
            first = short.iloc[0]
            answer["processing_target"] = {
                "year": int(first["year"]), "target": str(first["target"]),
                "material": str(first["material"]), "share_required": float(
                    first["share_required"]), "share_without_target": float(
                    first["share_achieved"]), "scope": str(first["scope"])}
    if not content.empty:
        short = content[~content["met"].astype(bool)].sort_values(["year", "material"])
        if len(short):
            first = short.iloc[0]
            answer["recycled_content"] = {
                "year": int(first["year"]), "material": str(first["material"]),
                "share_required": float(first["share_required"]),
                "shortfall_tonnes": float(first["shortfall_tonnes"])}
    return answer
