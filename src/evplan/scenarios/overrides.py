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

from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.scenarios.patch_columns import check_patch_columns
from evplan.scenarios.values import (
    LABEL,
    PYTHON_LABEL,
    finite_number,
    repeated_overrides,
    sweep_values,
)
from evplan.scenarios.values import as_tuple as _values
from evplan.schema import TABLES

__all__ = [
    "DISTRIBUTIONS",
    "Catalog",
    "Distribution",
    "MonteCarloSpec",
    "Parameter",
    "Patch",
    "count_option",
    "finite_number",
    "load_catalog",
    "parse_catalog",
    "parse_patches",
    "repeated_overrides",
    "sweep_values",
]

PATCH_KEYS = ("where", "set", "scale", "from_year")
#: A ``where`` filter that is not a column: on routes, ``cross_border: true`` keeps lanes whose
#: plant's country differs from the market's country (``false``: domestic lanes only).
CROSS_BORDER = "cross_border"
DISTRIBUTIONS = ("normal", "lognormal", "uniform", "triangular", "choice")
#: Most samples one Monte Carlo study may draw, and most values one sweep parameter may take.
MAX_SAMPLES = 100_000


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
    source : str
        Where the override is written, for error messages: ``scenarios.yaml``, a
        workbook's sheet and row, or (the default, for a Patch made in Python) "the patches
        given in Python".
    """

    table: str
    where: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    set: Mapping[str, Any] = field(default_factory=dict)
    scale: Mapping[str, float] = field(default_factory=dict)
    from_year: int | None = None
    override: str = ""
    source: str = field(default=PYTHON_LABEL, compare=False)  # where it is written (errors)
    line: int | None = field(default=None, compare=False)  # its line in scenarios.yaml

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
    source: str = field(default=PYTHON_LABEL, compare=False)  # where it is written (errors)
    line: int | None = field(default=None, compare=False)  # its line in scenarios.yaml

    def bind(self, value: float) -> tuple[Patch, ...]:
        """Return the patch this parameter makes at ``value``."""
        values = {column: float(value) for column in self.columns}
        return (Patch(self.table, self.where, set=values if self.mode == "set" else {},
                      scale=values if self.mode == "scale" else {}, from_year=self.from_year,
                      override=f"{self.name}={value:g}", source=self.source, line=self.line),)


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
    studies: Mapping[str, Any] = field(default_factory=dict)  # evplan.twostage.tree.Study
    #: Where the catalog was read, for errors: ``scenarios.yaml``, or a workbook's sheet.
    source: str = field(default=LABEL, compare=False)

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
        raise InputError([Problem(self.source, f"'{name}' is not a scenario or override."
                                  + (did_you_mean(name, known) or (
                                      f" Known: {', '.join(known)}." if known else
                                      f" {self.source} declares none.")))])

    def parameter(self, name: str) -> Parameter:
        """Return a declared parameter, or fail with the closest name."""
        if name not in self.parameters:
            raise InputError([Problem(self.source, f"'{name}' is not a parameter."
                                      + (did_you_mean(name, self.parameters)
                                         or f" Known: {', '.join(self.parameters)}."))])
        return self.parameters[name]


def _mapping(value: Any, where: str, what: str, problems: list[Problem]) -> Mapping[Any, Any]:
    """``value`` when it is a mapping (or absent); else a problem and an empty mapping."""
    if value is None or isinstance(value, Mapping):
        return value or {}
    found = "a list" if isinstance(value, list) else f"{value!r}"
    problems.append(Problem(LABEL, f"{where} must be a mapping ({what}), found {found}."))
    return {}


def _check_columns(table: str, columns: Sequence[str], what: str, where: str,
                   problems: list[Problem]) -> None:
    known = TABLES[table].column_names
    for column in columns:
        if column not in known:
            problems.append(Problem(LABEL, f"{where}: {what} column '{column}' is not in "
                                    f"{table}." + (did_you_mean(column, known)
                                                   or f" Its columns are {', '.join(known)}.")))


def _check_cross_border(table: str, filters: Mapping[str, tuple[Any, ...]], where: str,
                        problems: list[Problem]) -> None:
    """``where: {cross_border: true|false}``: routes only, one boolean."""
    if CROSS_BORDER not in filters or table != "routes":
        return
    values = filters[CROSS_BORDER]
    if len(values) != 1 or not isinstance(values[0], bool):
        problems.append(Problem(LABEL, f"{where}: where cross_border = {list(values)!r} must be "
                                "true (lanes between countries) or false (domestic lanes)."))


def _numeric(table: str, column: str) -> bool:
    found = [c for c in TABLES[table].columns if c.name == column]
    return bool(found) and found[0].dtype in ("float", "int")


def _check_table(table: str, where: str, problems: list[Problem]) -> bool:
    if table in TABLES:
        return True
    calibrate = (f"read by `evplan calibrate`, not by a plan (the tiers it writes to demand.csv "
                 f"carry volumes and elasticities). Calibrate a copy of the inputs with the "
                 f"changed {table}.csv, or patch demand (volume_vehicles, price_usd_per_vehicle).")
    problems.append(Problem(LABEL, f"{where}: '{table}' is " + (
        calibrate if table in ("base_demand", "elasticities", "actuals") else "not an input "
        "table." + (did_you_mean(table, TABLES) or f" The tables are {', '.join(TABLES)}."))))
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
    number = finite_number(value)
    if number is None or number != int(number) or not 1900 <= number <= 2200:
        problems.append(Problem(LABEL, f"{where}: from_year = {value!r} is not a year. Write "
                                "a year such as 2027."))
        return None
    return int(number)


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
    filters = {str(column): _values(value) for column, value in _mapping(
        body.get("where"), f"{where}: where", "column: value", problems).items()}
    sets = {str(k): v for k, v in _mapping(body.get("set"), f"{where}: set",
                                           "column: value", problems).items()}
    scales = {str(k): v for k, v in _mapping(body.get("scale"), f"{where}: scale",
                                             "column: factor", problems).items()}
    _check_cross_border(table, filters, where, problems)
    _check_columns(table, [c for c in filters if c != CROSS_BORDER or table != "routes"],
                   "where", where, problems)
    _check_columns(table, list(sets), "set", where, problems)
    _check_columns(table, list(scales), "scale", where, problems)
    check_patch_columns(table, sets, scales, where, problems)  # keys, years, whole numbers
    for column, factor in scales.items():
        if column in TABLES[table].column_names and not _numeric(table, column):
            problems.append(Problem(LABEL, f"{where}: scale needs a numeric column; {table}."
                                    f"{column} is text. Use set instead."))
        elif not isinstance(factor, int | float) or finite_number(factor) is None:
            problems.append(Problem(LABEL, f"{where}: scale factor for {column} = {factor!r} "
                                    "is not a finite number. Write a factor such as 1.5."))
    if not sets and not scales:
        problems.append(Problem(LABEL, f"{where}: the {table} patch neither sets nor scales "
                                "anything. Add set: or scale:."))
    from_year = _from_year(body, table, where, problems)
    return Patch(table, filters, sets, {k: float(v) for k, v in scales.items()
                                        if finite_number(v) is not None
                                        and not isinstance(v, str)}, from_year, override,
                 source=LABEL)


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
    if all(isinstance(item, Mapping) and not item for item in items):  # [] or {}: no patch
        problems.append(Problem(LABEL, f"override '{name}' patches no table (found "
                                f"{spec!r}), so it would change nothing. Give table: patch, "
                                "e.g. {routes: {scale: {freight_usd_per_vehicle: 2}}}."))
    return tuple(patches)


#: Columns of a study's tables (one row per case, one per case and KPI value): a parameter,
#: which becomes a column beside them, may not take one of these names.
STUDY_COLUMNS = ("case", "label", "run_id", "status", "objective_usd", "solve_mode", "seconds",
                 "error", "kpi", "year", "key", "value", "unit")


def _parameter(name: str, spec: Any, problems: list[Problem]) -> Parameter | None:
    where = f"parameter '{name}'"
    if name in STUDY_COLUMNS:
        problems.append(Problem(LABEL, f"{where}: '{name}' is a column of every study's tables "
                                f"({', '.join(STUDY_COLUMNS)}), where each parameter gets a "
                                f"column of its own. Rename the parameter, e.g. '{name}-factor'."))
        return None
    if not isinstance(spec, Mapping) or len(spec) != 1:
        problems.append(Problem(LABEL, f"{where} must map one table to a patch whose set or "
                                "scale names the column(s), e.g. {routes: {scale: "
                                "freight_usd_per_vehicle}}."))
        return None
    ((table, body),) = spec.items()
    if not _check_table(str(table), where, problems):
        return None
    if not isinstance(body, Mapping):
        problems.append(Problem(LABEL, f"{where}: the {table} patch must be a mapping with set "
                                "or scale (and optionally where, from_year)."))
        return None
    _unknown_keys(body, where, problems)
    modes = [mode for mode in ("set", "scale") if mode in body]
    if len(modes) != 1:
        problems.append(Problem(LABEL, f"{where}: give exactly one of set or scale."))
        return None
    mode = modes[0]
    if isinstance(body[mode], Mapping):
        problems.append(Problem(LABEL, f"{where}: {mode} names the column(s) the value goes "
                                f"to, e.g. {mode}: freight_usd_per_vehicle; found a mapping."))
        return None
    columns = tuple(str(column) for column in _values(body[mode]))
    if not columns:
        problems.append(Problem(LABEL, f"{where}: {mode} names no column, so the parameter "
                                f"would change nothing. Name the column(s), e.g. {mode}: "
                                "freight_usd_per_vehicle."))
    filters = {str(column): _values(value) for column, value in _mapping(
        body.get("where"), f"{where}: where", "column: value", problems).items()}
    _check_cross_border(str(table), filters, where, problems)
    _check_columns(str(table), [c for c in filters if c != CROSS_BORDER or table != "routes"],
                   "where", where, problems)
    _check_columns(str(table), columns, mode, where, problems)
    check_patch_columns(str(table), dict.fromkeys(columns) if mode == "set" else {},
                        dict.fromkeys(columns, 1.0) if mode == "scale" else {}, where, problems)
    for column in columns:
        if column in TABLES[str(table)].column_names and not _numeric(str(table), column):
            problems.append(Problem(LABEL, f"{where}: {table}.{column} is text; a parameter "
                                    "takes a numeric column."))
    return Parameter(name, str(table), filters, mode, columns,
                     _from_year(body, str(table), where, problems), source=LABEL)


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
    if not _distribution_args(kind, args, where, problems):
        return None
    return Distribution(kind, args)


def _distribution_args(kind: str, args: Mapping[str, Any], where: str,
                       problems: list[Problem]) -> bool:
    """Arguments that are finite numbers in a consistent order (sd >= 0, low <= high ...)."""
    before = len(problems)
    if kind == "choice":
        values = args["values"]
        choices = [finite_number(v) for v in values] if isinstance(values, list) else []
        if not choices or None in choices:
            problems.append(Problem(LABEL, f"{where}: values = {values!r} must be a non-empty "
                                    "list of finite numbers, e.g. [0.9, 1.0, 1.2]."))
        return len(problems) == before
    numbers: dict[str, float] = {}
    for key, value in args.items():
        number = finite_number(value)
        if number is None or isinstance(value, str):
            problems.append(Problem(LABEL, f"{where}: {key} = {value!r} is not a finite number."))
        else:
            numbers[key] = number
    if len(problems) > before:
        return False
    spread = {"normal": "sd", "lognormal": "sigma"}.get(kind)
    if spread and numbers[spread] < 0:
        problems.append(Problem(LABEL, f"{where}: {spread} = {numbers[spread]:g} is negative. "
                                "Give a spread of 0 or more."))
    if kind == "lognormal" and numbers["median"] <= 0:
        problems.append(Problem(LABEL, f"{where}: median = {numbers['median']:g} must be above "
                                "0 for a lognormal distribution."))
    if kind in ("uniform", "triangular") and numbers["low"] > numbers["high"]:
        problems.append(Problem(LABEL, f"{where}: low = {numbers['low']:g} is above high = "
                                f"{numbers['high']:g}. Swap them."))
    if kind == "triangular" and not numbers["low"] <= numbers["mode"] <= numbers["high"]:
        problems.append(Problem(LABEL, f"{where}: mode = {numbers['mode']:g} is not between "
                                f"low and high. Give low <= mode <= high."))
    return len(problems) == before


def _montecarlo(name: str, spec: Any, parameters: Mapping[str, Parameter],
                problems: list[Problem]) -> MonteCarloSpec | None:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("parameters"), Mapping):
        problems.append(Problem(LABEL, f"montecarlo '{name}' needs parameters: {{name: "
                                "{distribution: ...}}, and optionally samples and seed."))
        return None
    samples = count_option(spec.get("samples", 100), f"montecarlo '{name}': samples", 1,
                           MAX_SAMPLES, problems)
    seed = count_option(spec.get("seed", 0), f"montecarlo '{name}': seed", 0, 2**63 - 1,
                        problems)
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
    if not spec["parameters"]:
        problems.append(Problem(LABEL, f"montecarlo '{name}' varies no parameter, so every "
                                "sample would be the same case. Give parameters: {name: "
                                "{distribution: ...}}."))
    if samples is None or seed is None:
        return None
    return MonteCarloSpec(name, samples, seed, distributions)


def count_option(value: Any, what: str, low: int, high: int, problems: list[Problem],
                 label: str = LABEL) -> int | None:
    """``value`` as a whole number in [low, high], or None with a problem naming ``what``."""
    number = finite_number(value)
    if number is None or number != int(number) or not low <= number <= high:
        problems.append(Problem(label, f"{what} = {value!r} is not a whole number from {low:,} "
                                f"to {high:,}."))
        return None
    return int(number)


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
    sections = ("overrides", "scenarios", "parameters", "sweeps", "montecarlo", "descriptions",
                "studies")
    for key in raw:
        if key not in sections:
            problems.append(Problem(LABEL, f"'{key}' is not a section."
                                    + (did_you_mean(str(key), sections)
                                       or f" The sections are {', '.join(sections)}.")))
    section = {key: _mapping(raw.get(key), key, what, problems) for key, what in (
        ("overrides", "name: {table: patch}"), ("scenarios", "name: [override, ...]"),
        ("parameters", "name: {table: patch}"), ("sweeps", "name: {parameter: [values]}"),
        ("montecarlo", "name: {samples, seed, parameters}"), ("descriptions", "name: text"),
        ("studies", "name: {branches or scenarios, revelation_year, risk}"))}
    overrides = {str(name): parse_patches(str(name), spec, problems)
                 for name, spec in section["overrides"].items()}
    scenarios: dict[str, tuple[str, ...]] = {}
    for name, parts in section["scenarios"].items():
        if not all(isinstance(part, str | int | float) for part in _values(parts)):
            problems.append(Problem(LABEL, f"scenario '{name}' must list override names, e.g. "
                                    "[eu-cvd-up, freight-shock]."))
            continue
        parts = tuple(str(part) for part in _values(parts))
        if not parts:
            problems.append(Problem(LABEL, f"scenario '{name}' lists no override, so it would "
                                    "be the base run under another name. List its overrides, "
                                    "e.g. [eu-cvd-up, freight-shock]."))
        for part in parts:
            if part not in overrides:
                problems.append(Problem(LABEL, f"scenario '{name}': '{part}' is not an "
                                        "override." + (did_you_mean(part, overrides)
                                                       or " Declare it under overrides:.")))
        problems.extend(Problem(LABEL, f"scenario '{name}': {text}")
                        for text in repeated_overrides(parts))
        scenarios[str(name)] = parts
    parameters = {}
    for name, spec in section["parameters"].items():
        parameter = _parameter(str(name), spec, problems)
        if parameter is not None:
            parameters[str(name)] = parameter
    sweeps: dict[str, dict[str, tuple[float, ...]]] = {}
    for name, grid in section["sweeps"].items():
        sweeps[str(name)] = {}
        grid = _mapping(grid, f"sweep '{name}'", "parameter: [values]", problems)
        if not grid:
            problems.append(Problem(LABEL, f"sweep '{name}' varies no parameter. Give "
                                    "parameter: [values], e.g. freight: [0.5, 1, 2]."))
        for parameter, values in grid.items():
            if parameter not in parameters:
                problems.append(Problem(LABEL, f"sweep '{name}': '{parameter}' is not a "
                                        "parameter." + (did_you_mean(parameter, parameters)
                                                        or " Declare it under parameters:.")))
                continue
            numbers = sweep_values(values, f"sweep '{name}': {parameter}", problems)
            if numbers is not None:
                sweeps[str(name)][str(parameter)] = numbers
    montecarlo = {}
    for name, spec in section["montecarlo"].items():
        study = _montecarlo(str(name), spec, parameters, problems)
        if study is not None:
            montecarlo[str(name)] = study
    from evplan.twostage.tree import parse_studies  # two-stage studies (issue 14)

    studies = parse_studies(section["studies"], overrides, problems, parameters)
    named = {str(name) for key in (*sections[:5], "studies") for name in section[key]}
    for name in section["descriptions"]:
        if str(name) not in named:  # a typo: the description would show nowhere
            problems.append(Problem(LABEL, f"descriptions: '{name}' names no entry, so its "
                                    "description would show nowhere."
                                    + (did_you_mean(str(name), sorted(named))
                                       or " Describe a name declared above it.")))
    if problems:
        raise InputError(problems)
    return Catalog(overrides, scenarios, parameters, sweeps, montecarlo,
                   {str(k): str(v) for k, v in section["descriptions"].items()}, studies)


def load_catalog(path: str | Path) -> Catalog:
    """Read ``scenarios.yaml`` (a file, or the input folder that holds it); problems and
    patches name their line (:func:`evplan.scenarios.catalog_file.read_catalog`).

    A folder without one gives an empty Catalog.
    """
    from evplan.scenarios.catalog_file import read_catalog

    return read_catalog(path)
