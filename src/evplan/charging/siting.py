r"""Where: charging sites for zones of demand, and pools along a corridor.

**Zones.** Zones :math:`j` (lat, lon, demand weight :math:`w_j`) and candidate sites
:math:`i` (lat, lon, most ports :math:`K_i`, site cost :math:`f_i`); distances
:math:`d_{ij}` are great-circle (haversine, Earth radius 6,371 km) unless a matrix is
given; a zone is served by a site within the service radius :math:`R`. Peak-hour arrivals
:math:`\Lambda` are shared over zones by weight, :math:`\lambda_j = \Lambda\,w_j/\sum w`.

* ``maximal_covering``: open at most :math:`p` sites covering the most demand within
  :math:`R` (:func:`evplan.location.maximal_covering`); each covered zone goes to its
  nearest open site.
* ``capacitated``: every zone must be served within :math:`R`; site :math:`i` serves at
  most :math:`\lambda^{max}_i = A^{max}(K_i)/t` arrivals per peak hour (the load its
  :math:`K_i` ports carry within the queueing target, service time :math:`t`); minimise
  :math:`\sum_i f_i y_i + \sum_{ij} \kappa\,\lambda_j d_{ij} x_{ij}`
  (:func:`evplan.location.capacitated`), where :math:`\kappa` (USD per peak-hour
  vehicle-km) weighs access distance against site cost.

Each open site then gets the fewest ports meeting the target for its arrivals (Erlang-C),
at most :math:`K_i`; a site short of ports says so.

**Corridor.** A road from km 0 to km :math:`L` with candidate pools at kilometre points;
AFIR asks for pools at most :math:`S` = 60 km apart on the TEN-T core network. Every
point of the road within :math:`S/2` of a pool is the same as consecutive pools at most
:math:`S` apart with the ends within :math:`S/2` (conservative at the ends). Pool :math:`i`
covers the interval :math:`[k_i - S/2, k_i + S/2]`; the ends of these intervals, 0 and
:math:`L` cut the road into pieces each wholly inside or outside every interval, so the
pieces' ends and midpoints are the customers of an exact set covering
(:func:`evplan.location.set_covering`). The chosen pools' largest gap is checked against
:math:`S` before they are returned. Each pool gets the AFIR pool power of the year in ports
of one class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from evplan.charging.erlang import erlang_c, mean_wait_hours
from evplan.charging.params import load_afir
from evplan.charging.siting_check import corridor_problems, siting_problems
from evplan.charging.sizing import QueueTarget, load_capacity
from evplan.errors import InfeasibleError, InputError, Problem, VerificationError
from evplan.fleet.tables import TableSource, default_table_path, read_parameter_table
from evplan.location import SolveOptions, capacitated, maximal_covering, set_covering
from evplan.location.feasibility import short_of_capacity
from evplan.location.tables import to_dense
from evplan.schema import Column, Table

__all__ = ["CORRIDOR", "SITES", "ZONES", "CorridorResult", "SitingResult", "corridor_pools",
           "haversine_km", "pool_power_problems", "site_chargers"]

EARTH_RADIUS_KM = 6371.0

ZONES = Table(
    name="zones",
    description="A zone of charging demand.",
    key=("zone",),
    columns=(
        Column("zone", "str", "-", "Zone id."),
        Column("lat", "float", "degrees", "Latitude.", minimum=-90, maximum=90),
        Column("lon", "float", "degrees", "Longitude.", minimum=-180, maximum=180),
        Column("demand_weight", "float", "-", "Relative demand (any scale).", minimum=0),
        Column("notes", "str", "-", "Free text.", required=False, default=""),
    ),
)

SITES = Table(
    name="sites",
    description="A candidate charging site.",
    key=("site",),
    columns=(
        Column("site", "str", "-", "Site id."),
        Column("lat", "float", "degrees", "Latitude.", minimum=-90, maximum=90),
        Column("lon", "float", "degrees", "Longitude.", minimum=-180, maximum=180),
        Column("max_ports", "int", "ports", "Most ports the site can take.", minimum=1),
        Column("cost_usd", "float", "USD", "Cost of opening the site (land, civil works).",
               minimum=0),
        Column("notes", "str", "-", "Free text.", required=False, default=""),
    ),
)

CORRIDOR = Table(
    name="corridor",
    description="A candidate pool along a road, at a kilometre point.",
    key=("site",),
    columns=(
        Column("site", "str", "-", "Candidate pool id."),
        Column("km", "float", "km", "Kilometre point along the road.", minimum=0),
        Column("road_length_km", "float", "km", "Length of the road, from km 0, on one row or "
               "the same on every row that gives it (blank everywhere: the largest km).",
               required=False, minimum=0),
        Column("notes", "str", "-", "Free text.", required=False, default=""),
    ),
)


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
                 ) -> np.ndarray:
    """Great-circle distance in km, broadcasting.

    Examples
    --------
    >>> round(float(haversine_km(0.0, 0.0, 0.0, 1.0)), 1)
    111.2
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = phi2 - phi1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class SitingResult:
    """Chosen sites and their ports.

    Attributes
    ----------
    sites : pandas.DataFrame
        Every candidate: site, lat, lon, open, zones, peak_hour_arrivals, ports, max_ports,
        wait_probability, mean_wait_minutes, short_of_ports, site_cost_usd, port_capex_usd.
    assignment : pandas.DataFrame
        zone, site, distance_km, peak_hour_arrivals (covered zones only).
    zones : pandas.DataFrame
        The zones with ``covered`` and their arrivals.
    covered_share : float
        Share of demand weight within the radius of an open site.
    location : evplan.location.LocationResult
        The facility-location solve.
    """

    sites: pd.DataFrame
    assignment: pd.DataFrame
    zones: pd.DataFrame
    covered_share: float
    location: Any
    details: dict[str, Any] = field(default_factory=dict)


def _distances(zones: pd.DataFrame, sites: pd.DataFrame, matrix: pd.DataFrame | None
               ) -> pd.DataFrame:
    if matrix is not None:
        missing = [c for c in ("site", "zone", "distance_km") if c not in matrix.columns]
        if missing:
            raise InputError([Problem("distances", f"the distance matrix needs the columns "
                                      f"site, zone, distance_km; {', '.join(missing)} missing."
                                      " Add them.")])
        return matrix[["site", "zone", "distance_km"]]
    km = haversine_km(sites["lat"].to_numpy()[:, None], sites["lon"].to_numpy()[:, None],
                      zones["lat"].to_numpy()[None, :], zones["lon"].to_numpy()[None, :])
    return pd.DataFrame({"site": np.repeat(sites["site"].to_numpy(), len(zones)),
                         "zone": np.tile(zones["zone"].to_numpy(), len(sites)),
                         "distance_km": km.ravel()})


def read_zones(source: TableSource = None) -> pd.DataFrame:
    """Zones from a CSV (default: the synthetic example ``synthetic_zones.csv``)."""
    return read_parameter_table(ZONES, source,
                                default_table_path("charging", "synthetic_zones.csv"))


def read_sites(source: TableSource = None) -> pd.DataFrame:
    """Candidate sites from a CSV (default: the synthetic ``synthetic_sites.csv``)."""
    return read_parameter_table(SITES, source,
                                default_table_path("charging", "synthetic_sites.csv"))


def read_corridor(source: TableSource = None) -> pd.DataFrame:
    """Candidate corridor pools (default: the synthetic ``synthetic_corridor.csv``)."""
    return read_parameter_table(CORRIDOR, source,
                                default_table_path("charging", "synthetic_corridor.csv"))


def _check_every_zone_reaches_a_site(zones: pd.DataFrame, pairs: pd.DataFrame,
                                     within: pd.DataFrame, service_radius_km: float) -> None:
    """Raise InfeasibleError, in the planner's terms, for zones with no candidate site
    within the service radius (``capacitated`` serves every zone within it)."""
    reached = set(within["zone"])
    stranded = [zone for zone in zones["zone"] if zone not in reached]
    if not stranded:
        return
    nearest = pairs.groupby("zone")["distance_km"].min()
    shown = ", ".join(f"'{zone}' ({nearest.get(zone, float('inf')):,.1f} km)"
                      for zone in stranded[:8]) + (f" and {len(stranded) - 8} more"
                                                    if len(stranded) > 8 else "")
    raise InfeasibleError([
        f"siting: {len(stranded)} zone(s) have no candidate site within the service radius "
        f"of {service_radius_km:g} km (nearest site in brackets): {shown}. Method "
        "capacitated serves every zone within the radius. Check these zones' lat and lon, "
        "or add candidate sites near them."])


def _check_zones_nearby_sites_hold_them(
    sites: pd.DataFrame, customers: pd.DataFrame, costs: pd.DataFrame, capacity: np.ndarray,
    service_radius_km: float, options: SolveOptions,
) -> None:
    """Raise InfeasibleError, in the planner's terms, when some zones' arrivals exceed what
    the candidate sites within the radius serve at the queueing target (all sites open)."""
    instance = to_dense(pd.DataFrame({"site": sites["site"], "capacity": capacity,
                                      "fixed_cost": sites["cost_usd"]}), customers, costs,
                        value_column="cost", need_fixed_cost=True, need_capacity=True)
    found = short_of_capacity(instance, options)
    if found is None:
        return
    zone_mask, site_mask, _ = found
    need = float(instance.demand[zone_mask].sum())
    have = float(instance.capacity[site_mask].sum())
    if have >= need:
        return  # numerically doubtful: left to the location module's own message
    zone_ids = [str(zone) for zone in instance.customer_ids[zone_mask]]
    site_ids = [str(site) for site in instance.site_ids[site_mask]]
    shown = ", ".join(f"'{zone}'" for zone in zone_ids[:8]) + (
        f" and {len(zone_ids) - 8} more" if len(zone_ids) > 8 else "")
    near = ", ".join(f"'{site}'" for site in site_ids[:8]) + (
        f" and {len(site_ids) - 8} more" if len(site_ids) > 8 else "")
    ports = int(sites.loc[site_mask, "max_ports"].sum())
    raise InfeasibleError([
        f"siting: zone(s) {shown} ({need:,.1f} peak-hour arrivals in total) have only "
        f"site(s) {near} within the service radius of {service_radius_km:g} km, whose "
        f"{ports:,} ports (max_ports) take at most {have:,.1f} arrivals an hour at the "
        f"queueing target ({need - have:,.1f} short). Add candidate sites or ports near these "
        "zones, or widen the service radius."])


def site_chargers(
    zones: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    peak_hour_arrivals: float,
    session_hours: float,
    service_radius_km: float,
    method: Literal["maximal_covering", "capacitated"] = "maximal_covering",
    sites_to_open: int | None = None,
    capex_usd_per_port: float = 0.0,
    access_usd_per_vehicle_km: float = 1000.0,
    target: QueueTarget | None = None,
    distances: pd.DataFrame | None = None,
    options: SolveOptions | None = None,
) -> SitingResult:
    """Choose sites and port counts for zones of demand (maths in the module docstring).

    Parameters
    ----------
    zones, sites : pandas.DataFrame
        Columns of :data:`ZONES` and :data:`SITES`.
    peak_hour_arrivals : float
        Vehicles arriving in the busiest hour over all zones.
    session_hours : float
        Mean time a vehicle occupies a port.
    service_radius_km : float
        Largest distance from a zone to its site.
    method : {"maximal_covering", "capacitated"}
    sites_to_open : int, optional
        For maximal covering: most sites to open (default: all candidates).
    capex_usd_per_port : float
        Cost of one port (class capex + grid), for ``port_capex_usd``.
    access_usd_per_vehicle_km : float
        Weight :math:`\\kappa` of access distance (capacitated only); an assumption.
    target : QueueTarget, optional
        Service target of each site.
    distances : pandas.DataFrame, optional
        ``site``, ``zone``, ``distance_km`` instead of great-circle distances.
    options : evplan.location.SolveOptions, optional

    Examples
    --------
    >>> import pandas as pd
    >>> zones = pd.DataFrame({"zone": ["a", "b"], "lat": [0.0, 0.0], "lon": [0.0, 1.0],
    ...                       "demand_weight": [1.0, 3.0]})
    >>> sites = pd.DataFrame({"site": ["S1", "S2"], "lat": [0.0, 0.0], "lon": [0.05, 0.95],
    ...                       "max_ports": [8, 8], "cost_usd": [1.0, 1.0]})
    >>> result = site_chargers(zones, sites, peak_hour_arrivals=8.0, session_hours=0.5,
    ...                        service_radius_km=20.0, sites_to_open=1)
    >>> result.sites.loc[result.sites["open"], "site"].tolist(), result.covered_share
    (['S2'], 0.75)
    """
    target = target or QueueTarget()
    options = options or SolveOptions(time_limit=60.0)
    zones = zones.reset_index(drop=True)
    sites = sites.reset_index(drop=True)
    pairs = _distances(zones, sites, distances)
    weight = zones["demand_weight"].to_numpy(dtype=float)
    total_weight = weight.sum()
    if peak_hour_arrivals > 0 and not total_weight > 0:
        raise InputError([Problem("zones", f"every zone's demand_weight is 0, so the "
                                  f"{peak_hour_arrivals:g} peak-hour arrivals would be spread "
                                  "over no zone and vanish from the siting. Give at least one "
                                  "zone a demand_weight above 0.")])
    arrivals = (peak_hour_arrivals * weight / total_weight if total_weight > 0
                else np.zeros(len(zones)))
    customers = pd.DataFrame({"customer": zones["zone"], "demand": arrivals})
    if method == "maximal_covering":
        location = maximal_covering(
            pd.DataFrame({"site": sites["site"]}), customers,
            pairs.rename(columns={"zone": "customer", "distance_km": "distance"}),
            service_radius_km, sites_to_open if sites_to_open is not None else len(sites),
            options=options)
        assignment = location.assignment.rename(
            columns={"customer": "zone", "distance": "distance_km"})[["zone", "site",
                                                                     "distance_km"]]
    elif method == "capacitated":
        capacity = np.array([load_capacity(int(k), session_hours, target) / session_hours
                             for k in sites["max_ports"]])
        if capacity.sum() < peak_hour_arrivals:  # in the planner's terms, not the solver's
            raise InfeasibleError([
                f"siting: the zones' {peak_hour_arrivals:,.0f} peak-hour arrivals need more "
                f"than the {len(sites)} candidate sites can serve at the queueing target: "
                f"their {int(sites['max_ports'].sum()):,} ports (max_ports) take at most "
                f"{capacity.sum():,.0f} arrivals an hour. Add candidate sites or ports, or "
                "site a market with less demand."])
        within = pairs[pairs["distance_km"] <= service_radius_km]
        _check_every_zone_reaches_a_site(zones, pairs, within, service_radius_km)
        lam = within["zone"].map(dict(zip(zones["zone"], arrivals, strict=True))).astype(float)
        costs = pd.DataFrame({"site": within["site"], "customer": within["zone"],
                              "cost": access_usd_per_vehicle_km * lam * within["distance_km"]})
        _check_zones_nearby_sites_hold_them(
            sites, customers, costs, capacity, service_radius_km, options)
        with np.errstate(invalid="ignore"):  # inf x 0 on pairs outside the radius
            location = capacitated(
                pd.DataFrame({"site": sites["site"], "capacity": capacity,
                              "fixed_cost": sites["cost_usd"]}), customers, costs,
                options=options)
        shares = location.assignment.rename(columns={"customer": "zone"})
        assignment = shares.merge(pairs, on=["site", "zone"])[["zone", "site", "distance_km",
                                                               "fraction"]]
    else:
        raise InputError([Problem("options", f"method '{method}' is not maximal_covering or "
                                  "capacitated. Pick one of them.")])
    zone_arrivals = dict(zip(zones["zone"], arrivals, strict=True))
    assignment = assignment.copy()
    fraction = assignment.pop("fraction") if "fraction" in assignment else 1.0
    arrivals_of_zone = assignment["zone"].map(zone_arrivals).astype(float)
    assignment["peak_hour_arrivals"] = arrivals_of_zone * fraction
    per_site = assignment.groupby("site")["peak_hour_arrivals"].sum()
    zone_count = assignment.groupby("site")["zone"].nunique()
    table = sites[["site", "lat", "lon", "max_ports", "cost_usd"]].copy()
    table["open"] = table["site"].isin(location.open_sites)
    table["zones"] = table["site"].map(zone_count).fillna(0).astype(int)
    table["peak_hour_arrivals"] = table["site"].map(per_site).fillna(0.0)
    load = table["peak_hour_arrivals"].to_numpy() * session_hours
    needed = target.ports(load, np.full(len(load), session_hours))
    needed = np.where(table["open"], np.maximum(needed, 1), 0)
    ports = np.minimum(needed, table["max_ports"].to_numpy())
    table["ports"] = ports
    table["short_of_ports"] = needed > ports
    table["wait_probability"] = np.where(ports > 0, erlang_c(ports, load), 0.0)
    table["mean_wait_minutes"] = np.where(
        ports > 0, mean_wait_hours(ports, load / session_hours, session_hours) * 60, 0.0)
    table["site_cost_usd"] = np.where(table["open"], table.pop("cost_usd"), 0.0)
    table["port_capex_usd"] = ports * capex_usd_per_port
    zone_table = zones[["zone", "lat", "lon", "demand_weight"]].assign(
        peak_hour_arrivals=arrivals, covered=zones["zone"].isin(assignment["zone"]))
    covered = float(weight[zone_table["covered"].to_numpy()].sum() / total_weight
                    ) if total_weight > 0 else 0.0
    result = SitingResult(table, assignment.reset_index(drop=True), zone_table, covered,
                          location, {"method": method, "service_radius_km": service_radius_km})
    wrong = siting_problems(result, zones, sites, pairs, arrivals, session_hours,
                            service_radius_km, method, target, capex_usd_per_port)
    if wrong:  # evplan's own bug: tables the inputs and the chosen sites contradict
        raise VerificationError(wrong)
    return result


def _road_points(km: np.ndarray, road_length_km: float, reach_km: float) -> np.ndarray:
    """Road points whose coverage is the whole road's: interval ends and piece midpoints.

    Pool ``i`` covers ``[km_i - reach, km_i + reach]``. Between two consecutive ends of
    these intervals (and 0 and the road length) no interval starts or stops, so a piece is
    covered exactly when its midpoint is; the ends are kept too (a zero-length road).

    Examples
    --------
    >>> _road_points(np.array([10.0]), 40.0, 30.0).tolist()
    [0.0, 20.0, 40.0]
    """
    ends = np.concatenate([[0.0, road_length_km], km - reach_km, km + reach_km])
    ends = np.unique(ends[(ends >= 0) & (ends <= road_length_km)])
    return np.unique(np.concatenate([ends, (ends[:-1] + ends[1:]) / 2]))


@dataclass(frozen=True)
class CorridorResult:
    """Pools chosen along a corridor.

    Attributes
    ----------
    pools : pandas.DataFrame
        Chosen pools: site, km, gap_before_km, ports, pool_kw, capex_usd.
    max_gap_km : float
        Largest distance between consecutive pools (ends included as half gaps x 2).
    candidates : int
    location : evplan.location.LocationResult
    road_length_km : float
    """

    pools: pd.DataFrame
    max_gap_km: float
    candidates: int
    location: Any
    road_length_km: float = 0.0


def pool_power_problems(year: int, port_power_kw: float) -> list[Problem]:
    """A problem when AFIR asks the pools of ``year`` for points of at least 150 kW and
    ports of ``port_power_kw`` make none (pools of 12 x 50 kW reach 600 kW but are not
    AFIR's pools).

    Examples
    --------
    >>> pool_power_problems(2027, 150.0), len(pool_power_problems(2027, 50.0))
    ([], 1)
    """
    fast_points = load_afir().pool(year)[1]
    if not fast_points or port_power_kw >= 150.0:
        return []
    return [Problem("options", f"AFIR asks each pool in {year} for {fast_points} point(s) of "
                    f"at least 150 kW; ports of {port_power_kw:g} kW make none. Size the "
                    "corridor with a class of at least 150 kW (e.g. charger_class 'DC150').")]


def corridor_pools(
    corridor: pd.DataFrame,
    road_length_km: float,
    *,
    max_spacing_km: float | None = None,
    year: int = 2027,
    port_power_kw: float = 150.0,
    capex_usd_per_port: float = 0.0,
    options: SolveOptions | None = None,
) -> CorridorResult:
    """Fewest pools along a road so that pools are at most ``max_spacing_km`` apart.

    Parameters
    ----------
    corridor : pandas.DataFrame
        ``site``, ``km`` of candidate pools.
    road_length_km : float
        Road from km 0 to this.
    max_spacing_km : float, optional
        Default: AFIR's 60 km on the TEN-T core network.
    year : int
        AFIR pool requirement of this year sets ports per pool.
    port_power_kw : float
        Power of the ports that make up a pool (at least 150 kW counts as AFIR's fast point).

    Examples
    --------
    >>> import pandas as pd
    >>> corridor = pd.DataFrame({"site": list("ABCDE"), "km": [10, 40, 70, 100, 115]})
    >>> result = corridor_pools(corridor, 120.0)  # km 0-10 needs A; B and D leave it bare
    >>> len(result.pools), result.pools["site"].iloc[0], result.max_gap_km <= 60.0
    (3, 'A', True)
    """
    afir = load_afir()
    pool_kw, fast_points = afir.pool(year)
    if refused := pool_power_problems(year, port_power_kw):  # pools that are not AFIR's
        raise InputError(refused)
    spacing = afir.core_spacing_km if max_spacing_km is None else max_spacing_km
    options = options or SolveOptions(time_limit=60.0)
    points = _road_points(corridor["km"].to_numpy(dtype=float), road_length_km, spacing / 2)
    distance = np.abs(corridor["km"].to_numpy(dtype=float)[:, None] - points[None, :])
    within = distance <= spacing / 2 + 1e-9
    bare = ~within.any(axis=0)
    if bare.any():  # explained here, not as one "no row" per point of the road
        first = np.flatnonzero(bare & ~np.concatenate([[False], bare[:-1]]))
        last = np.flatnonzero(bare & ~np.concatenate([bare[1:], [False]]))
        # a bare run of points lies strictly between the covered points around it
        before = points[np.maximum(first - 1, 0)]
        after = points[np.minimum(last + 1, len(points) - 1)]
        stretches = ", ".join(f"km {a:g}-{b:g}" for a, b in
                              zip(before[:5], after[:5], strict=True))
        more = f" and {len(first) - 5} more" if len(first) > 5 else ""
        raise InfeasibleError([f"corridor: no candidate site is within {spacing / 2:g} km of "
                               f"{stretches}{more} of the {road_length_km:g} km road, so no "
                               f"choice of pools is at most {spacing:g} km apart (AFIR's "
                               "spacing). Add candidate sites (site, km) in those stretches."])
    site_index, point_index = np.nonzero(within)
    # a pair kept by the 1e-9 slack above may lie a rounding error beyond spacing / 2, which
    # set_covering's strict ``<=`` would drop (a solvable road made infeasible, or a pool
    # too many): the pairs kept here are the ones the road may use, so clip them to reach
    pairs = pd.DataFrame({"site": corridor["site"].to_numpy()[site_index],
                          "customer": point_index,
                          "distance": np.minimum(distance[within], spacing / 2)})
    location = set_covering(pd.DataFrame({"site": corridor["site"]}),
                            pd.DataFrame({"customer": np.arange(len(points)), "demand": 1.0}),
                            pairs, spacing / 2, options=options)
    chosen = corridor[corridor["site"].isin(location.open_sites)].sort_values("km")
    kms = chosen["km"].to_numpy(dtype=float)
    gaps = np.diff(np.concatenate([[-kms[0]], kms])) if len(kms) else np.array([])
    fast = port_power_kw >= 150.0
    ports = int(max(np.ceil(pool_kw / port_power_kw - 1e-9), fast_points if fast else 0, 1))
    pools = chosen[["site", "km"]].assign(gap_before_km=gaps, ports=ports,
                                          pool_kw=ports * port_power_kw,
                                          capex_usd=ports * capex_usd_per_port)
    ends = [2 * kms[0], 2 * (road_length_km - kms[-1])] if len(kms) else [np.inf]
    max_gap = float(max([*np.diff(kms), *ends])) if len(kms) else float("inf")
    # any cover the set covering returns meets the spacing, a limit-stopped one too
    if (location.status == "optimal" or len(kms)) and max_gap > spacing + 1e-6:
        raise VerificationError([f"corridor: the chosen pools are up to {max_gap:g} km apart "
                                 f"(ends counted twice), more than the {spacing:g} km spacing "
                                 "the set covering was to meet."])
    wrong = corridor_problems(pools, corridor, ports, port_power_kw, capex_usd_per_port)
    if wrong:  # evplan's own bug: a pool row the candidates and AFIR contradict
        raise VerificationError(wrong)
    return CorridorResult(pools.reset_index(drop=True), max_gap, len(corridor), location,
                          road_length_km)
