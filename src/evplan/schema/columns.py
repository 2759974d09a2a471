"""The building blocks of the input schema: a column and a table declaration.

Every input table is declared once, in its own module of this package, as a
:class:`Table` of :class:`Column` objects. The loader, the validator, the Excel
template and ``docs/inputs.md`` all read these declarations; nothing else
describes an input column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DEFAULT_CEILING", "UNIT_CEILINGS", "Column", "Table"]

DTYPES = ("str", "int", "float", "bool")

#: Largest value accepted in a numeric column that declares no maximum, by unit: about
#: ten times the largest real value (world car output is ~9e7 vehicles a year; the dearest
#: car ~3e6 USD), so a typo of a few zeros or a unit slip passes, but 1e300 does not. The
#: column's documented bound in docs/inputs.md shows it.
UNIT_CEILINGS: dict[str, float] = {
    "vehicles/year": 1e9,
    "vehicles": 1e9,
    "USD/vehicle": 1e7,
    "USD/year": 1e12,
    "USD/yr": 1e12,
    "USD": 1e13,
    "USD/port": 1e9,
    "USD/t": 1e8,
    "USD/t-km": 1e5,
    "kg CO2/vehicle": 1e6,
    "vehicles/port": 1e6,
    "ports": 1e6,
    "km": 1e5,
    "kWh": 1e13,
    "t": 1e10,
    "t/yr": 1e10,
}
#: Ceiling for a unit not in :data:`UNIT_CEILINGS`.
DEFAULT_CEILING = 1e12


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    Parameters
    ----------
    name : str
        Column header in the CSV file (snake_case, with its unit where it has one).
    dtype : {"str", "int", "float", "bool"}
        Type of the values.
    unit : str
        Unit of the values (``"-"`` for identifiers and text, ``"fraction"`` for rates).
    description : str
        One line that a planner can read.
    required : bool
        When False the column may be missing or blank and ``default`` is used.
    default : object
        Value used where an optional column is missing or blank (None: stays blank).
    minimum, maximum : float or None
        Inclusive bounds for numeric columns; without a maximum, the ceiling of the unit
        applies (:attr:`upper_bound`). NaN and infinity are never accepted.
    choices : tuple of str or None
        Allowed values for text columns.
    references : str or None
        ``"table.column"`` this column must match (a foreign key), e.g. ``"plants.plant"``.
    """

    name: str
    dtype: str
    unit: str
    description: str
    required: bool = True
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    references: str | None = None

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"column {self.name!r}: dtype {self.dtype!r} not in {DTYPES}")

    @property
    def upper_bound(self) -> float:
        """The largest value accepted: ``maximum``, else the unit's ceiling.

        Examples
        --------
        >>> Column("volume_vehicles", "float", "vehicles", "Vehicles.", minimum=0).upper_bound
        1000000000.0
        """
        if self.maximum is not None:
            return float(self.maximum)
        return UNIT_CEILINGS.get(self.unit, DEFAULT_CEILING)

    @property
    def lower_bound(self) -> float:
        """The smallest value accepted: ``minimum``, else minus the unit's ceiling."""
        if self.minimum is not None:
            return float(self.minimum)
        return -UNIT_CEILINGS.get(self.unit, DEFAULT_CEILING)

    @property
    def is_fraction(self) -> bool:
        """True for rates and shares, which are fractions (17 % is 0.17)."""
        return self.unit == "fraction"


@dataclass(frozen=True)
class Table:
    """One input table: a CSV file in the input folder or a sheet of the workbook.

    Parameters
    ----------
    name : str
        Table name, also the workbook sheet name; the file is ``<name>.csv``.
    description : str
        What one row means.
    columns : tuple of Column
        The columns, in the order the template writes them.
    key : tuple of str
        Columns whose values identify a row; duplicates are an error.
    required : bool
        When False the file may be absent (the table is then empty).
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    notes: tuple[str, ...] = field(default=())

    @property
    def file(self) -> str:
        """File name of the table in an input folder."""
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of all columns, in order."""
        return tuple(column.name for column in self.columns)
