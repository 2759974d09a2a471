"""Key figures of a strategic plan, in the KPI table's form: kpi, year, key, value, unit.

==========================  ================================================================
kpi                         meaning (per year; key as given)
==========================  ================================================================
network_costs               decided costs outside the plants' margins: one-offs (closures,
                            modules, tooling, entries, approvals, sites) and the yearly cost
                            of market presence and assembly sites, and the penalty of
                            unmet commitments when one is set (key ``all``)
network_value               margin - network_costs - compliance cost: the year's
                            contribution to the objective on the consolidated basis (key
                            ``all``)
attributable_value          network_value less the joint-venture partners' shares
capacity_by_country         decided capacity of a country's plants (key: country)
locally_assembled           vehicles assembled from kits (key: market)
plants_running              plants that run (key ``all``)
==========================  ================================================================
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from evplan.verify.compliance_cost import COST_COLUMNS

__all__ = ["STRATEGIC_KPI_UNITS", "compliance_by_year", "strategic_kpis", "value_by_year"]

STRATEGIC_KPI_UNITS = {
    "network_costs": "USD",
    "network_value": "USD",
    "attributable_value": "USD",
    "capacity_by_country": "vehicles/year",
    "locally_assembled": "vehicles",
    "plants_running": "plants",
}


def compliance_by_year(tables: Mapping[str, pd.DataFrame]) -> pd.Series:
    """Per year: the compliance tables' cost, the part of the objective the rules add.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        A plan's tables; those of :data:`evplan.verify.compliance_cost.COST_COLUMNS` are
        read (CO2 premiums and pooling, ZEV penalties and credit trades, production-credit
        trades, carbon cost).

    Returns
    -------
    pandas.Series
        USD of each year, indexed by year; empty without compliance tables.

    Examples
    --------
    >>> compliance_by_year({}).empty
    True
    """
    parts = [tables[name].groupby("year")[list(columns)].sum().sum(axis=1)
             for name, columns in COST_COLUMNS if name in tables and len(tables[name])]
    if not parts:
        return pd.Series(dtype=float)
    return pd.concat(parts, axis=1).fillna(0.0).sum(axis=1)


def value_by_year(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per year: margin, network costs, compliance cost, consolidated and attributable value
    (undiscounted). Discounted and summed, consolidated (or attributable) is the objective on
    that basis."""
    margin = tables["margin_by_plant"].groupby("year")["margin_usd"].sum()
    costs = tables["network_costs"]
    outside = costs[~costs["in_plant_margin"].astype(bool)].groupby("year")["cost_usd"].sum()
    partner = tables["equity_margin"].groupby("year")["partner_share_usd"].sum()
    frame = pd.DataFrame({"margin_usd": margin})
    frame["network_costs_usd"] = outside.reindex(frame.index, fill_value=0.0)
    frame["compliance_cost_usd"] = compliance_by_year(tables).reindex(frame.index,
                                                                      fill_value=0.0)
    frame["consolidated_usd"] = (frame["margin_usd"] - frame["network_costs_usd"]
                                 - frame["compliance_cost_usd"])
    frame["partner_share_usd"] = partner.reindex(frame.index, fill_value=0.0)
    frame["attributable_usd"] = frame["consolidated_usd"] - frame["partner_share_usd"]
    return frame.rename_axis("year").reset_index()


def strategic_kpis(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The strategic KPIs of the module docstring, tidy."""
    value = value_by_year(tables)
    frames = [
        value[["year", "network_costs_usd"]].rename(columns={"network_costs_usd": "value"}).assign(
            key="all", kpi="network_costs"),
        value[["year", "consolidated_usd"]].rename(columns={"consolidated_usd": "value"}).assign(
            key="all", kpi="network_value"),
        value[["year", "attributable_usd"]].rename(columns={"attributable_usd": "value"}).assign(
            key="all", kpi="attributable_value"),
    ]
    capacity = tables["utilisation"].groupby(["year", "country"], as_index=False)[
        ["capacity_vehicles_per_year"]].sum().rename(columns={
            "country": "key", "capacity_vehicles_per_year": "value"})
    frames.append(capacity.assign(kpi="capacity_by_country"))
    kits = tables["kit_shipments"]
    if len(kits):
        assembled = kits.groupby(["year", "market"], as_index=False)[["kits"]].sum().rename(
            columns={"market": "key", "kits": "value"})
        frames.append(assembled.assign(kpi="locally_assembled"))
    running = tables["utilisation"].assign(on=tables["utilisation"][
        "capacity_vehicles_per_year"] > 0).groupby("year", as_index=False)[["on"]].sum().rename(
        columns={"on": "value"})
    frames.append(running.assign(key="all", kpi="plants_running"))
    kpis = pd.concat(frames, ignore_index=True)[["kpi", "year", "key", "value"]]
    kpis["value"] = kpis["value"].astype(float)
    kpis["unit"] = kpis["kpi"].map(STRATEGIC_KPI_UNITS)
    kpis["year"] = kpis["year"].astype(int)
    return kpis.sort_values(["kpi", "year", "key"]).reset_index(drop=True)
