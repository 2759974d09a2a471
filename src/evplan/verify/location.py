r"""Certificate check of a facility-location result, re-evaluated from the input tables.

Every solver path of :mod:`evplan.location` calls :func:`check_location` before it
returns a :class:`~evplan.location.LocationResult`. The check reads the same pandas
tables the user passed (not the solver's arrays or model) and confirms, within the
solver's feasibility tolerance :data:`FEASIBILITY_TOLERANCE`:

==================  ===================================================================
rule                checked
==================  ===================================================================
open sites          known ids, no repeats; p-median: exactly ``medians``; maximal
                    covering: at most ``sites_to_open``
assignment          known ids; only allowed pairs (a row in ``costs``/``distances``);
                    only open sites; fractions in [0, 1]; assignment problems: each
                    customer's fractions sum to 1 (single source and p-median: one row
                    of fraction 1); p-median: each customer at a nearest open allowed
                    site (zero weight too)
capacity            :math:`\sum_j d_j x_{ij} \le s_i` at every site with a capacity
coverage            set covering: every customer with demand within the service
                    distance of an open site; covering: assigned site open and within
                    the distance, and every covered customer listed once
reported values     the ``cost``/``distance`` column per row; the objective recomputed
                    from scratch (fixed costs, assignment costs, weighted distances,
                    covered demand, sites opened)
bound and gap       finite numbers; bound <= objective (>= for maximal covering); gap
                    = :math:`|z - b| / \max(|z|, 10^{-9})`; status ``optimal`` only
                    with the gap within the solve's tolerances
==================  ===================================================================

Any violation raises :class:`~evplan.errors.VerificationError` listing each broken
rule: a bug in evplan, never a plan to use.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evplan.errors import VerificationError

if TYPE_CHECKING:
    from evplan.location.options import SolveOptions
    from evplan.location.result import LocationResult

__all__ = ["FEASIBILITY_TOLERANCE", "certify", "check_location"]

FEASIBILITY_TOLERANCE = 1e-6
"""Relative tolerance of rows (fractions, loads, objective), HiGHS' MIP feasibility scale."""

_SHOWN = 5  # offending rows named per rule
_ASSIGNED = ("capacitated", "single_source", "uncapacitated", "p_median")
_MINIMISE = ("capacitated", "single_source", "uncapacitated", "p_median", "set_covering")


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


class _Report:
    """Collects violations, a few named per rule."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def rule(self, mask: np.ndarray, describe: Any) -> None:
        positions = np.flatnonzero(mask)
        for position in positions[:_SHOWN]:
            self.lines.append(describe(int(position)))
        if len(positions) > _SHOWN:
            self.lines.append(f"... and {len(positions) - _SHOWN} more of the same kind.")

    def add(self, line: str) -> None:
        self.lines.append(line)


def _close(found: float, expected: float, scale: float) -> bool:
    return abs(found - expected) <= FEASIBILITY_TOLERANCE * max(1.0, abs(expected), scale)


def _matrix(
    pairs: pd.DataFrame, column: str, site_ids: pd.Index, customer_ids: pd.Index
) -> np.ndarray:
    values = np.full((len(site_ids), len(customer_ids)), np.inf)
    site = site_ids.get_indexer(pd.Index(pairs["site"]))
    customer = customer_ids.get_indexer(pd.Index(pairs["customer"]))
    values[site, customer] = pd.to_numeric(pairs[column]).to_numpy(dtype=float)
    return values


def _open_mask(result: LocationResult, site_ids: pd.Index, report: _Report) -> np.ndarray:
    positions = site_ids.get_indexer(pd.Index(result.open_sites))
    unknown = positions < 0
    report.rule(unknown, lambda k: f"open site {_plain(result.open_sites[k])!r} is not in sites.")
    known = positions[~unknown]
    repeated = pd.Series(known).duplicated().to_numpy()
    report.rule(repeated, lambda k: f"open site {_plain(site_ids[known[k]])!r} is listed twice.")
    is_open = np.zeros(len(site_ids), dtype=bool)
    is_open[known] = True
    return is_open


def _assignment_rules(
    result: LocationResult,
    value: np.ndarray,
    is_open: np.ndarray,
    site_ids: pd.Index,
    customer_ids: pd.Index,
    column: str,
    report: _Report,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check rows of the assignment table; return site, customer, fraction of the valid."""
    table = result.assignment
    site = site_ids.get_indexer(pd.Index(table["site"]))
    customer = customer_ids.get_indexer(pd.Index(table["customer"]))
    fraction = table["fraction"].to_numpy(dtype=float)
    unknown = (site < 0) | (customer < 0)
    report.rule(
        unknown,
        lambda k: (
            f"assignment row {k}: site {_plain(table['site'].iloc[k])!r} or customer "
            f"{_plain(table['customer'].iloc[k])!r} is not in the input tables."
        ),
    )
    site, customer, fraction = site[~unknown], customer[~unknown], fraction[~unknown]
    reported = table[column].to_numpy(dtype=float)[~unknown]
    pair_value = value[site, customer]
    tolerance = FEASIBILITY_TOLERANCE

    def name(k: int) -> str:
        return (
            f"customer {_plain(customer_ids[customer[k]])!r} at site {_plain(site_ids[site[k]])!r}"
        )

    report.rule(
        ~np.isfinite(pair_value),
        lambda k: (
            f"{name(k)}: the pair is not allowed (no row in the input), fraction {fraction[k]:g}."
        ),
    )
    report.rule(
        ~is_open[site] & (fraction > tolerance),
        lambda k: f"{name(k)}: the site is not open, fraction {fraction[k]:g}.",
    )
    report.rule(
        ~np.isfinite(fraction) | (fraction < -tolerance) | (fraction > 1 + tolerance),
        lambda k: f"{name(k)}: fraction {fraction[k]:g} is outside [0, 1].",
    )
    expected = fraction * pair_value if column == "cost" else pair_value
    finite = np.isfinite(pair_value)
    wrong = finite & ~np.isclose(reported, expected, rtol=1e-9, atol=1e-9)
    report.rule(
        wrong,
        lambda k: f"{name(k)}: reported {column} {reported[k]:g}, the input gives {expected[k]:g}.",
    )
    return site, customer, fraction


def _served_rules(
    result: LocationResult,
    customer: np.ndarray,
    fraction: np.ndarray,
    customer_ids: pd.Index,
    report: _Report,
) -> None:
    total = np.bincount(customer, weights=fraction, minlength=len(customer_ids))
    report.rule(
        np.abs(total - 1.0) > FEASIBILITY_TOLERANCE,
        lambda j: (
            f"customer {_plain(customer_ids[j])!r}: assigned fractions sum to {total[j]:g}, not 1."
        ),
    )
    if result.problem in ("single_source", "p_median"):
        rows = np.bincount(customer, minlength=len(customer_ids))
        report.rule(
            rows > 1,
            lambda j: (
                f"customer {_plain(customer_ids[j])!r}: {rows[j]} sites, but "
                f"{result.problem} serves a customer from one site."
            ),
        )


def _capacity_rules(
    sites: pd.DataFrame,
    demand: np.ndarray,
    site: np.ndarray,
    customer: np.ndarray,
    fraction: np.ndarray,
    site_ids: pd.Index,
    report: _Report,
) -> None:
    capacity = pd.to_numeric(sites["capacity"]).to_numpy(dtype=float)
    load = np.bincount(site, weights=fraction * demand[customer], minlength=len(site_ids))
    scale = max(1.0, float(demand.max(initial=0.0)))
    over = load > capacity + FEASIBILITY_TOLERANCE * np.maximum(scale, capacity)
    report.rule(
        over,
        lambda i: (
            f"site {_plain(site_ids[i])!r}: load {load[i]:g} exceeds its capacity {capacity[i]:g}."
        ),
    )


def _objective(
    problem: str,
    sites: pd.DataFrame,
    demand: np.ndarray,
    value: np.ndarray,
    is_open: np.ndarray,
    site: np.ndarray,
    customer: np.ndarray,
    fraction: np.ndarray,
    covered: np.ndarray | None,
) -> tuple[float, float]:
    """Objective from scratch and the scale of its terms (for the tolerance)."""
    if problem in ("capacitated", "single_source", "uncapacitated"):
        fixed = pd.to_numeric(sites["fixed_cost"]).to_numpy(dtype=float)
        terms = np.concatenate([fixed[is_open], fraction * value[site, customer]])
    elif problem == "p_median":
        weight = demand[customer]
        terms = np.where(weight > 0, weight * value[site, customer], 0.0)
    elif problem == "maximal_covering":
        assert covered is not None
        terms = demand[covered]
    else:
        terms = is_open[is_open].astype(float)
    return float(terms.sum()), float(np.abs(terms).sum())


def _bound_rules(
    result: LocationResult, objective_data_integral: bool, options: SolveOptions, report: _Report
) -> None:
    objective, bound, gap = result.objective, result.bound, result.gap
    if result.status not in ("optimal", "time_limit"):
        report.add(f"status {result.status!r} is not 'optimal' or 'time_limit'.")
    if not np.isfinite(objective):
        report.add(f"objective {objective!r} is not a finite number.")
        return
    if np.isnan(bound) or np.isnan(gap):
        report.add(f"bound {bound!r} or gap {gap!r} is not a number.")
        return
    minimise = result.problem in _MINIMISE
    slack = FEASIBILITY_TOLERANCE * max(1.0, abs(objective))
    if minimise and bound > objective + slack:
        report.add(f"bound {bound:g} is above the objective {objective:g} of a minimisation.")
    if not minimise and bound < objective - slack:
        report.add(f"bound {bound:g} is below the objective {objective:g} of a maximisation.")
    difference = abs(objective - bound)
    expected_gap = (
        (0.0 if difference == 0 else difference / max(abs(objective), 1e-9))
        if np.isfinite(bound)
        else np.inf
    )
    if not (
        (np.isinf(expected_gap) and np.isinf(gap))
        or abs(gap - expected_gap) <= 1e-6 * max(1.0, expected_gap)
    ):
        report.add(
            f"gap {gap:g} does not match |objective - bound| / |objective| = {expected_gap:g}."
        )
    if result.status == "optimal":
        allowed = max(options.mip_abs_gap, 1.0001 * options.mip_rel_gap * abs(objective))
        if objective_data_integral:
            allowed = max(allowed, 1.0 - 1e-6)
        if not difference <= allowed + slack:
            report.add(
                f"status 'optimal' with objective {objective:g} and bound {bound:g}: the gap "
                f"{difference:g} is wider than the tolerance {allowed:g}."
            )


def _integral(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(finite == np.round(finite)))


def check_location(
    result: LocationResult,
    sites: pd.DataFrame,
    customers: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    options: SolveOptions,
    medians: int | None = None,
    service_distance: float | None = None,
    sites_to_open: int | None = None,
) -> None:
    """Re-evaluate ``result`` against the input tables; raise on any broken rule.

    Parameters
    ----------
    result : LocationResult
        What a solver path is about to return.
    sites, customers, pairs : pandas.DataFrame
        The tables the solve was given (``pairs``: ``costs`` with a ``cost`` column for
        facility problems, ``distances`` with ``distance`` otherwise), already validated.
    options : SolveOptions
        The solve's options (its gap tolerances judge ``status="optimal"``).
    medians, service_distance, sites_to_open
        The problem's parameters, where it has them.

    Raises
    ------
    evplan.errors.VerificationError
        Listing every rule the result breaks.
    """
    problem = result.problem
    column = "cost" if problem in ("capacitated", "single_source", "uncapacitated") else "distance"
    site_ids, customer_ids = pd.Index(sites["site"]), pd.Index(customers["customer"])
    demand = pd.to_numeric(customers["demand"]).to_numpy(dtype=float)
    value = _matrix(pairs, column, site_ids, customer_ids)
    report = _Report()
    is_open = _open_mask(result, site_ids, report)
    site, customer, fraction = _assignment_rules(
        result, value, is_open, site_ids, customer_ids, column, report
    )
    covered: np.ndarray | None = None
    if problem in _ASSIGNED:
        _served_rules(result, customer, fraction, customer_ids, report)
    if problem in ("capacitated", "single_source"):
        _capacity_rules(sites, demand, site, customer, fraction, site_ids, report)
    if problem == "p_median":
        if int(is_open.sum()) != medians:
            report.add(f"{int(is_open.sum())} sites are open, but medians = {medians}.")
        nearest = np.where(is_open[:, None], value, np.inf).min(axis=0)[customer]
        report.rule(
            value[site, customer] > nearest + FEASIBILITY_TOLERANCE * np.maximum(1.0, nearest),
            lambda k: (
                f"customer {_plain(customer_ids[customer[k]])!r} is at distance "
                f"{value[site[k], customer[k]]:g}, but an open site is at {nearest[k]:g}."
            ),
        )
    if problem in ("maximal_covering", "set_covering"):
        assert service_distance is not None
        within = value <= service_distance
        covered = (within & is_open[:, None]).any(axis=0)
        report.rule(
            ~within[site, customer],
            lambda k: (
                f"customer {_plain(customer_ids[customer[k]])!r} is listed at site "
                f"{_plain(site_ids[site[k]])!r}, {value[site[k], customer[k]]:g} away, beyond the "
                f"service distance {service_distance:g}."
            ),
        )
        rows = np.bincount(customer, minlength=len(customer_ids))
        report.rule(
            covered & (rows != 1),
            lambda j: (
                f"covered customer {_plain(customer_ids[j])!r} is listed {rows[j]} times "
                "in the assignment, not once."
            ),
        )
        if problem == "maximal_covering" and sites_to_open is not None:
            if int(is_open.sum()) > sites_to_open:
                report.add(
                    f"{int(is_open.sum())} sites are open, but sites_to_open = {sites_to_open}."
                )
        if problem == "set_covering":
            report.rule(
                (demand > 0) & ~covered,
                lambda j: (
                    f"customer {_plain(customer_ids[j])!r} (demand {demand[j]:g}) has "
                    f"no open site within the service distance {service_distance:g}."
                ),
            )
    objective, scale = _objective(
        problem, sites, demand, value, is_open, site, customer, fraction, covered
    )
    if not _close(result.objective, objective, scale):
        report.add(
            f"reported objective {result.objective!r} differs from {objective!r}, recomputed "
            "from the input tables."
        )
    if problem == "p_median":
        allowed = np.isfinite(value)
        integral = _integral((np.where(allowed, value, 0.0) * demand)[allowed])
    else:
        integral = problem == "set_covering" or (
            problem == "maximal_covering" and _integral(demand)
        )
    _bound_rules(result, integral, options, report)
    if report.lines:
        raise VerificationError(_headline(problem, report.lines))


def _headline(problem: str, lines: Sequence[str]) -> list[str]:
    return [f"{problem}: {line}" for line in lines]


def certify(
    result: LocationResult,
    sites: pd.DataFrame,
    customers: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    options: SolveOptions,
    medians: int | None = None,
    service_distance: float | None = None,
    sites_to_open: int | None = None,
) -> LocationResult:
    """Run :func:`check_location` (unless ``options.verify`` is off) and return ``result``
    with the check's wall time in ``details["verify_seconds"]``."""
    if not options.verify:
        return result
    started = time.perf_counter()
    check_location(
        result,
        sites,
        customers,
        pairs,
        options=options,
        medians=medians,
        service_distance=service_distance,
        sites_to_open=sites_to_open,
    )
    seconds = time.perf_counter() - started
    return replace(result, details={**result.details, "verify_seconds": seconds})
