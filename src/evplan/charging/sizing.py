r"""Public charging energy and the ports it needs, by two methods side by side, with cost.

**Energy.** For market :math:`m` and year :math:`y`, with BEV and PHEV stock
:math:`N^{B}, N^{P}`, annual distance :math:`d`, energy use :math:`e^B, e^P`, PHEV
electric share :math:`s`, home-charging share :math:`h` and public shares
:math:`p_h, p_0` of drivers with and without home charging:

.. math::
    E = \frac{d\,(N^B e^B + N^P e^P s)}{365}, \qquad
    E^{pub} = E\,\big(h\,p_h + (1 - h)\,p_0\big), \qquad E_k = E^{pub}\,w_k

split over charger classes :math:`k` by energy share :math:`w_k`. Sessions per day are
:math:`E_k / q_k` (session energy :math:`q_k`); peak-hour arrivals
:math:`\lambda_k = \phi\,E_k/q_k` (peak-hour share :math:`\phi`); offered load
:math:`A_k = \lambda_k\,t_k` (session hours :math:`t_k`).

**Ratio methods.**

* ``afir``: public power :math:`P = 1.3\,N^B + 0.8\,N^P` kW (EU AFIR fleet targets),
  split over classes by energy share, ports :math:`\lceil P\,w_k / P_k \rceil` for port
  power :math:`P_k`.
* ``benchmark``: ports :math:`N/r` for the market's EVs per public point :math:`r`, of
  which :math:`N/r_f` fast (DC, above 22 kW) for EVs per fast point :math:`r_f`; fast
  ports split over DC classes, the rest over AC classes, by energy share. A market with
  no AC class (or none with an energy share) puts all :math:`N/r` on its DC classes, and
  one with no DC class all on its AC classes.

**Queueing** (``queueing``): per class, the fewest stations of at most :math:`K_k` ports
that meet the target, each station an M/M/c queue (:mod:`evplan.charging.erlang`):
:math:`n = \lceil A_k / A^{max}(K_k) \rceil` stations, where :math:`A^{max}(K)` is the
largest load :math:`K` ports serve within the target, and :math:`c` = fewest ports meeting
the target at load :math:`A_k/n`; ports :math:`n\,c`. This pools demand as much as the
station size allows, so it is a lower bound for a network that must also cover
geography (see :mod:`evplan.charging.siting`).

**Cost.** Ports added in a year (the increase over the year before, never negative) times
capital cost per port (hardware and installation plus grid connection) of the class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from evplan.charging.erlang import erlang_c, mean_wait_hours, ports_needed
from evplan.charging.params import Afir, ChargingParameters, for_markets
from evplan.errors import InputError, Problem, VerificationError

__all__ = ["METHODS", "QueueTarget", "energy_demand", "load_capacity", "port_costs",
           "ports_by_method"]

METHODS = ("afir", "benchmark", "queueing")
FAST_ABOVE_KW = 22.0


@dataclass(frozen=True)
class QueueTarget:
    """Service target of the queueing method.

    Attributes
    ----------
    max_wait_probability : float or None
        Largest probability that an arriving vehicle waits (default 0.2, an estimate;
        the facts give only the rule of thumb utilisation below 0.8 [ErlangC]).
    max_mean_wait_minutes : float or None
        Largest mean wait in queue (None: no mean-wait target).
    """

    max_wait_probability: float | None = 0.2
    max_mean_wait_minutes: float | None = None

    def __post_init__(self) -> None:
        problems = []
        chance = self.max_wait_probability
        if chance is not None and not (0.0 < chance < 1.0):  # also NaN
            problems.append(Problem("options", f"max_wait_probability = {chance} is not "
                                    "strictly between 0 and 1: no number of ports makes the "
                                    "chance of waiting 0, and 1 asks for none. Give a share "
                                    "such as 0.2."))
        minutes = self.max_mean_wait_minutes
        if minutes is not None and not (0.0 < minutes < float("inf")):
            problems.append(Problem("options", f"max_mean_wait_minutes = {minutes} is not a "
                                    "positive number of minutes: no number of ports makes the "
                                    "mean wait 0. Give minutes such as 5, or leave it out."))
        if problems:
            raise InputError(problems)

    def ports(self, load: np.ndarray, service_hours: np.ndarray) -> np.ndarray:
        """Fewest ports meeting the target for each load."""
        mean_wait = (None if self.max_mean_wait_minutes is None
                     else self.max_mean_wait_minutes / 60.0)
        return ports_needed(load, max_wait_probability=self.max_wait_probability,
                            service_hours=service_hours, max_mean_wait_hours=mean_wait)

    def met(self, ports: float, load: float, service_hours: float) -> bool:
        """True when ``ports`` serve ``load`` within the target."""
        ok = True
        if self.max_wait_probability is not None:
            ok &= bool(erlang_c(ports, load) <= self.max_wait_probability)
        if self.max_mean_wait_minutes is not None:
            ok &= bool(mean_wait_hours(ports, load / service_hours, service_hours) * 60.0
                       <= self.max_mean_wait_minutes)
        return ok


def load_capacity(ports: int, service_hours: float, target: QueueTarget) -> float:
    """Largest offered load (erlangs) ``ports`` serve within ``target`` (bisection)."""
    if not target.met(ports, 1e-9, service_hours):
        return 0.0
    edge = brentq(lambda load: 0.5 - target.met(ports, load, service_hours), 1e-9,
                  ports * (1 - 1e-9), xtol=1e-10)
    return float(edge) * (1 - 1e-7)  # just inside the target


def energy_demand(fleet: pd.DataFrame, parameters: ChargingParameters, markets: list[str],
                  years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily energy and public energy by market and year, and demand by charger class.

    Parameters
    ----------
    fleet : pandas.DataFrame
        The fleet table (market, powertrain, year, vehicles_in_use).
    parameters : ChargingParameters
        Markets, classes and costs.
    markets, years : list
        Where and when.

    Returns
    -------
    (energy, demand) : tuple of DataFrame
        ``energy``: market, year, bev_vehicles, phev_vehicles, energy_kwh_per_day,
        public_share, public_energy_kwh_per_day. ``demand``: market, year, charger_class,
        power_kw, public_energy_kwh_per_day, sessions_per_day, peak_hour_arrivals,
        session_hours, offered_load_erlangs.
    """
    stock = fleet[fleet["market"].isin(markets) & fleet["year"].isin(years)]
    stock = stock.pivot_table(index=["market", "year"], columns="powertrain",
                              values="vehicles_in_use", aggfunc="sum")
    grid = pd.MultiIndex.from_product([markets, years], names=["market", "year"])
    stock = stock.reindex(index=grid, columns=["BEV", "PHEV"]).fillna(0.0)
    energy = stock.rename(columns={"BEV": "bev_vehicles", "PHEV": "phev_vehicles"}
                          ).reset_index()
    energy.columns.name = None
    rows = for_markets(parameters.markets, markets, "markets.csv").set_index("market")
    per = rows.reindex(energy["market"])
    energy["energy_kwh_per_day"] = (per["annual_km"].to_numpy() / 365.0 * (
        energy["bev_vehicles"].to_numpy() * per["bev_kwh_per_km"].to_numpy()
        + energy["phev_vehicles"].to_numpy() * per["phev_kwh_per_km"].to_numpy()
        * per["phev_electric_share"].to_numpy()))
    home = per["home_charging_share"].to_numpy()
    energy["public_share"] = (home * per["public_share_with_home"].to_numpy()
                              + (1 - home) * per["public_share_without_home"].to_numpy())
    energy["public_energy_kwh_per_day"] = energy["energy_kwh_per_day"] * energy["public_share"]
    classes = for_markets(parameters.classes, markets, "charger_classes.csv",
                          ("charger_class",))
    demand = energy[["market", "year", "public_energy_kwh_per_day"]].merge(
        classes, on="market")
    demand["public_energy_kwh_per_day"] *= demand.pop("public_energy_share")
    demand["sessions_per_day"] = demand["public_energy_kwh_per_day"] / demand["session_kwh"]
    demand["peak_hour_arrivals"] = demand["sessions_per_day"] * demand["market"].map(
        rows["peak_hour_share"]).to_numpy(dtype=float)
    demand["session_hours"] = demand["session_minutes"] / 60.0
    demand["offered_load_erlangs"] = demand["peak_hour_arrivals"] * demand["session_hours"]
    columns = ["market", "year", "charger_class", "power_kw", "max_ports_per_station",
               "public_energy_kwh_per_day", "sessions_per_day", "peak_hour_arrivals",
               "session_hours", "offered_load_erlangs"]
    return energy, demand[columns].sort_values(["market", "year", "charger_class"],
                                               ignore_index=True)


def _ratio_ports(energy: pd.DataFrame, demand: pd.DataFrame, parameters: ChargingParameters,
                 afir: Afir) -> pd.DataFrame:
    markets = sorted(set(energy["market"]))
    rows = for_markets(parameters.markets, markets, "markets.csv").set_index("market")
    table = demand[["market", "year", "charger_class", "power_kw",
                    "public_energy_kwh_per_day"]].merge(
        energy[["market", "year", "bev_vehicles", "phev_vehicles",
                "public_energy_kwh_per_day"]].rename(
            columns={"public_energy_kwh_per_day": "total_public"}), on=["market", "year"])
    classes = for_markets(parameters.classes, markets, "charger_classes.csv",
                          ("charger_class",))
    share = table.merge(classes[["market", "charger_class", "public_energy_share"]],
                        on=["market", "charger_class"])["public_energy_share"].to_numpy()
    fast = table["power_kw"].to_numpy() > FAST_ABOVE_KW
    group_share = pd.Series(share).groupby([table["market"], table["year"], fast]
                                           ).transform("sum").to_numpy()
    within = np.divide(share, group_share, out=np.zeros_like(share), where=group_share > 0)
    required_kw = (afir.public_kw_per_bev * table["bev_vehicles"]
                   + afir.public_kw_per_phev * table["phev_vehicles"]).to_numpy()
    afir_ports = np.ceil(required_kw * share / table["power_kw"].to_numpy() - 1e-9)
    evs = (table["bev_vehicles"] + table["phev_vehicles"]).to_numpy()
    per_point = table["market"].map(rows["evs_per_public_point"]).to_numpy()
    per_fast = table["market"].map(rows["evs_per_public_fast_point"]).to_numpy()
    all_points = evs / per_point
    fast_points = np.minimum(evs / per_fast, all_points)
    # A group with no class (or no energy share) in the market: its points go to the other
    # group (a market with DC classes only puts every public point on them), not lost.
    by_year = [table["market"], table["year"]]
    fast_total = pd.Series(np.where(fast, share, 0.0)).groupby(by_year).transform("sum")
    slow_total = pd.Series(np.where(fast, 0.0, share)).groupby(by_year).transform("sum")
    points = np.where(fast, np.where(slow_total.to_numpy() > 0, fast_points, all_points),
                      np.where(fast_total.to_numpy() > 0, all_points - fast_points, all_points))
    benchmark = np.ceil(points * within - 1e-9)
    base = table[["market", "year", "charger_class", "power_kw"]]
    return pd.concat([base.assign(method="afir", ports=afir_ports),
                      base.assign(method="benchmark", ports=benchmark)], ignore_index=True)


def _queue_ports(demand: pd.DataFrame, target: QueueTarget) -> pd.DataFrame:
    sizes = demand[["max_ports_per_station", "session_hours"]].drop_duplicates()
    capacity = {(int(k), float(t)): load_capacity(int(k), float(t), target)
                for k, t in sizes.itertuples(index=False)}
    per_station = np.array([capacity[(int(k), float(t))] for k, t in
                            demand[["max_ports_per_station", "session_hours"]].itertuples(
                                index=False)])
    load = demand["offered_load_erlangs"].to_numpy()
    # at least one station for any load: a load below 1e-9 of a station's capacity would
    # round to 0 (printed "-0") stations, leaving it unserved
    stations = np.where(load > 0, np.maximum(1.0, np.ceil(np.divide(
        load, per_station, out=np.full_like(load, np.inf), where=per_station > 0) - 1e-9)), 0.0)
    stations = np.where(np.isfinite(stations), stations, np.ceil(load))  # K too small: 1/port
    station_load = np.divide(load, stations, out=np.zeros_like(load), where=stations > 0)
    service = demand["session_hours"].to_numpy()
    ports_each = target.ports(station_load, service)
    table = demand[["market", "year", "charger_class", "power_kw"]].assign(
        method="queueing", ports=stations * ports_each, stations=stations,
        ports_per_station=ports_each)
    table["wait_probability"] = np.where(ports_each > 0, erlang_c(ports_each, station_load), 0)
    table["mean_wait_minutes"] = np.where(
        ports_each > 0, mean_wait_hours(ports_each, station_load / service, service) * 60, 0)
    table["utilisation_at_peak"] = np.divide(station_load, ports_each,
                                             out=np.zeros_like(station_load),
                                             where=ports_each > 0)
    check_queue_ports(table, demand, target)
    return table


def check_queue_ports(table: pd.DataFrame, demand: pd.DataFrame, target: QueueTarget) -> None:
    """Raise VerificationError unless every queueing row carries its class's load in
    stations of at most ``max_ports_per_station`` ports that meet ``target``.

    ``table`` and ``demand`` are aligned row by row (as :func:`_queue_ports` builds them).
    """
    load = demand["offered_load_erlangs"].to_numpy(dtype=float)
    stations = table["stations"].to_numpy(dtype=float)
    each = table["ports_per_station"].to_numpy(dtype=float)
    largest = demand["max_ports_per_station"].to_numpy(dtype=float)
    station_load = np.divide(load, stations, out=np.zeros_like(load), where=stations > 0)
    wrong = (load > 0) & ((stations < 1) | (each > largest) | (each <= station_load))
    if target.max_wait_probability is not None:
        wrong |= (load > 0) & ~(erlang_c(np.maximum(each, 1), station_load)
                                <= target.max_wait_probability + 1e-12)
    if target.max_mean_wait_minutes is not None:
        service = demand["session_hours"].to_numpy(dtype=float)
        wait = mean_wait_hours(np.maximum(each, 1), station_load / service, service) * 60.0
        wrong |= (load > 0) & ~(wait <= target.max_mean_wait_minutes + 1e-9)
    if wrong.any():
        raise VerificationError([
            f"queueing: {table['market'].iloc[i]} {table['year'].iloc[i]} "
            f"{table['charger_class'].iloc[i]}: {stations[i]:g} stations of {each[i]:g} ports "
            f"(at most {largest[i]:g}) for {load[i]:g} erlangs do not meet the target"
            for i in np.flatnonzero(wrong)[:8]])


def ports_by_method(energy: pd.DataFrame, demand: pd.DataFrame, parameters: ChargingParameters,
                    afir: Afir, target: QueueTarget) -> pd.DataFrame:
    """Ports by market, year, method and charger class (the three methods above).

    Columns: market, year, method, charger_class, power_kw, ports, public_power_kw and, for
    queueing, stations, ports_per_station, wait_probability, mean_wait_minutes,
    utilisation_at_peak (peak-hour load per port).
    """
    table = pd.concat([_ratio_ports(energy, demand, parameters, afir),
                       _queue_ports(demand, target)], ignore_index=True)
    table["public_power_kw"] = table["ports"] * table["power_kw"]
    order = ["market", "year", "method", "charger_class", "power_kw", "ports",
             "public_power_kw", "stations", "ports_per_station", "wait_probability",
             "mean_wait_minutes", "utilisation_at_peak"]
    return table[order].sort_values(["market", "method", "charger_class", "year"],
                                    ignore_index=True)


def port_costs(ports: pd.DataFrame, parameters: ChargingParameters) -> pd.DataFrame:
    """Add ``ports_added`` and ``capex_usd`` (hardware + grid of the ports added) to ports."""
    markets = sorted(set(ports["market"]))
    costs = for_markets(parameters.costs, markets, "charger_costs.csv", ("charger_class",))
    table = ports.merge(costs[["market", "charger_class", "capex_usd_per_port",
                               "grid_usd_per_port"]], on=["market", "charger_class"],
                        how="left").sort_values(["market", "method", "charger_class", "year"],
                                                ignore_index=True)
    previous = table.groupby(["market", "method", "charger_class"])["ports"].shift().fillna(0.0)
    table["ports_added"] = np.maximum(table["ports"] - previous, 0.0)
    table["capex_usd"] = table["ports_added"] * (table["capex_usd_per_port"]
                                                 + table["grid_usd_per_port"])
    return table
