"""NetworkData: the validated inputs of one scenario, as typed tables."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import pandas as pd

from evplan.errors import Problem

__all__ = ["NetworkData", "ScenarioSettings", "require_network_data"]


@dataclass(frozen=True)
class ScenarioSettings:
    """The contents of ``scenario.yaml`` after validation (see :mod:`evplan.schema.scenario`)."""

    name: str
    first_year: int
    last_year: int
    description: str = ""
    discount_rate: float = 0.0
    transfer_price_markup: float = 0.0
    inventory_carrying_rate: float = 0.0
    calibrated_year: int | None = None
    default_duty_rate: float | None = None
    unmet_committed_penalty_usd_per_vehicle: float | None = None
    objective_basis: str = "consolidated"
    base_inputs: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        """Planning years, first to last inclusive."""
        return list(range(self.first_year, self.last_year + 1))

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as plain data (for result metadata and the store)."""
        return {
            "name": self.name,
            "description": self.description,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "discount_rate": self.discount_rate,
            "transfer_price_markup": self.transfer_price_markup,
            "inventory_carrying_rate": self.inventory_carrying_rate,
            "calibrated_year": self.calibrated_year,
            "default_duty_rate": self.default_duty_rate,
            "unmet_committed_penalty_usd_per_vehicle": self.unmet_committed_penalty_usd_per_vehicle,
            "objective_basis": self.objective_basis,
        }


@dataclass(frozen=True, repr=False)
class NetworkData:
    """Validated inputs: one DataFrame per table of :data:`evplan.schema.TABLES`.

    Every table has exactly the schema's columns with their dtypes, defaults filled in,
    and a ``row`` column holding the spreadsheet row number the record came from (for
    messages). Build it with :func:`evplan.load` or :func:`evplan.data.validate_tables`;
    treat the frames as read-only (derive a new NetworkData with :meth:`replace`).

    Attributes
    ----------
    scenario : ScenarioSettings
        Horizon and options.
    tables : Mapping[str, pandas.DataFrame]
        Table name -> typed table.
    origin : str
        Where the inputs came from (a folder or workbook path), for messages.
    notes : tuple of Problem
        What validation remarked on inputs that load (a :class:`~evplan.errors.Problem`
        with ``count=0``: a lane or duty row wholly outside the horizon); empty in the usual
        case. :func:`evplan.errors.render_problems` prints them as ``evplan validate`` does.
    """

    scenario: ScenarioSettings
    tables: Mapping[str, pd.DataFrame]
    origin: str = "<memory>"
    notes: tuple[Problem, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the fields, the tables as a plain dict (a read-only mapping proxy cannot
        be pickled): Dask and process pools send inputs to their workers so. Unpickling
        calls the constructor, which makes the mapping read-only again."""
        return (type(self), (self.scenario, dict(self.tables), self.origin, self.notes))

    def __getitem__(self, table: str) -> pd.DataFrame:
        try:
            return self.tables[table]
        except KeyError:
            from evplan.data.suggest import did_you_mean

            raise KeyError(f"no table {table!r} in these inputs."
                           f"{did_you_mean(str(table), self.tables)} Tables: "
                           f"{', '.join(self.tables)}.") from None

    def __contains__(self, table: object) -> bool:
        """``"plants" in data``: whether the inputs have that table."""
        return table in self.tables

    def __iter__(self) -> Iterator[str]:
        """The table names (``list(data)``)."""
        return iter(self.tables)

    def __repr__(self) -> str:
        from evplan.results.display import summary_text

        return summary_text(*self._summary())

    def _repr_html_(self) -> str:
        from evplan.results.display import summary_html

        return summary_html(*self._summary())

    def _summary(self) -> tuple[str, list[tuple[str, str]]]:
        from evplan.results.display import table_sizes, years_text

        tables = {name: frame for name, frame in self.tables.items() if len(frame)}
        empty = len(self.tables) - len(tables)
        rows = [("years", years_text(self.years)),
                ("from", self.origin),
                ("size", f"{len(self.plants)} plants, {len(self.programs)} programs, "
                         f"{len(self.markets)} markets"),
                ("tables", f"{len(tables)} with rows" + (f" ({empty} empty)" if empty else "")
                           + f": {table_sizes(tables, 56)}"),
                ("use", 'data["plants"], evplan.optimize(data), data.replace(tables=...)')]
        if self.scenario.description:
            rows.insert(0, ("about", self.scenario.description))
        return f"evplan.NetworkData {self.scenario.name!r}", rows

    @property
    def years(self) -> list[int]:
        """Planning years."""
        return self.scenario.years

    @property
    def plants(self) -> pd.DataFrame:
        """The plants table."""
        return self.tables["plants"]

    @property
    def programs(self) -> pd.DataFrame:
        """The programs table."""
        return self.tables["programs"]

    @property
    def markets(self) -> pd.DataFrame:
        """The markets table."""
        return self.tables["markets"]

    def replace(self, **changes: Any) -> NetworkData:
        """Return a copy with ``scenario``, ``tables`` or ``origin`` replaced (not revalidated)."""
        return replace(self, **changes)

    def summary(self) -> dict[str, int]:
        """Row counts per table."""
        return {name: len(frame) for name, frame in self.tables.items()}


def require_network_data(data: object, call: str) -> None:
    """Raise ``TypeError`` naming the fix when ``data`` is not a :class:`NetworkData`.

    A notebook user passes a path, a workbook name or a dict of tables where evplan wants
    loaded inputs; the attribute error that followed ("'str' object has no attribute
    'tables'") named neither the argument nor the fix.
    """
    if isinstance(data, NetworkData):
        return
    shown = (f"with keys {sorted(map(str, data))[:6]}" if isinstance(data, dict)
             else " ".join(repr(data).split()))
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise TypeError(
        f"{call} takes the inputs as an evplan NetworkData; got {type(data).__name__} "
        f"{shown}. Load them first: evplan.load('inputs/') (a folder of CSV files or a .xlsx "
        "workbook), evplan.examples.china_export(), or evplan.data.validate_tables(tables) "
        "for a dict of DataFrames.")
