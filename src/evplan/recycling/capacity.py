r"""Can every retired tonne be processed at all? A max-flow check that explains why not.

With ``meet_all`` every retired tonne must be processed within the storage window. The
most any plan can process is that of the *largest network*: every candidate plant open in
the largest tier from its first year (opening in its first year is always allowed, and a
plant never closes), each site taking up to that tier's capacity a year over all its
processes. That is a max-flow problem on a time-expanded graph:

* source -> (collection point, chemistry, year): the tonnes retired then;
* (point, chemistry, year) -> (same, year + 1): the tonnes that may wait a year
  (``storage_max_tonnes``: the packs retired in the last ``max_storage_years`` years; none
  after the last year);
* (point, chemistry, year) -> (plant, year): any tonnes, where a lane is allowed and the
  plant may run a process that year;
* (plant, year) -> sink: the largest tier's capacity.

If the max flow falls short of the tonnes retired, no plan exists, and the minimum cut
(the nodes the source still reaches in the residual graph) says why: a set of collection
points and years whose packs need :math:`D - E` tonnes processed (:math:`D` retired in
those years, at most :math:`E` of which may wait past them) while the plants they can
reach in those years can process at most :math:`C` (plant-years x the largest tier), so
:math:`D - E - C` tonnes are short. Every connected piece of the cut is one such
bottleneck; the pieces' shortfalls add up to the tonnes that cannot be processed.
``docs/recycling.md`` (section 2, *Capacity that cannot suffice*) has a worked example.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from evplan.errors import InfeasibleError
from evplan.recycling.index import NetworkIndex, codes
from evplan.recycling.tables import RecyclingInputs

__all__ = ["Bottleneck", "capacity_bottlenecks", "check_capacity", "explain_bottleneck",
           "years_text"]

_SHOWN_PLANTS = 6


@dataclass(frozen=True)
class Bottleneck:
    """One piece of the minimum cut: packs that need more capacity than they can reach.

    Attributes
    ----------
    points : tuple of str
        Collection points whose packs are short.
    years : tuple of int
        Years of the cut (the packs retired then and the plant-years that can take them).
    retired_tonnes : float
        :math:`D`, the tonnes retired at ``points`` in ``years`` (chemistries of the cut).
    may_wait_tonnes : float
        :math:`E`, at most this many of them may wait past the cut's years (storage).
    capacity_tonnes : float
        :math:`C`, what the plants reachable from them in ``years`` can process at most.
    short_tonnes : float
        :math:`D - E - C`.
    plants : pandas.DataFrame
        ``plant``, ``years`` (a tuple), ``capacity_tonnes``: the plant-years of the cut.
    later_plants : pandas.DataFrame
        ``plant``, ``first_year``: plants ``points`` may ship to that open only after
        some year of the cut (opening them earlier is a fix: by the cut's last year for a
        plant that opens after it, from its first year for one that opens inside it).
    plant_years : int
        Number of plant-years in the cut.
    """

    points: tuple[str, ...]
    years: tuple[int, ...]
    retired_tonnes: float
    may_wait_tonnes: float
    capacity_tonnes: float
    short_tonnes: float
    plants: pd.DataFrame
    later_plants: pd.DataFrame
    plant_years: int


def _edges(index: NetworkIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distinct (balance, plant-year) edges and the plant-year nodes of the largest network."""
    on = ["collection_point", "chemistry", "year"]
    edges = index.flows[[*on, "plant"]].drop_duplicates().reset_index(drop=True)
    plant_years = edges[["plant", "year"]].drop_duplicates().sort_values(
        ["plant", "year"]).reset_index(drop=True)
    edges["balance"] = codes(edges, index.balances, on)
    edges["plant_year"] = codes(edges, plant_years, ["plant", "year"])
    return edges, plant_years


def _max_flow(index: NetworkIndex, edges: pd.DataFrame, plant_years: pd.DataFrame,
              capacity: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve the max flow as an LP; return edge flows, source inflows and storage."""
    balances = index.balances
    n_edge, n_bal, n_py = len(edges), len(balances), len(plant_years)
    previous = codes(balances[["collection_point", "chemistry"]].assign(
        year=balances["year"] - 1), balances, ["collection_point", "chemistry", "year"])
    # variables: edge flows x, storage u, source inflow a
    rows = [edges["balance"].to_numpy(), np.arange(n_bal), np.flatnonzero(previous >= 0),
            np.arange(n_bal)]
    cols = [np.arange(n_edge), n_edge + np.arange(n_bal), n_edge + previous[previous >= 0],
            n_edge + n_bal + np.arange(n_bal)]
    vals = [np.ones(n_edge), np.ones(n_bal), -np.ones(int((previous >= 0).sum())),
            -np.ones(n_bal)]
    n_var = n_edge + 2 * n_bal
    equality = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n_bal, n_var)).tocsr()
    load = coo_matrix((np.ones(n_edge), (edges["plant_year"].to_numpy(), np.arange(n_edge))),
                      shape=(n_py, n_var)).tocsr()
    bounds = np.column_stack([np.zeros(n_var), np.concatenate([
        np.full(n_edge, np.inf), balances["storage_max_tonnes"].to_numpy(dtype=float),
        balances["supply_tonnes"].to_numpy(dtype=float)])])
    cost = np.concatenate([-np.ones(n_edge), np.zeros(2 * n_bal)])
    result = linprog(cost, A_ub=load if n_py else None,
                     b_ub=np.full(n_py, capacity) if n_py else None, A_eq=equality,
                     b_eq=np.zeros(n_bal), bounds=bounds, method="highs")
    if result.status != 0:  # pragma: no cover - a max flow always has a solution
        raise RuntimeError(f"recycling capacity check: {result.message}")
    x = result.x
    return x[:n_edge], x[n_edge + n_bal:], x[n_edge:n_edge + n_bal]


def _source_side(index: NetworkIndex, edges: pd.DataFrame, n_py: int, capacity: float,
                 flow: np.ndarray, inflow: np.ndarray, stored: np.ndarray, tol: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Balance and plant-year nodes the source reaches in the residual graph."""
    balances = index.balances
    n_bal = len(balances)
    supply = balances["supply_tonnes"].to_numpy(dtype=float)
    storage_max = balances["storage_max_tonnes"].to_numpy(dtype=float)
    following = codes(balances[["collection_point", "chemistry"]].assign(
        year=balances["year"] + 1), balances, ["collection_point", "chemistry", "year"])
    load = np.bincount(edges["plant_year"].to_numpy(), weights=flow, minlength=n_py)
    out_edges: list[list[int]] = [[] for _ in range(n_bal)]
    into_plant: list[list[int]] = [[] for _ in range(n_py)]
    for position, (bal, py) in enumerate(edges[["balance", "plant_year"]].to_numpy()):
        out_edges[bal].append(int(py))
        if flow[position] > tol:
            into_plant[py].append(int(bal))
    reached_bal = np.zeros(n_bal, dtype=bool)
    reached_py = np.zeros(n_py, dtype=bool)
    queue: deque[tuple[str, int]] = deque()
    for bal in np.flatnonzero(inflow < supply - tol):
        reached_bal[bal] = True
        queue.append(("b", int(bal)))
    earlier = np.full(n_bal, -1)
    earlier[following[following >= 0]] = np.flatnonzero(following >= 0)
    while queue:
        kind, node = queue.popleft()
        if kind == "b":
            nxt = [("p", py) for py in out_edges[node]]
            if following[node] >= 0 and stored[node] < storage_max[node] - tol:
                nxt.append(("b", int(following[node])))
            if earlier[node] >= 0 and stored[earlier[node]] > tol:
                nxt.append(("b", int(earlier[node])))
        else:
            if load[node] < capacity - tol:  # pragma: no cover - no augmenting path at optimum
                continue
            nxt = [("b", bal) for bal in into_plant[node]]
        for kind_next, other in nxt:
            seen = reached_bal if kind_next == "b" else reached_py
            if not seen[other]:
                seen[other] = True
                queue.append((kind_next, other))
    return reached_bal, reached_py


def capacity_bottlenecks(index: NetworkIndex, inputs: RecyclingInputs, *,
                         relative_tolerance: float = 1e-9) -> list[Bottleneck]:
    """The pieces of the minimum cut that leave retired tonnes unprocessed (empty: none).

    Parameters
    ----------
    index : NetworkIndex
        The network (``meet_all`` storage bounds: nothing waits past the last year).
    inputs : RecyclingInputs
        For the plants' ``first_year`` and the largest tier.
    relative_tolerance : float
        Shortfalls up to this share of the tonnes retired are taken as rounding. The
        default, 1e-9, lies below the MILP's feasibility tolerance (HiGHS: 1e-7 t), so a
        shortfall the MILP finds infeasible is explained here (0.001 t of 2,000 t was
        ignored at 1e-6 and then called a bug in evplan); 0 counts any shortfall.

    Returns
    -------
    list of Bottleneck
        Ordered by first year; their ``short_tonnes`` add up to what cannot be processed.
    """
    balances = index.balances
    supply = balances["supply_tonnes"].to_numpy(dtype=float)
    total = float(supply.sum())
    capacity = float(inputs["plant_tiers"]["capacity_tonnes_per_year"].max())
    edges, plant_years = _edges(index)
    flow, inflow, stored = _max_flow(index, edges, plant_years, capacity)
    gap = total - float(flow.sum())
    threshold = relative_tolerance * max(total, 1.0)
    if gap <= threshold:
        return []
    tol = min(1e-7 * max(total, 1.0), 0.1 * gap)  # residual arcs below tol count as full
    reached_bal, reached_py = _source_side(index, edges, len(plant_years), capacity, flow,
                                           inflow, stored, tol)
    # connected pieces of the cut: storage arcs and lanes between reached nodes
    n_bal = len(balances)
    following = codes(balances[["collection_point", "chemistry"]].assign(
        year=balances["year"] + 1), balances, ["collection_point", "chemistry", "year"])
    chain = np.flatnonzero((following >= 0) & reached_bal)
    chain = chain[reached_bal[following[chain]]]
    inside = edges[reached_bal[edges["balance"].to_numpy()]]
    rows = np.concatenate([chain, inside["balance"].to_numpy()])
    cols = np.concatenate([following[chain], n_bal + inside["plant_year"].to_numpy()])
    size = n_bal + len(plant_years)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    storage_max = balances["storage_max_tonnes"].to_numpy(dtype=float)
    escapes = np.zeros(n_bal)
    leaving = (following >= 0) & reached_bal
    escapes[leaving] = storage_max[leaving] * ~reached_bal[following[leaving]]
    last_escape = np.where(following < 0, storage_max, 0.0)  # 0 for meet_all
    plants = inputs["candidate_plants"].set_index("plant")
    found = []
    for piece in np.unique(label[:n_bal][reached_bal]):
        in_bal = reached_bal & (label[:n_bal] == piece)
        in_py = reached_py & (label[n_bal:] == piece)
        retired = float(supply[in_bal].sum())
        wait = float(escapes[in_bal].sum() + last_escape[in_bal].sum())
        cap = capacity * int(in_py.sum())
        short = retired - wait - cap
        if short <= threshold:
            continue
        cut = balances[in_bal]
        years = tuple(int(y) for y in sorted(cut["year"].unique()))
        points = tuple(sorted(cut["collection_point"].unique()))
        cut_plants = plant_years[in_py].groupby("plant", as_index=False)["year"].agg(
            lambda column: tuple(int(y) for y in sorted(column))).rename(
            columns={"year": "years"})
        cut_plants["capacity_tonnes"] = cut_plants["years"].map(len) * capacity
        reachable = index.lanes.loc[index.lanes["collection_point"].isin(points), "plant"]
        first = plants["first_year"].reindex(reachable.unique()).astype("Float64")
        later = first[first > min(years)].dropna()
        later_plants = pd.DataFrame({"plant": later.index.astype(str),
                                     "first_year": later.astype(int).to_numpy()})
        found.append(Bottleneck(points, years, retired, wait, cap, short,
                                cut_plants.reset_index(drop=True),
                                later_plants.sort_values(["first_year", "plant"]).reset_index(
                                    drop=True), int(in_py.sum())))
    return sorted(found, key=lambda b: (b.years[0], b.points))


def years_text(years: tuple[int, ...]) -> str:
    """``2030``, ``2030-2032`` (a run of years) or ``2030, 2033``."""
    if len(years) == 1:
        return str(years[0])
    if list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(str(y) for y in years)


def tonnes_text(tonnes: float, decimals: int = 1) -> str:
    """Tonnes with at least ``decimals`` decimals and three significant digits when small.

    Examples
    --------
    >>> tonnes_text(2000.001), tonnes_text(0.001), tonnes_text(0.00012), tonnes_text(0.0)
    ('2,000.0', '0.001', '0.00012', '0.0')
    >>> tonnes_text(1e-6)
    '1e-06'
    >>> tonnes_text(2000.001, short_decimals(0.001))
    '2,000.001'
    """
    if 0 < abs(tonnes) < 0.095:
        return f"{tonnes:.3g}"
    return f"{tonnes:,.{decimals}f}"


def short_decimals(short_tonnes: float) -> int:
    """Decimals that tell tonnes ``short_tonnes`` apart (1, or more for small shortfalls)."""
    if not 0 < short_tonnes < 0.1:
        return 1
    return min(12, int(np.ceil(round(-np.log10(short_tonnes), 6))))


def _names(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def explain_bottleneck(bottleneck: Bottleneck, inputs: RecyclingInputs,
                       max_storage_years: int, last_year: int | None = None) -> str:
    """One sentence: where and when, tonnes needed against capacity, who binds, the fixes.

    ``last_year`` is the last year planned: nothing waits past it, so when the bottleneck
    ends then, longer storage alone cannot help and a later ``last_year`` is suggested.
    """
    b = bottleneck
    tiers = inputs["plant_tiers"]
    position = int(tiers["capacity_tonnes_per_year"].to_numpy(dtype=float).argmax())
    size = float(tiers["capacity_tonnes_per_year"].iloc[position])
    tier = str(tiers["tier"].iloc[position])
    years = years_text(b.years)
    need = b.retired_tonnes - b.may_wait_tonnes
    digits = short_decimals(b.short_tonnes)

    def t(tonnes: float) -> str:
        return f"{tonnes:,.{digits}f}"

    where = f"{t(b.retired_tonnes)} t retired at {_names(list(b.points))} in {years}"
    if b.may_wait_tonnes > 0:
        text = (f"{years}: {where}, of which at most {t(b.may_wait_tonnes)} t may wait past "
                f"{b.years[-1]}, need {t(need)} t processed in {years}")
    else:
        text = f"{years}: {where} must all be processed by {b.years[-1]}" + (
            f" (storage lets none wait past {b.years[-1]})" if max_storage_years else "")
    text += f", but the plants they may ship to can process at most {t(b.capacity_tonnes)} t"
    if b.plants.empty:
        text += f": no plant they may ship to can run in {years}"
    else:
        shown = b.plants.head(_SHOWN_PLANTS)
        parts = [f"'{plant}' {tonnes:,.0f} t ({years_text(tuple(years_open))})"
                 for plant, years_open, tonnes in shown[["plant", "years", "capacity_tonnes"]]
                 .itertuples(index=False)]
        more = (f" and {len(b.plants) - _SHOWN_PLANTS} more"
                if len(b.plants) > _SHOWN_PLANTS else "")
        text += (f" then: {', '.join(parts)}{more}, each at most {size:,.0f} t/yr (the largest "
                 f"tier '{tier}')")
    text += f". Short by {tonnes_text(b.short_tonnes)} t. Fix: "
    fixes = []
    if b.plant_years:
        needed = need / b.plant_years
        fixes.append(f"raise capacity_tonnes_per_year of tier '{tier}' in "
                     f"plant_tiers.csv from {size:,.0f} to at least {np.ceil(needed):,.0f} t/yr "
                     "(or add a larger tier)")
    if len(b.later_plants):
        shown = b.later_plants.head(_SHOWN_PLANTS)
        # a plant opening after the cut helps once it opens by the cut's last year; one
        # opening inside the cut already does, and helps more only by opening earlier
        for inside, when in ((False, f"open by {b.years[-1]}"),
                             (True, f"open from {b.years[0]}")):
            names = [f"'{plant}' (first_year {first})" for plant, first in
                     zip(shown["plant"], shown["first_year"].astype(int), strict=True)
                     if (first <= b.years[-1]) == inside]
            if names:
                fixes.append(f"let {', '.join(names)} {when} in candidate_plants.csv")
    fixes.append(f"allow lanes from {_names(list(b.points))} to more plants in lanes.csv or "
                 "add candidate plants")
    if last_year is not None and b.years[-1] >= last_year:
        storage = "" if max_storage_years else " and max_storage_years of at least 1"
        fixes.append(f"plan beyond {last_year} (a later last_year{storage}) so packs may "
                     f"wait past {last_year}, the last year planned")
    else:
        fixes.append("let packs wait longer (max_storage_years)")
    fixes.append("or use objective 'max_value' (process only what pays)")
    return text + "; ".join(fix for fix in fixes if fix) + "."


def check_capacity(index: NetworkIndex, inputs: RecyclingInputs,
                   max_storage_years: int, *, relative_tolerance: float = 1e-9) -> None:
    """Raise :class:`~evplan.errors.InfeasibleError` when no plan can process every tonne.

    Only for ``meet_all`` (``max_value`` processes what it can). ``relative_tolerance`` as
    in :func:`capacity_bottlenecks` (0 once the MILP has found the model infeasible).
    """
    found = capacity_bottlenecks(index, inputs, relative_tolerance=relative_tolerance)
    if not found:
        return
    short = sum(b.short_tonnes for b in found)
    last_year = int(index.years[-1])
    lines = [explain_bottleneck(b, inputs, max_storage_years, last_year) for b in found[:8]]
    if len(found) > 8:
        lines.append(f"... and {len(found) - 8} more bottlenecks "
                     f"({tonnes_text(sum(b.short_tonnes for b in found[8:]))} t).")
    raise InfeasibleError(lines, headline=(
        f"the model is infeasible: {tonnes_text(short)} t of retired packs cannot be processed "
        "even with every candidate plant open in the largest tier from its first year"))
