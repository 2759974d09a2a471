"""What ``evplan recycling`` prints: plants, tonnes and money by year, compliance, the note."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.table import Table

from evplan.examples import default_run_folder
from evplan.recycling.plan import RecyclingResult, percent
from evplan.recycling.regulation import target_name
from evplan.recycling.tables import TABLES, TableSource

__all__ = ["closing_note", "default_run_folder", "plants_table", "table_sources", "years_table"]

SHOWN = ("lithium", "nickel", "cobalt", "copper")


def table_sources(folder: Path | None) -> dict[str, TableSource]:
    """CSV files in ``folder`` named after recycling tables (``prices.csv``, ...).

    Other CSV files may sit there (the retired packs, notes), but one whose name is close
    to a table's (``pricez.csv``) is an input error: it would be silently left out.
    """
    if folder is None:
        return {}
    found: dict[str, TableSource] = {}
    names: set[str] = set()
    for name, (_, default) in TABLES.items():
        names |= {f"{name}.csv", default}
        for candidate in (folder / f"{name}.csv", folder / default):
            if candidate.exists():
                found[name] = candidate
                break
    import difflib

    from evplan.errors import InputError, Problem

    problems = []
    for path in sorted(folder.glob("*.csv")):
        # Close: a letter or two off (pricez.csv, price.csv), not a file that merely ends
        # like one (my_retired_packs.csv beside packs.csv) or an alternative (prices_eu.csv).
        close = [] if path.name in names else [
            name for name in difflib.get_close_matches(path.name, sorted(names), n=1,
                                                       cutoff=0.85)
            if abs(len(name) - len(path.name)) <= 2]
        if close:
            problems.append(Problem(path.name, f"{path.name} in {folder} is not a recycling "
                                    f"table, so it would be left out. Did you mean "
                                    f"'{close[0]}'? Rename it, or move it out of the folder."))
    if problems:
        raise InputError(problems)
    return found


def _years(result: RecyclingResult) -> list[int]:
    economics = result["economics"]
    years = economics["year"].tolist()
    return [y for y in years if y == years[0] or y == years[-1] or y % 5 == 0]


def years_table(result: RecyclingResult) -> Table:
    """Processed and recovered tonnes, revenue and net value in selected years."""
    years = _years(result)
    economics = result["economics"].set_index("year").reindex(years)
    recovered = result["recovered_by_year"].pivot_table(
        index="year", columns="material", values="recovered_tonnes", aggfunc="sum").reindex(
        years).fillna(0.0)

    def column(name: str, scale: float = 1.0) -> list[float]:
        return [float(value) / scale for value in economics[name].to_numpy(dtype=float)]

    table = Table(title="Recycling network by year")
    table.add_column("")
    for year in years:
        table.add_column(str(year), justify="right")
    table.add_row("Processed (kt)", *[f"{v:,.1f}" for v in column("tonnes_processed", 1e3)])
    for material in SHOWN:
        if material in recovered.columns:
            table.add_row(f"{material.capitalize()} recovered (t)",
                          *[f"{float(v):,.0f}" for v in recovered[material].to_numpy()])
    table.add_row("Revenue (M USD)", *[f"{v:,.1f}" for v in column("revenue_usd", 1e6)])
    table.add_row("Net value (M USD)", *[f"{v:,.1f}" for v in column("net_value_usd", 1e6)])
    table.add_row("Net value (USD/t)", *["-" if v != v else f"{v:,.0f}"
                                         for v in column("net_value_usd_per_tonne")])
    return table


def plants_table(result: RecyclingResult) -> Table:
    """Plants opened, with tier, process, year and lifetime utilisation."""
    plants = result["plants"]
    years = result["plant_years"].groupby("plant")["utilisation"].mean()
    table = Table(title="Recycling plants opened")
    for column in ("plant", "tier", "process", "opened", "t/yr", "mean utilisation"):
        table.add_column(column, justify="right" if column in ("t/yr", "opened",
                                                               "mean utilisation") else "left")
    for row in plants.itertuples():
        table.add_row(str(row.plant), str(row.tier), str(row.process), str(row.opened_year),
                      f"{row.capacity_tonnes_per_year:,.0f}", f"{years.get(row.plant, 0):.0%}")
    return table


def closing_note(result: RecyclingResult) -> list[str]:
    """The figures a reader needs in plain sentences: tonnes, value, compliance, what binds."""
    summary = result["summary"].iloc[0]
    recovered = result["recovered_by_year"].groupby("material")["recovered_tonnes"].sum()
    lines = [
        f"{int(summary['first_year'])}-{int(summary['last_year'])}: "
        f"{summary['processed_tonnes'] / 1e3:,.0f} kt of packs processed, "
        f"{summary['recovered_tonnes'] / 1e3:,.0f} kt recovered ("
        + ", ".join(f"{m} {recovered.get(m, 0.0) / 1e3:,.1f} kt" for m in SHOWN) + ").",
        f"Revenue {summary['revenue_usd'] / 1e9:,.2f} bn USD, cost "
        f"{summary['cost_usd'] / 1e9:,.2f} bn USD, net {summary['net_value_usd'] / 1e9:,.2f} bn "
        f"USD ({summary['net_value_usd_per_tonne']:,.0f} USD per tonne processed); "
        f"{int(summary['plants_opened'])} plant{'' if int(summary['plants_opened']) == 1 else 's'}"
        " opened.",
    ]
    binding = result.binding.get("processing_target")
    compared = dict(result.binding.get("plans_compared") or {})
    stopped = ", ".join(f"{which.replace('_', ' ')} {status}"
                        for which, status in compared.items() if status != "optimal")
    hedge = (f" (from plans a limit stopped before they were proven: {stopped}; the answer "
             "may change with a longer run)" if stopped else "")
    if result.binding.get("plan_without_targets_found") is False:
        lines.append("Which EU target binds first is not known: the plan without targets "
                     f"stopped ({compared.get('without_targets')}) before it found a plan. "
                     "Raise --time-limit to know it.")
    elif binding:
        name = "recycling efficiency" if binding["target"] == "recycling_efficiency" else (
            f"{binding['material']} recovery")
        lines.append(f"First EU target to bind: {name} of {percent(binding['share_required'])} in "
                     f"{binding['year']} (the plan without targets reaches "
                     f"{binding['share_without_target']:.1%} at {binding['scope']}){hedge}.")
    else:
        lines.append("No EU target changes the plan: the plan without them meets them, or "
                     f"no process meets them{hedge}.")
    compliance = result["compliance"]
    eu = compliance[compliance["scope"] == "EU"] if len(compliance) else compliance
    missed = eu[~eu["met"].astype(bool)] if len(eu) else eu
    plant_rows = compliance[compliance["scope"] != "EU"] if len(compliance) else compliance
    if len(missed):
        first = missed.sort_values("year").iloc[0]
        # tonnes short at the plants (each is bound), in the years the EU as a whole misses:
        # another plant's surplus does not make up for them as it does in the EU-wide row
        short = plant_rows.merge(missed[["year", "target", "material"]])
        total = short.groupby(["target", "material"], as_index=False)["shortfall_tonnes"].sum()
        parts = [f"{target_name(row.target, row.material)} short "
                 f"{row.shortfall_tonnes:,.0f} t in total" for row in total.itertuples()]
        lines.append(f"Not met with the sourced recovery rates: from {int(first['year'])}, "
                     + "; ".join(parts) + ".")
    # the targets bind each EU plant: one can miss while the EU as a whole meets them
    alone = _missed_at_plants_only(plant_rows, eu)
    if len(alone):
        parts = [f"{row.scope} {target_name(row.target, row.material)} short "
                 f"{row.shortfall_tonnes:,.0f} t from {row.year}" for row in alone.itertuples()]
        lines.append("Not met at single EU plants (each must meet the targets on what it "
                     "processes), although the EU plants together do: " + "; ".join(parts)
                     + ".")
    elif len(eu) and not len(missed):
        lines.append("EU plants meet every recycling-efficiency and material-recovery target.")
    content = result.binding.get("recycled_content")
    if content:
        lines.append(f"Recycled content: {content['material']} {percent(content['share_required'])}"
                     f" falls short in {content['year']} by {content['shortfall_tonnes']:,.0f} t"
                     " of EU-recovered supply.")
    elif len(result["recycled_content"]):
        lines.append("Recycled-content minima are covered by EU-recovered supply every year.")
    if result.status != "optimal" or result.mip_gap > 1e-6:
        lines.append(f"Solver: {result.status}, proven gap {result.mip_gap:.1%}.")
    return lines


def _missed_at_plants_only(plant_rows: pd.DataFrame, eu: pd.DataFrame) -> pd.DataFrame:
    """Plant targets missed in years the EU-wide row of the same target is met: per plant,
    target and material, the first such year and the tonnes short over those years."""
    missed = plant_rows[~plant_rows["met"].astype(bool)] if len(plant_rows) else plant_rows
    if not len(missed):
        return missed
    keys = ["year", "target", "material"]
    met = eu.loc[eu["met"].astype(bool), keys] if len(eu) else eu.reindex(columns=keys)
    alone = missed.merge(met, on=keys)
    return alone.groupby(["scope", "target", "material"], as_index=False).agg(
        year=("year", "min"), shortfall_tonnes=("shortfall_tonnes", "sum"))
