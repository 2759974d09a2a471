"""What ``evplan fleet`` and ``evplan charging`` do, kept out of ``cli.py``: find or make the
run, call the library, write the tables, and format the summary tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evplan.charging.report import ports_text
from evplan.examples import default_run_folder

if TYPE_CHECKING:
    from rich.table import Table

    from evplan.charging.api import ChargingResult, SitingExample
    from evplan.fleet.stock import FleetResult

__all__ = ["charging_tables", "default_run_folder", "default_store", "fleet_table",
           "method_note", "refresh_report"]


def default_store(folder: Path) -> Path:
    """``evplan.duckdb`` in the folder that holds the run folder (as ``evplan run -o``)."""
    return folder.resolve().parent / "evplan.duckdb"


def refresh_report(folder: Path) -> Path | None:
    """Re-render the run folder's ``report.html`` from its tables, when it has one evplan
    wrote.

    The report then shows the "Fleet and charging" section; the file is replaced whole and
    keeps its kind (self-contained, or loading the shared plotly.js). A ``report.html``
    without evplan's generator tag (the user's own page, or an edited one) is left as it is,
    as ``evplan report`` leaves it without ``--force``.
    Returns the file, or None when the folder has no report evplan wrote.
    """
    from evplan.outputs.targets import evplan_html
    from evplan.report.api import REPORT_FILE, uses_shared_plotlyjs, write_report

    page = folder / REPORT_FILE
    if page.is_symlink() or not page.is_file() or not evplan_html(page):
        return None
    return write_report([folder], self_contained=not uses_shared_plotlyjs(folder / REPORT_FILE))


def fleet_table(fleet: FleetResult, markets: list[str], years: list[int]) -> Table:
    """Vehicles in use by powertrain and packs retired, per market and year."""
    from rich.table import Table

    table = Table(title="Vehicles in use (end of year) and battery packs retired")
    for name in ("market", "year", "BEV", "PHEV", "HEV", "ICE", "retired", "packs retired",
                 "pack t"):
        table.add_column(name, justify="left" if name == "market" else "right")
    stock = fleet["fleet"]
    wide = stock[stock["market"].isin(markets) & stock["year"].isin(years)].pivot_table(
        index=["market", "year"], columns="powertrain", values="vehicles_in_use",
        aggfunc="sum").fillna(0.0)
    retired = stock.groupby(["market", "year"])["retired_vehicles"].sum()
    packs = fleet["packs_retired"].groupby(["market", "year"])[["packs", "tonnes"]].sum()
    for row in wide.reset_index().to_dict("records"):
        market, year = row["market"], row["year"]
        key = (market, year)
        table.add_row(str(market), str(year),
                      *[f"{row.get(p, 0.0):,.0f}" for p in ("BEV", "PHEV", "HEV", "ICE")],
                      f"{retired.get(key, 0.0):,.0f}",
                      f"{packs['packs'].get(key, 0.0):,.0f}",
                      f"{packs['tonnes'].get(key, 0.0):,.0f}")
    return table


def charging_tables(charging: ChargingResult, example: SitingExample | None) -> list[Any]:
    """Rich tables: per market and year, energy, ports by method (AC/DC) and cost."""
    from rich.table import Table

    summary = charging["charging_summary"]
    energy = charging["charging_energy"].set_index(["market", "year"])
    ports = charging["charging_ports"]
    dc = ports[ports["power_kw"] > 22].groupby(["market", "year", "method"])["ports"].sum()
    ac = ports[ports["power_kw"] <= 22].groupby(["market", "year", "method"])["ports"].sum()
    table = Table(title="Public charging: energy, ports (AC / DC) by method, capital cost of "
                        "ports added (M USD)")
    columns = ["market", "year", "BEV+PHEV", "public MWh/day", "AFIR ports", "bench. ports",
               "queue ports", "AFIR M$", "bench. M$", "queue M$"]
    for name in columns:
        table.add_column(name, justify="left" if name == "market" else "right")
    cost = summary.set_index(["market", "year", "method"])["capex_usd"]
    for row in energy.reset_index().to_dict("records"):
        market, year = row["market"], row["year"]

        def split(method: str, m: Any = market, y: Any = year) -> str:
            return (f"{ac.get((m, y, method), 0.0):,.0f} / "
                    f"{dc.get((m, y, method), 0.0):,.0f}")

        table.add_row(str(market), str(year),
                      f"{row['bev_vehicles'] + row['phev_vehicles']:,.0f}",
                      f"{row['public_energy_kwh_per_day'] / 1000:,.1f}",
                      split("afir"), split("benchmark"), split("queueing"),
                      *[f"{cost.get((market, year, m), 0.0) / 1e6:,.1f}"
                        for m in ("afir", "benchmark", "queueing")])
    tables: list[Any] = [table]
    if example is not None:
        sites = example.zones.sites[example.zones.sites["open"]]
        site_table = Table(title=f"Siting example ({example.charger_class}, {example.market} "
                                 f"{example.year}; {example.describe('zones', 'sites')}): "
                                 f"{len(sites)} sites, "
                                 f"{example.zones.covered_share:.0%} of demand within "
                                 f"{example.zones.details['service_radius_km']:g} km")
        for name in ("site", "zones", "peak arrivals/h", "ports", "P(wait)", "mean wait min",
                     "site + ports M$"):
            site_table.add_column(name, justify="left" if name == "site" else "right")
        for site in sites.to_dict("records"):
            site_table.add_row(
                str(site["site"]), str(site["zones"]), f"{site['peak_hour_arrivals']:.1f}",
                f"{site['ports']}{' (short)' if site['short_of_ports'] else ''}",
                f"{site['wait_probability']:.2f}", f"{site['mean_wait_minutes']:.1f}",
                f"{(site['site_cost_usd'] + site['port_capex_usd']) / 1e6:.2f}")
        tables.append(site_table)
        road = example.corridor
        road_source = ("synthetic" if example.synthetic["corridor"]
                       else f"from {example.sources['corridor']}")
        tables.append(f"Corridor ({road.road_length_km:g} km road, {road_source}; "
                      f"{road.candidates} candidates): {len(road.pools)} pools, largest gap "
                      f"{road.max_gap_km:.1f} km, {ports_text(road.pools['ports'].iloc[0])} of "
                      f"{road.pools['pool_kw'].iloc[0] / road.pools['ports'].iloc[0]:g} kW "
                      f"each (AFIR pool {road.pools['pool_kw'].iloc[0]:g} kW in "
                      f"{example.year}), {road.pools['capex_usd'].sum() / 1e6:.1f} M USD."
                      + (f" {example.unproven()}" if example.unproven() else ""))
    tables.append(method_note(charging, siting=example is not None))
    return tables


def method_note(charging: ChargingResult, siting: bool = True) -> str:
    """One paragraph on where the methods disagree, over all markets in the last year
    (``siting``: the siting example is shown beside it)."""
    ports = charging["charging_ports"]
    year = charging.years[-1]
    last = ports[ports["year"] == year]
    dc = last[last["power_kw"] > 22].groupby("method")["ports"].sum()
    total = last.groupby("method")["ports"].sum()
    power = last.groupby("method")["public_power_kw"].sum() / 1000
    queue = last[last["method"] == "queueing"]
    utilisation = float((queue["utilisation_at_peak"] * queue["ports"]).sum()
                        / max(queue["ports"].sum(), 1))
    parts = [f"{m}: {ports_text(total.get(m, 0))} ({dc.get(m, 0):,.0f} DC), "
             f"{power.get(m, 0):,.0f} MW" for m in ("afir", "benchmark", "queueing")]
    count = len(charging.markets)
    return (f"In {year}, over {count} market{'s' if count != 1 else ''} — "
            + "; ".join(parts) + ". "
            "AFIR fixes public power per vehicle whatever the vehicles drive; the benchmark "
            "copies today's EVs-per-point ratios (China-like dense or US-like sparse); "
            "queueing sizes ports for the public energy actually bought at the peak hour, "
            f"pooled into stations of at most the class's size (peak load per port "
            f"{utilisation:.2f}), so it ignores coverage"
            + (": the siting example adds that." if siting else "."))


def summarise_markets(charging: ChargingResult, markets: list[str]) -> pd.DataFrame:
    """One row per market, year and method (for notes and tests)."""
    summary = charging["charging_summary"]
    return summary[summary["market"].isin(markets)]
