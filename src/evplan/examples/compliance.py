"""Small networks with CO2 and zero-emission rules: the hand-solvable cases of issue 16.

:func:`two_powertrains` is one plant in country ``AA`` selling an ICE and a BEV program
into one market ``M1`` (country ``BB``, no duty), with a price-volume tier per program
and year; rule tables are passed as rows. :func:`with_tables` adds or replaces tables of
any NetworkData and revalidates it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from evplan.data import NetworkData, validate_tables

__all__ = ["two_powertrains", "with_tables"]


def with_tables(data: NetworkData, **tables: pd.DataFrame | Sequence[Mapping[str, Any]]
                ) -> NetworkData:
    """Return ``data`` with the given tables added or replaced, revalidated.

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> data = with_tables(single_lane(), carbon_prices=[{"year": 2025,
    ...                                                   "carbon_price_usd_per_t": 50}])
    >>> len(data["carbon_prices"])
    1
    """
    raw = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    for name, rows in tables.items():
        raw[name] = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    raw = {name: frame.astype(object).where(frame.notna(), "") for name, frame in raw.items()}
    scenario = {**data.scenario.as_dict(), "sources": dict(data.scenario.sources)}
    return validate_tables(raw, scenario, origin=data.origin)


def two_powertrains(
    *,
    years: Sequence[int] = (2025,),
    ice: Mapping[str, Any] | None = None,
    bev: Mapping[str, Any] | None = None,
    capacity: float = 1e6,
    freight: float = 0.0,
    co2_kg_per_vehicle: float = 0.0,
    **rules: Sequence[Mapping[str, Any]],
) -> NetworkData:
    """One plant (``P1``, country ``AA``), programs ``V-ICE`` and ``V-BEV``, market ``M1``.

    Parameters
    ----------
    years : sequence of int
        The horizon (consecutive years).
    ice, bev : mapping
        ``cost`` (variable cost per vehicle), ``price``, ``volume`` (one tier; a number or a
        mapping year -> number), ``g_per_km`` (certified CO2), ``battery_kwh``.
    capacity, freight, co2_kg_per_vehicle : float
        Plant capacity, freight and lane CO2 per vehicle.
    **rules
        Rows of compliance tables, e.g. ``fleet_targets=[{...}]``. ``program_emissions``
        defaults to the two programs' ``g_per_km``.

    Examples
    --------
    >>> data = two_powertrains(ice={"price": 20_000, "volume": 10})
    >>> sorted(data.programs["program"])
    ['V-BEV', 'V-ICE']
    """
    defaults = {"V-ICE": {"cost": 10_000.0, "price": 20_000.0, "volume": 10.0, "g_per_km": 120.0,
                        "battery_kwh": 0.0},
                "V-BEV": {"cost": 16_000.0, "price": 15_000.0, "volume": 1.0, "g_per_km": 0.0,
                        "battery_kwh": 50.0}}
    specs = {"V-ICE": {**defaults["V-ICE"], **(ice or {})},
             "V-BEV": {**defaults["V-BEV"], **(bev or {})}}
    demand = []
    for program, spec in specs.items():
        for year in years:
            volume = spec["volume"]
            volume = volume.get(year, 0.0) if isinstance(volume, Mapping) else volume
            demand.append({"market": "M1", "year": year, "product": program, "tier": 1,
                           "volume_vehicles": volume, "price_usd_per_vehicle": spec["price"]})
    tables: dict[str, Any] = {
        "plants": [{"plant": "P1", "country": "AA", "capacity_vehicles_per_year": capacity}],
        "programs": [{"program": name, "powertrain": name[2:], "segment": "C",
                      "battery_kwh": spec["battery_kwh"], "maker": "Maker"}
                     for name, spec in specs.items()],
        "plant_programs": [{"plant": "P1", "program": name,
                            "variable_cost_usd_per_vehicle": spec["cost"]}
                           for name, spec in specs.items()],
        "markets": [{"market": "M1", "country": "BB", "customs_basis": "CIF"}],
        "demand": demand,
        "routes": [{"plant": "P1", "market": "M1", "freight_usd_per_vehicle": freight,
                    "co2_kg_per_vehicle": co2_kg_per_vehicle}],
        "duties": [{"origin": "AA", "market": "M1", "powertrain": "*", "ad_valorem_rate": 0.0}],
        "program_emissions": [{"program": name, "co2_g_per_km": spec["g_per_km"]}
                              for name, spec in specs.items()],
    }
    tables.update(rules)
    frames = {name: pd.DataFrame(list(rows)) for name, rows in tables.items()}
    scenario = {"name": "two-powertrains (synthetic)", "first_year": min(years),
                "last_year": max(years)}
    return validate_tables(frames, scenario)
