"""``evplan compare``: the KPIs that matter first, in human units; the rest with ``--all``.

First the headline rows, by KPI name, for the *focus* country (the producing country whose
exports grow most in the first run, as in the report): the objective (discounted margin),
the share of global sales sold in it and built in it, its plant utilisation and exports, the
margin a year (undiscounted) and duties paid, in the first and last year. Each run has a
column headed by its whole run id, and every later run a ``Δ`` column against the first.
Shares differ in percentage points (``pt``); a difference below zero has a minus sign
(``−``, as on the comparison page), never the ``-`` of a missing value. Words and units:
docs/glossary.md. The share sold in the focus country sums its markets (by the runs'
``network_sites`` tables; without them, the market named like the country). A value a run
does not have (a year outside its horizon, a KPI with no value) is ``-``, never 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
from rich.table import Table

from evplan.outputs.deltas import signed_difference
from evplan.screen import Column, fit_tables
from evplan.units import format_kpi

__all__ = ["HEADLINE_KPIS", "compare_tables", "focus_country"]

#: (KPI name, key: "focus" or "all", label) of the headline rows, in order.
HEADLINE_KPIS: tuple[tuple[str, str, str], ...] = (
    ("sales_share_by_market", "focus", "share of global sales sold in {focus}"),
    ("sales_share_by_origin", "focus", "share of global sales built in {focus}"),
    ("utilisation_by_country", "focus", "plant utilisation {focus}"),
    ("exports_by_origin", "focus", "exports from {focus}"),
    ("margin", "all", "margin a year, undiscounted"),
    ("duties_paid", "all", "duties paid"),
)
UNITS = {"sales_share_by_market": "fraction", "sales_share_by_origin": "fraction",
         "utilisation_by_country": "fraction", "exports_by_origin": "vehicles",
         "margin": "USD", "duties_paid": "USD"}


def focus_country(wide: pd.DataFrame, first_run: str) -> str:
    """The origin whose exports grow most from the first to the last year in ``first_run``
    (the largest exporter when none grows); ``""`` without exports."""
    rows = wide[wide.index.get_level_values("kpi") == "exports_by_origin"]
    if rows.empty or not rows[first_run].sum() > 0:  # 0 rows: nothing crosses a border
        return ""
    table = rows[first_run].droplevel("kpi").unstack("key").fillna(0.0)
    if table.empty:
        return ""
    growth = table.iloc[-1] - table.iloc[0]
    return str(growth.idxmax() if growth.max() > 0.5 else table.sum().idxmax())


def _headline(wide: pd.DataFrame, run_ids: Sequence[str], kpi: str, year: int, key: str,
              markets: Sequence[str] | None) -> tuple[list[float], list[tuple[str, int, str]]]:
    """One headline row's value per run and the KPI rows it shows. The share sold in the
    focus country sums its markets' rows when ``markets`` (the country's markets) is known;
    without it, the market of the country's name. A row no run has is no value (NaN, "-"),
    never an invented 0."""
    keys = [key] if kpi != "sales_share_by_market" or markets is None else list(markets)
    positions = [(kpi, year, name) for name in keys if (kpi, year, name) in wide.index]
    if not positions and markets is not None and kpi == "sales_share_by_market":
        # the focus country has no market (or none that sells): 0 where the run planned
        # the year, as its global sales say
        total = ("global_sales", year, "all")
        row = wide[list(run_ids)].reindex(pd.MultiIndex.from_tuples([total]))
        return [0.0 if row[run_id].notna().any() else math.nan for run_id in run_ids], []
    if not positions:
        return [math.nan] * len(run_ids), []
    values = wide[list(run_ids)].reindex(pd.MultiIndex.from_tuples(positions))
    # NaN when every row is NaN (a year outside the run's horizon)
    return [float(values[run_id].sum(min_count=1)) for run_id in run_ids], positions


def _rows(wide: pd.DataFrame, run_ids: Sequence[str], objectives: Sequence[float],
          show_all: bool, limit: int, market_country: Mapping[str, str] | None = None
          ) -> tuple[list[tuple[str, str, list[float], str]], int]:
    """(label, year, one value per run, unit) rows: headline, then (with show_all) the rest."""
    rows: list[tuple[str, str, list[float], str]] = [
        ("objective (discounted margin)", "all", list(objectives), "USD")]
    focus = focus_country(wide, run_ids[0])
    markets = None if market_country is None else sorted(
        market for market, country in market_country.items() if country == focus)
    years = sorted({int(year) for _, year, _ in wide.index})
    shown: set[tuple[str, int, str]] = set()
    for kpi, key, label in HEADLINE_KPIS:
        key = focus if key == "focus" else key
        if not key:
            continue
        for year in (years[0], years[-1]) if years else ():
            values, positions = _headline(wide, run_ids, kpi, year, key, markets)
            rows.append((label.format(focus=focus), str(year), values, UNITS[kpi]))
            shown.update(positions)
    deltas = [column for column in wide.columns if str(column).startswith("delta ")]
    rest = wide.drop(index=[p for p in shown if p in wide.index])
    if deltas:
        # A value in one run and none in another (a year outside its horizon) differs too.
        blank = rest[list(run_ids)].isna()
        rest = rest[(rest[deltas].abs().max(axis=1) > 1e-9 * (1 + rest[run_ids[0]].abs()))
                    | blank.ne(blank[run_ids[0]], axis=0).any(axis=1)]
    if show_all:
        units = _units(rest.index)
        for place, row in rest.head(limit).iterrows():
            name, when, which = (str(part) for part in place)  # type: ignore[attr-defined]
            label = name if which == "all" else f"{name} {which}"
            rows.append((label, when, [float(row[run_id]) for run_id in run_ids],
                         units.get(name, "")))
        return rows, max(0, len(rest) - limit)
    return rows, len(rest)


def _units(index: pd.Index) -> dict[str, str]:
    from evplan.results.kpis import KPI_UNITS

    units = dict(KPI_UNITS)
    try:
        from evplan.results.compliance import COMPLIANCE_KPI_UNITS

        units |= COMPLIANCE_KPI_UNITS
    except ImportError:  # pragma: no cover - part of evplan
        pass
    return {str(kpi): units.get(str(kpi), "") for kpi, _, _ in index}


def compare_tables(wide: pd.DataFrame, run_ids: Sequence[str], objectives: Sequence[float],
                   *, show_all: bool = False, limit: int = 60, width: int = 160,
                   market_country: Mapping[str, str] | None = None
                   ) -> tuple[list[Table], str]:
    """The comparison as tables that fit ``width`` and a closing line (what ``--all`` adds).

    ``market_country`` (market -> country, from the runs' ``network_sites`` tables) lets the
    share sold in the focus country sum that country's markets."""
    rows, hidden = _rows(wide, run_ids, objectives, show_all, limit, market_country)
    keys = [Column("KPI", [label for label, *_ in rows], "left"),
            Column("year", [year for _, year, _, _ in rows])]
    values = [Column(run_id, [format_kpi(values[number], unit)
                              for _, _, values, unit in rows])
              for number, run_id in enumerate(run_ids)]
    values[1:] = [column for number, column in enumerate(values[1:], start=1) for column in (
        column, Column(f"Δ {run_ids[number]}",
                       [signed_difference(values[number] - values[0], unit)
                        for _, _, values, unit in rows]))]
    tables = fit_tables(f"Compared with {run_ids[0]}", keys, values, width)
    if show_all:
        note = f"... {hidden} more KPI rows differ (--limit)" if hidden else ""
    else:
        note = (f"{hidden} more KPI rows differ between the runs: add --all to show them."
                if hidden else "No other KPI differs.")
    return tables, note
