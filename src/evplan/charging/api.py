"""``plan_charging``: from a fleet to public energy, ports by class (both methods), cost, sites."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.charging.check import charging_problems
from evplan.charging.params import (
    CHARGER_CLASSES,
    CHARGER_COSTS,
    CHARGING_MARKETS,
    Afir,
    ChargingParameters,
    load_afir,
    load_parameters,
    market_problems,
)
from evplan.charging.siting import (
    CorridorResult,
    SitingResult,
    corridor_pools,
    pool_power_problems,
    read_corridor,
    read_sites,
    read_zones,
    site_chargers,
)
from evplan.charging.sizing import QueueTarget, energy_demand, port_costs, ports_by_method
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem, VerificationError
from evplan.fleet.sales import check_markets
from evplan.fleet.stock import FleetResult
from evplan.fleet.tables import TableSource, look_alike_ids

__all__ = ["ChargingOptions", "ChargingResult", "SitingExample", "plan_charging",
           "siting_example"]


@dataclass(frozen=True)
class ChargingOptions:
    """What to size and how.

    Attributes
    ----------
    markets : tuple of str or None
        Markets to size (None: the plan's export markets when the fleet has a plan, else
        every market of the fleet).
    first_year, last_year : int or None
        Years to size (None: the plan's years, or the fleet's).
    target : QueueTarget
        Service target of the queueing method.
    public_kw_per_bev, public_kw_per_phev : float or None
        Override the AFIR fleet targets (None: ``afir.yaml``).
    """

    markets: tuple[str, ...] | None = None
    first_year: int | None = None
    last_year: int | None = None
    target: QueueTarget = field(default_factory=QueueTarget)
    public_kw_per_bev: float | None = None
    public_kw_per_phev: float | None = None

    def afir(self) -> Afir:
        """AFIR numbers with any override applied."""
        afir = load_afir()
        return replace(afir,
                       public_kw_per_bev=afir.public_kw_per_bev if self.public_kw_per_bev is None
                       else self.public_kw_per_bev,
                       public_kw_per_phev=afir.public_kw_per_phev
                       if self.public_kw_per_phev is None else self.public_kw_per_phev)


@dataclass(frozen=True)
class ChargingResult:
    """Public energy, ports by method and class, and cost, by market and year.

    Attributes
    ----------
    tables : Mapping[str, pandas.DataFrame]
        ``charging_energy`` (market, year: bev_vehicles, phev_vehicles, energy_kwh_per_day,
        public_share, public_energy_kwh_per_day); ``charging_demand`` (by charger_class:
        sessions, peak-hour arrivals, offered load); ``charging_ports`` (market, year,
        method, charger_class: ports, public_power_kw, ports_added, capex_usd and queueing
        details); ``charging_summary`` (market, year, method: ports by class in columns,
        ports, public_power_kw, capex_usd, cumulative_capex_usd).
    markets : tuple of str
    years : tuple of int
    options : ChargingOptions
    """

    tables: Any
    markets: tuple[str, ...]
    years: tuple[int, ...]
    options: ChargingOptions

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]


def _summary(ports: pd.DataFrame) -> pd.DataFrame:
    wide = ports.pivot_table(index=["market", "year", "method"], columns="charger_class",
                             values="ports", aggfunc="sum").add_prefix("ports_")
    totals = ports.groupby(["market", "year", "method"])[
        ["ports", "public_power_kw", "capex_usd"]].sum()
    table = wide.join(totals).reset_index()
    table.columns.name = None
    table = table.sort_values(["market", "method", "year"], ignore_index=True)
    table["cumulative_capex_usd"] = table.groupby(["market", "method"])["capex_usd"].cumsum()
    return table


def _look_alikes(parameters: ChargingParameters, markets: list[str]) -> None:
    """Raise for a parameter row whose market is typed with look-alike letters of a market
    sized ('ТН' with Cyrillic Т and Н): the market would silently take the '*' row."""
    problems = []
    for table, frame in ((CHARGING_MARKETS, parameters.markets),
                         (CHARGER_CLASSES, parameters.classes),
                         (CHARGER_COSTS, parameters.costs)):
        problems += look_alike_ids(table, frame, "market", markets,
                                   str(frame.attrs.get("file", table.file)),
                                   "market {id} would take the '*' row instead of this one")
    if problems:
        raise InputError(problems)


def plan_charging(
    fleet: FleetResult,
    *,
    markets: TableSource = None,
    classes: TableSource = None,
    costs: TableSource = None,
    options: ChargingOptions | None = None,
) -> ChargingResult:
    """Public energy, ports by class by the ratio and queueing methods, and capital cost.

    Parameters
    ----------
    fleet : FleetResult
        From :func:`evplan.fleet.project_fleet`.
    markets, classes, costs : CSV path or DataFrame, optional
        Replace the default ``markets.csv``, ``charger_classes.csv``,
        ``charger_costs.csv``.
    options : ChargingOptions, optional

    Returns
    -------
    ChargingResult

    Examples
    --------
    >>> import pandas as pd
    >>> from evplan.fleet import FleetOptions, project_fleet
    >>> history = pd.DataFrame({"market": "EU", "year": [2021, 2022], "powertrain": "BEV",
    ...                         "sales_vehicles": 100_000.0})
    >>> fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=0))
    >>> charging = plan_charging(fleet)
    >>> afir = charging["charging_summary"].query("method == 'afir' and year == 2022")
    >>> round(float(afir["public_power_kw"].iloc[0]) / 1e3)  # about 1.3 kW x 200,000 BEV
    260
    """
    options = options or ChargingOptions()
    parameters = load_parameters(markets, classes, costs)
    known = fleet.markets
    chosen = list(options.markets) if options.markets is not None else (
        [m for m in fleet.export_markets if m in known] or known)
    chosen = list(dict.fromkeys(chosen))  # a market listed twice is sized once
    if not chosen:  # an empty tuple sized nothing, and the siting example then crashed
        raise InputError([Problem("options", "markets is empty: no market to size. Give "
                                  "market ids such as ('TH', 'EU'), or None for the plan's "
                                  "export markets.")])
    check_markets(chosen, known)
    _look_alikes(parameters, chosen)
    if lacking := market_problems(parameters, chosen):  # before a blank cost or a crash
        raise InputError(lacking)
    first = options.first_year or fleet.plan_first_year or fleet.first_year
    last = options.last_year or fleet.plan_last_year or fleet.last_year
    if last > fleet.last_year:  # was cut to the fleet's last year without a word
        after = (f" (the plan's last year {fleet.plan_last_year} + years_after_plan "
                 f"{fleet.options.years_after_plan})" if fleet.plan_last_year else "")
        more = (f", or project the fleet further (--years-after-plan "
                f"{last - fleet.plan_last_year})" if fleet.plan_last_year else "")
        raise InputError([Problem("options", f"last_year {last} is after the fleet's last year "
                                  f"{fleet.last_year}{after}: there are no vehicles to size "
                                  f"for. Give a last year up to {fleet.last_year}{more}.")])
    years = list(range(first, min(last, fleet.last_year) + 1))
    if not years:
        raise InputError([Problem("options", f"no year to size: first_year {first} is after "
                                  f"last_year {min(last, fleet.last_year)} (the fleet runs "
                                  f"{fleet.first_year}-{fleet.last_year}, the plan "
                                  f"{fleet.plan_first_year}-{fleet.plan_last_year}). Give a "
                                  f"last year from {first} to {fleet.last_year}.")])
    energy, demand = energy_demand(fleet["fleet"], parameters, chosen, years)
    ports = ports_by_method(energy, demand, parameters, options.afir(), options.target)
    ports = port_costs(ports, parameters)
    tables = {"charging_energy": energy, "charging_demand": demand, "charging_ports": ports,
              "charging_summary": _summary(ports)}
    wrong = charging_problems(tables, fleet["fleet"], parameters, options.afir(),
                              options.target, chosen, years)
    if wrong:  # evplan's own bug: a table the fleet and parameters contradict
        raise VerificationError(wrong)
    return ChargingResult(tables=tables, markets=tuple(chosen), years=tuple(years),
                          options=options)


@dataclass(frozen=True)
class SitingExample:
    """The siting example: sites for one market's zones, and pools along a corridor."""

    market: str
    year: int
    charger_class: str
    zones: SitingResult
    corridor: CorridorResult
    notes: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=lambda: dict(SYNTHETIC))

    @property
    def synthetic(self) -> dict[str, bool]:
        """Which of zones, sites and corridor are the shipped synthetic tables."""
        return {kind: self.sources.get(kind) == SYNTHETIC[kind] for kind in SYNTHETIC}

    def describe(self, *kinds: str) -> str:
        """``synthetic zones and sites`` or ``zones from z.csv, synthetic sites``."""
        return describe_sources(self.sources, *kinds)

    def solves(self) -> dict[str, dict[str, Any]]:
        """How the sites' and the corridor's location MILPs ended: status, gap, bound."""
        return {kind: {"status": str(result.location.status),
                       "mip_gap": float(result.location.gap),
                       "bound": float(result.location.bound)}
                for kind, result in (("sites", self.zones), ("corridor", self.corridor))}

    def unproven(self) -> str:
        """``""`` when both solves are optimal, else a sentence naming those a limit stopped
        (their plans are the best found, the gap still open)."""
        open_ = [f"{kind} {solve['status']} (gap {100 * solve['mip_gap']:.1f} %)"
                 for kind, solve in self.solves().items() if solve["status"] != "optimal"]
        return "" if not open_ else (f"Not proven optimal: {', '.join(open_)}; the plans "
                                     "shown are the best found.")

    def tables(self) -> dict[str, pd.DataFrame]:
        """``charging_sites``, ``charging_site_assignment``, ``charging_zones``,
        ``charging_corridor``; zones, sites and corridor say their ``source`` (the file)."""
        def labelled(table: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
            extra = {} if source is None else {"source": self.sources[source]}
            return table.assign(market=self.market, year=self.year,
                                charger_class=self.charger_class, **extra)

        return {"charging_sites": labelled(self.zones.sites, "sites"),
                "charging_site_assignment": labelled(self.zones.assignment),
                "charging_zones": labelled(self.zones.zones, "zones"),
                "charging_corridor": labelled(self.corridor.pools, "corridor")}


SYNTHETIC: dict[str, str] = {"zones": "synthetic_zones.csv", "sites": "synthetic_sites.csv",
             "corridor": "synthetic_corridor.csv"}
"""The shipped synthetic siting tables, by kind."""


def _and(words: list[str] | tuple[str, ...]) -> str:
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_sources(sources: dict[str, str], *kinds: str) -> str:
    """How the siting tables of ``kinds`` are labelled in text (synthetic or the file).

    Examples
    --------
    >>> describe_sources(dict(SYNTHETIC), "zones", "sites")
    'synthetic zones and sites'
    >>> describe_sources({"zones": "z.csv", "sites": "synthetic_sites.csv"}, "zones", "sites")
    'zones from z.csv, synthetic sites'
    """
    shipped = [kind for kind in kinds if sources.get(kind) == SYNTHETIC.get(kind)]
    if len(shipped) == len(kinds):
        return "synthetic " + _and(kinds)
    return ", ".join([f"{kind} from {sources[kind]}" for kind in kinds if kind not in shipped]
                     + [f"synthetic {kind}" for kind in shipped])


def _source_name(source: TableSource, kind: str) -> str:
    if source is None:
        return SYNTHETIC[kind]
    return Path(source).name if isinstance(source, str | Path) else f"the {kind} table given"


def _road_length(corridor: pd.DataFrame, source: TableSource, given: float | None) -> float:
    """The road's length: ``given``, else the corridor's ``road_length_km`` (one value),
    else 620 km for the synthetic road or the largest km of the user's candidates."""
    if given is not None:
        return float(given)
    if source is None:
        return SYNTHETIC_ROAD_KM
    stated: Any = corridor["road_length_km"].dropna().unique() if (
        "road_length_km" in corridor) else []
    if len(stated) > 1:
        label = _source_name(source, "corridor")
        lengths = ", ".join(f"{value:g}" for value in sorted(stated))
        raise InputError([Problem(label, f"road_length_km is {lengths} on different rows of "
                                  f"{label}; the road has one length. Give it once (or the "
                                  "same on every row).")])
    return float(stated[0]) if len(stated) else float(corridor["km"].max())


SYNTHETIC_ROAD_KM = 620.0


def read_siting_tables(zones: TableSource = None, sites: TableSource = None,
                       corridor: TableSource = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The zones, candidate sites and corridor tables, each file's problems reported at once.

    Raises
    ------
    InputError
        With every problem of the three files; a table without rows is one (its file named).
    """
    problems: list[Problem] = []
    frames = []
    for read, source, default in ((read_zones, zones, "synthetic_zones.csv"),
                                  (read_sites, sites, "synthetic_sites.csv"),
                                  (read_corridor, corridor, "synthetic_corridor.csv")):
        label = Path(source).name if isinstance(source, str | Path) else default
        try:
            frame = read(source)
        except InputError as error:
            problems.extend(error.problems)
            frames.append(pd.DataFrame())
            continue
        if frame.empty:
            problems.append(Problem(label, f"{label} has a header but no rows. Add the rows, "
                                    "or leave the option out to use the synthetic example."))
        elif read is read_zones and not frame["demand_weight"].to_numpy(dtype=float).sum() > 0:
            problems.append(Problem(label, f"every demand_weight in {label} is 0: the "
                                    "market's peak-hour arrivals would be spread over no zone "
                                    "and vanish from the siting. Give at least one zone a "
                                    "demand_weight above 0."))
        frames.append(frame)
    if problems:
        raise InputError(problems)
    return frames[0], frames[1], frames[2]


def _check_siting_choice(demand: pd.DataFrame, market: str, year: int, charger_class: str,
                         years: tuple[int, ...]) -> None:
    """Raise for a year the plan did not size or a class the market has not: the example
    would site 0 arrivals (and price ports at 0 USD) without a word."""
    problems = []
    if year not in years:
        problems.append(Problem("options", f"year {year} was not sized: the charging plan "
                                f"covers {years[0]}-{years[-1]}. Give a year in that range."))
    classes = sorted(set(demand.loc[demand["market"] == market, "charger_class"]))
    if charger_class not in classes:
        hint = did_you_mean(charger_class, classes) or f" Use one of {', '.join(classes)}."
        problems.append(Problem("options", f"charger_class '{charger_class}' is not a class "
                                f"of market '{market}'.{hint}"))
    else:  # the corridor's pools are checked before the zones are sited, not after
        power = demand.loc[(demand["market"] == market)
                           & (demand["charger_class"] == charger_class), "power_kw"]
        problems += pool_power_problems(year, float(power.iloc[0]))
    if problems:
        raise InputError(problems)


def siting_example(
    charging: ChargingResult,
    *,
    market: str | None = None,
    year: int | None = None,
    charger_class: str = "DC150",
    zones: TableSource = None,
    sites: TableSource = None,
    corridor: TableSource = None,
    road_length_km: float | None = None,
    service_radius_km: float = 25.0,
    sites_to_open: int | None = None,
    method: str = "capacitated",
) -> SitingExample:
    """Site one market's peak-hour demand of one class over zones, and a corridor.

    The defaults are synthetic (``synthetic_zones.csv``, ``synthetic_sites.csv``,
    ``synthetic_corridor.csv``: random points around an arbitrary centre and a made-up
    620 km road); pass your own tables for a real study. The market's peak-hour arrivals
    of ``charger_class`` in ``year`` (from ``charging``) are spread over the zones by
    weight. The road runs from km 0 to ``road_length_km``; by default 620 km for the
    synthetic road, else the corridor's ``road_length_km`` column, else its largest km.
    The notes, the tables' ``source`` column and the terminal name each table's file.
    """
    zone_table, site_table, corridor_table = read_siting_tables(zones, sites, corridor)
    demand = charging["charging_demand"]
    market = market or ("TH" if "TH" in charging.markets else charging.markets[0])
    check_markets([market], list(charging.markets), kind="a market the charging plan sized")
    year = year or charging.years[-1]
    _check_siting_choice(demand, market, year, charger_class, charging.years)
    rows = demand[(demand["market"] == market) & (demand["year"] == year)
                  & (demand["charger_class"] == charger_class)]
    arrivals = float(rows["peak_hour_arrivals"].sum())
    hours = float(rows["session_hours"].iloc[0]) if len(rows) else 0.5
    ports = charging["charging_ports"]
    cost_rows = ports[(ports["market"] == market) & (ports["charger_class"] == charger_class)]
    capex = float((cost_rows["capex_usd_per_port"] + cost_rows["grid_usd_per_port"]).iloc[0]
                  ) if len(cost_rows) else 0.0
    zoned = site_chargers(zone_table, site_table, peak_hour_arrivals=arrivals,
                          session_hours=hours, service_radius_km=service_radius_km,
                          method=method,  # type: ignore[arg-type]
                          sites_to_open=sites_to_open, capex_usd_per_port=capex,
                          target=charging.options.target)
    road = corridor_pools(corridor_table, _road_length(corridor_table, corridor,
                                                      road_length_km), year=year,
                          port_power_kw=float(rows["power_kw"].iloc[0]) if len(rows) else 150.0,
                          capex_usd_per_port=capex)
    sources = {"zones": _source_name(zones, "zones"), "sites": _source_name(sites, "sites"),
               "corridor": _source_name(corridor, "corridor")}
    shipped = [kind for kind in SYNTHETIC if sources[kind] == SYNTHETIC[kind]]
    notes: tuple[str, ...] = (
        (f"The {_and(shipped)} are synthetic examples, not data.",) if shipped else ())
    notes += tuple(f"{kind.capitalize()} from {sources[kind]}." for kind in SYNTHETIC
                   if kind not in shipped)
    return SitingExample(market, year, charger_class, zoned, road, notes, sources)
