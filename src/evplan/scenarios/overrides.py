"""Scenarios as data: named overrides, composed into named scenarios, in ``scenarios.yaml``.

An *override* is a list of *patches*; a patch names one input table and says which rows
it touches (``where``: column -> value or list of values), what it does to them (``set``:
column -> value; ``scale``: column -> factor) and, optionally, from which year
(``from_year``)::

    overrides:
      eu-bev-cvd-30:
        countervailing_duties: {where: {market: EU, powertrain: BEV}, set: {cvd_rate: 0.30}}
      close-smyrna: {plants: {where: {plant: US-SMY}, set: {last_year: 2027}}}
    scenarios:
      eu-tariff-2027: [eu-bev-cvd-30, close-smyrna]
    parameters:                # knobs for sweeps and Monte Carlo: a patch with the value open
      eu-bev-cvd: {countervailing_duties: {where: {market: EU, powertrain: BEV}, set: cvd_rate}}
      freight: {routes: {scale: freight_usd_per_vehicle}}
    sweeps:
      eu-duty-x-freight: {eu-bev-cvd: [0, 0.1, 0.2, 0.3, 0.4, 0.5], freight: [0.5, 1, 1.5, 2]}
    montecarlo:
      uncertainty:
        samples: 100
        seed: 7
        parameters:
          freight: {distribution: lognormal, median: 1.0, sigma: 0.25}

Everything is checked when the file is read: unknown tables, columns, overrides and
parameters fail with a "did you mean" that names the closest spelling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.schema import TABLES

__all__ = [
    "DISTRIBUTIONS",
    "Catalog",
    "Distribution",
    "MonteCarloSpec",
    "Parameter",
    "Patch",
    "load_catalog",
    "parse_catalog",
    "parse_patches",
]

LABEL = "scenarios.yaml"
PATCH_KEYS = ("where", "set", "scale", "from_year")
DISTRIBUTIONS = ("normal", "lognormal", "uniform", "triangular", "choice")


@dataclass(frozen=True)
class Patch:
    """One change to one input table.

    Parameters
    ----------
    table : str
        Input table name (``duties``, ``routes``, ...).
    where : mapping of str to tuple
        Column -> allowed values; a row matches when every column holds one of them.
        Empty: every row.
    set : mapping of str to object
        Column -> new value (``None`` clears an optional cell).
    scale : mapping of str to float
        Numeric column -> factor.
    from_year : int or None
        Only from this year on: rows of tables with a ``year`` column are filtered;
        rows with a ``first_year``/``last_year`` range that spans it are split in two.
    override : str
        Name of the override the patch belongs to (for the record).
    """

    table: str
    where: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    set: Mapping[str, Any] = field(default_factory=dict)
    scale: Mapping[str, float] = field(default_factory=dict)
    from_year: int | None = None
    override: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for the result record and the store."""
        return {"override": self.override, "table": self.table,
                "where": {column: list(values) for column, values in self.where.items()},
                "set": dict(self.set), "scale": dict(self.scale), "from_year": self.from_year}


@dataclass(frozen=True)
class Parameter:
    """A knob of sweeps and Monte Carlo: patches whose ``set`` or ``scale`` value is open.

    ``bind(value)`` returns the patches with the value filled in.
    """

    name: str
    table: str
    where: Mapping[str, tuple[Any, ...]]
    mode: str  # "set" or "scale"
    columns: tuple[str, ...]
    from_year: int | None = None

    def bind(self, value: float) -> tuple[Patch, ...]:
        """Return the patch this parameter makes at ``value``."""
        values = {column: float(value) for column in self.columns}
        return (Patch(self.table, self.where, set=values if self.mode == "set" else {},
                      scale=values if self.mode == "scale" else {}, from_year=self.from_year,
                      override=f"{self.name}={value:g}"),)


@dataclass(frozen=True)
class Distribution:
    """A sampling distribution of one parameter (see :data:`DISTRIBUTIONS`)."""

    kind: str
    args: Mapping[str, Any]


@dataclass(frozen=True)
class MonteCarloSpec:
    """A named Monte Carlo study: parameter distributions, a sample count and a seed."""

    name: str
    samples: int
    seed: int
    distributions: Mapping[str, Distribution]


@dataclass(frozen=True)
class Catalog:
    """What ``scenarios.yaml`` declares: overrides, scenarios, parameters, sweeps, Monte Carlo."""

    overrides: Mapping[str, tuple[Patch, ...]] = field(default_factory=dict)
    scenarios: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    sweeps: Mapping[str, Mapping[str, tuple[float, ...]]] = field(default_factory=dict)
    montecarlo: Mapping[str, MonteCarloSpec] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        """Every name :func:`evplan.scenarios.apply` accepts: scenarios, then overrides."""
        return [*self.scenarios, *(name for name in self.overrides if name not in self.scenarios)]

    def resolve(self, name: str) -> tuple[Patch, ...]:
        """Return the patches of a scenario or override name, in order.

        Raises
        ------
        InputError
            For an unknown name, with the closest known one.
        """
        if name in ("", "base"):
            return ()
        if name in self.scenarios:
            return tuple(patch for part in self.scenarios[name] for patch in self.overrides[part])
        if name in self.overrides:
            return self.overrides[name]
        known = self.names()
        raise InputError([Problem(LABEL, f"'{name}' is not a scenario or override."
                                  + (did_you_mean(name, known) or (
                                      f" Known: {', '.join(known)}." if known else
                                      " scenarios.yaml declares none.")))])

    def parameter(self, name: str) -> Parameter:
        """Return a declared parameter, or fail with the closest name."""
        if name not in self.parameters:
            raise InputError([Problem(LABEL, f"'{name}' is not a parameter."
                                      + (did_you_mean(name, self.parameters)
                                         or f" Known: {', '.join(self.parameters)}."))])
        return self.parameters[name]


def _values(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _check_columns(table: str, columns: Sequence[str], what: str, where: str,
                   problems: list[Problem]) -> None:
    known = TABLES[table].column_names
    for column in columns:
        if column not in known:
            problems.append(Problem(LABEL, f"{where}: {what} column '{column}' is not in "
                                    f"{table}." + (did_you_mean(column, known)
                                                   or f" Its columns are {', '.join(known)}.")))


def _numeric(table: str, column: str) -> bool:
    found = [c for c in TABLES[table].columns if c.name == column]
    return bool(found) and found[0].dtype in ("float", "int")


def _check_table(table: str, where: str, problems: list[Problem]) -> bool:
    if table in TABLES:
        return True
    problems.append(Problem(LABEL, f"{where}: '{table}' is not an input table."
                            + (did_you_mean(table, TABLES)
                               or f" The tables are {', '.join(TABLES)}.")))
    return False


def _from_year(body: Mapping[str, Any], table: str, where: str,
               problems: list[Problem]) -> int | None:
    value = body.get("from_year")
    if value is None:
        return None
    columns = TABLES[table].column_names
    if "year" not in columns and "first_year" not in columns:
        problems.append(Problem(LABEL, f"{where}: {table} has no years, so from_year cannot "
                                "apply. Leave out from_year."))
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        problems.append(Problem(LABEL, f"{where}: from_year = {value!r} is not a year."))
        return None


def _unknown_keys(body: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
    for key in body:
        if key not in PATCH_KEYS:
            problems.append(Problem(LABEL, f"{where}: '{key}' is not a patch key."
                                    + (did_you_mean(str(key), PATCH_KEYS)
                                       or f" Use {', '.join(PATCH_KEYS)}.")))


def _patch(table: str, body: Any, override: str, problems: list[Problem]) -> Patch | None:
    where = f"override '{override}'"
    if not _check_table(table, where, problems):
        return None
    if not isinstance(body, Mapping):
        problems.append(Problem(LABEL, f"{where}: the {table} patch must be a mapping with "
                                "where/set/scale/from_year."))
        return None
    _unknown_keys(body, where, problems)
    filters = {str(column): _values(value) for column, value in (body.get("where") or {}).items()}
    sets = dict(body.get("set") or {})
    scales = dict(body.get("scale") or {})
    _check_columns(table, list(filters), "where", where, problems)
    _check_columns(table, list(sets), "set", where, problems)
    _check_columns(table, list(scales), "scale", where, problems)
    for column, factor in scales.items():
        if column in TABLES[table].column_names and not _numeric(table, column):
            problems.append(Problem(LABEL, f"{where}: scale needs a numeric column; {table}."
                                    f"{column} is text. Use set instead."))
        elif not isinstance(factor, int | float) or isinstance(factor, bool):
            problems.append(Problem(LABEL, f"{where}: scale factor for {column} = {factor!r} "
                                    "is not a number."))
    if not sets and not scales:
        problems.append(Problem(LABEL, f"{where}: the {table} patch neither sets nor scales "
                                "anything. Add set: or scale:."))
    from_year = _from_year(body, table, where, problems)
    return Patch(table, filters, sets, {k: float(v) for k, v in scales.items()
                                        if isinstance(v, int | float)}, from_year, override)


def parse_patches(name: str, spec: Any, problems: list[Problem]) -> tuple[Patch, ...]:
    """Parse one override: ``{table: patch}`` or a list of such mappings."""
    items = spec if isinstance(spec, list) else [spec]
    patches: list[Patch] = []
    for item in items:
        if not isinstance(item, Mapping):
            problems.append(Problem(LABEL, f"override '{name}' must map a table to a patch, "
                                    "e.g. {duties: {where: {...}, set: {...}}}."))
            continue
        for table, body in item.items():
            patch = _patch(str(table), body, name, problems)
            if patch is not None:
                patches.append(patch)
    return tuple(patches)


def _parameter(name: str, spec: Any, problems: list[Problem]) -> Parameter | None:
    where = f"parameter '{name}'"
    if not isinstance(spec, Mapping) or len(spec) != 1:
        problems.append(Problem(LABEL, f"{where} must map one table to a patch whose set or "
                                "scale names the column(s), e.g. {routes: {scale: "
                                "freight_usd_per_vehicle}}."))
        return None
    ((table, body),) = spec.items()
    if not _check_table(str(table), where, problems) or not isinstance(body, Mapping):
        return None
    _unknown_keys(body, where, problems)
    modes = [mode for mode in ("set", "scale") if mode in body]
    if len(modes) != 1:
        problems.append(Problem(LABEL, f"{where}: give exactly one of set or scale."))
        return None
    mode = modes[0]
    columns = tuple(str(column) for column in _values(body[mode]))
    filters = {str(column): _values(value) for column, value in (body.get("where") or {}).items()}
    _check_columns(str(table), list(filters), "where", where, problems)
    _check_columns(str(table), columns, mode, where, problems)
    for column in columns:
        if column in TABLES[str(table)].column_names and not _numeric(str(table), column):
            problems.append(Problem(LABEL, f"{where}: {table}.{column} is text; a parameter "
                                    "takes a numeric column."))
    return Parameter(name, str(table), filters, mode, columns,
                     _from_year(body, str(table), where, problems))


def _distribution(study: str, name: str, spec: Any, problems: list[Problem]
                  ) -> Distribution | None:
    where = f"montecarlo '{study}', parameter '{name}'"
    if not isinstance(spec, Mapping) or "distribution" not in spec:
        problems.append(Problem(LABEL, f"{where}: give distribution: one of "
                                f"{', '.join(DISTRIBUTIONS)}, with its arguments."))
        return None
    kind = str(spec["distribution"])
    if kind not in DISTRIBUTIONS:
        problems.append(Problem(LABEL, f"{where}: '{kind}' is not a distribution."
                                + (did_you_mean(kind, DISTRIBUTIONS)
                                   or f" Use {', '.join(DISTRIBUTIONS)}.")))
        return None
    needs = {"normal": ("mean", "sd"), "lognormal": ("median", "sigma"),
             "uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
             "choice": ("values",)}[kind]
    args = {key: value for key, value in spec.items() if key != "distribution"}
    missing = [key for key in needs if key not in args]
    extra = [key for key in args if key not in needs]
    if missing or extra:
        problems.append(Problem(LABEL, f"{where}: a {kind} distribution takes "
                                f"{', '.join(needs)}"
                                + (f"; '{extra[0]}' is not one of them."
                                   + did_you_mean(extra[0], needs) if extra else
                                   f"; {', '.join(missing)} missing.")))
        return None
    return Distribution(kind, args)


def _montecarlo(name: str, spec: Any, parameters: Mapping[str, Parameter],
                problems: list[Problem]) -> MonteCarloSpec | None:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("parameters"), Mapping):
        problems.append(Problem(LABEL, f"montecarlo '{name}' needs parameters: {{name: "
                                "{distribution: ...}}, and optionally samples and seed."))
        return None
    distributions = {}
    for parameter, body in spec["parameters"].items():
        if parameter not in parameters:
            problems.append(Problem(LABEL, f"montecarlo '{name}': '{parameter}' is not a "
                                    "parameter." + (did_you_mean(parameter, parameters)
                                                    or " Declare it under parameters:.")))
            continue
        distribution = _distribution(name, parameter, body, problems)
        if distribution is not None:
            distributions[str(parameter)] = distribution
    return MonteCarloSpec(name, int(spec.get("samples", 100)), int(spec.get("seed", 0)),
                          distributions)


def parse_catalog(raw: Mapping[str, Any] | None) -> Catalog:
    """Check a ``scenarios.yaml`` mapping and return its Catalog.

    Raises
    ------
    InputError
        Listing every problem, each with the closest known name where one is close.

    Examples
    --------
    >>> catalog = parse_catalog({"overrides": {"freight-x2": {"routes": {
    ...     "scale": {"freight_usd_per_vehicle": 2}}}}, "scenarios": {"shock": ["freight-x2"]}})
    >>> catalog.resolve("shock")[0].scale
    {'freight_usd_per_vehicle': 2.0}
    """
    raw = dict(raw or {})
    problems: list[Problem] = []
    sections = ("overrides", "scenarios", "parameters", "sweeps", "montecarlo", "descriptions")
    for key in raw:
        if key not in sections:
            problems.append(Problem(LABEL, f"'{key}' is not a section."
                                    + (did_you_mean(str(key), sections)
                                       or f" The sections are {', '.join(sections)}.")))
    overrides = {str(name): parse_patches(str(name), spec, problems)
                 for name, spec in (raw.get("overrides") or {}).items()}
    scenarios: dict[str, tuple[str, ...]] = {}
    for name, parts in (raw.get("scenarios") or {}).items():
        parts = tuple(str(part) for part in _values(parts))
        for part in parts:
            if part not in overrides:
                problems.append(Problem(LABEL, f"scenario '{name}': '{part}' is not an "
                                        "override." + (did_you_mean(part, overrides)
                                                       or " Declare it under overrides:.")))
        scenarios[str(name)] = parts
    parameters = {}
    for name, spec in (raw.get("parameters") or {}).items():
        parameter = _parameter(str(name), spec, problems)
        if parameter is not None:
            parameters[str(name)] = parameter
    sweeps: dict[str, dict[str, tuple[float, ...]]] = {}
    for name, grid in (raw.get("sweeps") or {}).items():
        sweeps[str(name)] = {}
        for parameter, values in (grid or {}).items():
            if parameter not in parameters:
                problems.append(Problem(LABEL, f"sweep '{name}': '{parameter}' is not a "
                                        "parameter." + (did_you_mean(parameter, parameters)
                                                        or " Declare it under parameters:.")))
                continue
            sweeps[str(name)][str(parameter)] = tuple(float(v) for v in _values(values))
    montecarlo = {}
    for name, spec in (raw.get("montecarlo") or {}).items():
        study = _montecarlo(str(name), spec, parameters, problems)
        if study is not None:
            montecarlo[str(name)] = study
    if problems:
        raise InputError(problems)
    return Catalog(overrides, scenarios, parameters, sweeps, montecarlo,
                   {str(k): str(v) for k, v in (raw.get("descriptions") or {}).items()})


def load_catalog(path: str | Path) -> Catalog:
    """Read ``scenarios.yaml`` (a file, or the input folder that holds it).

    A folder without one gives an empty Catalog.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "scenarios.yaml"
    if not path.exists():
        return Catalog()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InputError([Problem(str(path), f"is not valid YAML: {error}")]) from None
    if raw is not None and not isinstance(raw, Mapping):
        raise InputError([Problem(str(path), "must be a mapping with overrides:, scenarios:, "
                                  "parameters:, sweeps: and montecarlo:.")])
    return parse_catalog(raw)
