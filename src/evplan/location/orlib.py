"""Readers for the OR-Library facility-location and p-median test files.

Three formats are read (see ``shared/benchmarks/orlib/README.md``):

* ``capNN.txt``, ``capa.txt``, ``capb.txt``, ``capc.txt`` — capacitated warehouse
  location. A stream of tokens: ``m n``; ``m`` pairs ``capacity fixed_cost``; then per
  customer its demand and ``m`` costs, cost ``i`` being the cost of serving *all* of
  that customer's demand from warehouse ``i``. In capa/b/c the capacity is the word
  ``capacity``, replaced by a value the caller chooses (:func:`read_capacitated`).
* ``pmedN.txt`` — p-median. ``n e p`` then ``e`` undirected edges ``i j cost``. A
  vertex pair that appears more than once takes its **last** cost. Distances are
  shortest-path lengths (:func:`shortest_path_distances`).
* ``optima.csv`` — published optimal values (:func:`read_optima`).

Each reader returns tables in the form the solvers take: ``sites`` (``site``,
``capacity``, ``fixed_cost``), ``customers`` (``customer``, ``demand``) and a long
``costs`` (``site``, ``customer``, ``cost``) or ``distances`` table.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from evplan.errors import InputError, Problem

__all__ = [
    "FacilityInstance",
    "PMedianInstance",
    "default_orlib_dir",
    "read_capacitated",
    "read_optima",
    "read_pmedian",
    "shortest_path_distances",
]

ORLIB_DIR_VARIABLE = "EVPLAN_ORLIB_DIR"
_RELATIVE_ORLIB = Path("shared") / "benchmarks" / "orlib"


@dataclass(frozen=True)
class FacilityInstance:
    """A facility-location instance as tables.

    Attributes
    ----------
    name : str
        Instance name, e.g. ``"cap41"`` or ``"capa_8000"``.
    sites : pandas.DataFrame
        ``site`` (1-based int), ``capacity``, ``fixed_cost``.
    customers : pandas.DataFrame
        ``customer`` (1-based int), ``demand``.
    costs : pandas.DataFrame
        Long table ``site``, ``customer``, ``cost``: cost of serving all of the
        customer's demand from the site.
    """

    name: str
    sites: pd.DataFrame
    customers: pd.DataFrame
    costs: pd.DataFrame


@dataclass(frozen=True)
class PMedianInstance:
    """A p-median instance: a graph, its shortest-path distances and ``p``.

    Attributes
    ----------
    name : str
        Instance name, e.g. ``"pmed1"``.
    medians : int
        Number of medians ``p`` to open.
    edges : pandas.DataFrame
        ``tail``, ``head``, ``length`` after the last-occurrence-wins rule.
    sites, customers : pandas.DataFrame
        Every vertex is a candidate site (``site``) and a customer (``customer``,
        ``demand`` = 1).
    distances : pandas.DataFrame
        Long table ``site``, ``customer``, ``distance`` (shortest path lengths).
    """

    name: str
    medians: int
    edges: pd.DataFrame
    sites: pd.DataFrame
    customers: pd.DataFrame
    distances: pd.DataFrame


def default_orlib_dir(start: Path | str | None = None) -> Path:
    """Return the folder holding the OR-Library files.

    The environment variable ``EVPLAN_ORLIB_DIR`` wins. Otherwise each ancestor of
    ``start`` (default: the current directory, then this module's folder) is tried for
    ``<ancestor>/shared/benchmarks/orlib``, which finds the ``shared/`` folder that
    sits beside the repository folder.

    Raises
    ------
    FileNotFoundError
        Naming every place tried and how to point evplan at the data.
    """
    from_env = os.environ.get(ORLIB_DIR_VARIABLE)
    if from_env:
        folder = Path(from_env)
        if folder.is_dir():
            return folder
        raise FileNotFoundError(
            f"{ORLIB_DIR_VARIABLE}={from_env!r} is not a folder. Point it at the folder "
            "holding cap41.txt, pmed1.txt and optima.csv."
        )
    starts = [Path(start)] if start is not None else [Path.cwd(), Path(__file__)]
    tried: list[Path] = []
    for origin in starts:
        for ancestor in [origin.resolve(), *origin.resolve().parents]:
            candidate = ancestor / _RELATIVE_ORLIB
            tried.append(candidate)
            if (candidate / "optima.csv").is_file():
                return candidate
    raise FileNotFoundError(
        "OR-Library data not found; tried "
        + ", ".join(str(path) for path in tried[:6])
        + f" ... Set {ORLIB_DIR_VARIABLE} to the folder holding cap41.txt and pmed1.txt, "
        "or put the shared/ folder beside the repository folder."
    )


def read_optima(folder: Path | str | None = None) -> pd.Series:
    """Return the published optima from ``optima.csv`` as a Series keyed by instance.

    Keys are ``capNN``, ``capa_8000`` ..., ``uflp_capNN``, ``uflp_capa`` ... and ``pmedN``.
    The file needs the columns ``instance`` and ``optimal_value`` (others, such as
    ``source``, are kept out of the Series).

    Raises
    ------
    evplan.errors.InputError
        Naming the file, the row (the header is row 1), the column and the value, for
        every problem at once: a missing or misspelt column, a blank instance name, an
        optimal value that is not a finite number, an instance named twice, an empty file
        or one that is not text.
    """
    folder = Path(folder) if folder is not None else default_orlib_dir()
    path = folder / "optima.csv"
    name = path.name

    def refuse(messages: list[str]) -> InputError:
        return InputError([Problem(file=name, message=message) for message in messages])

    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise refuse([f"{name} is empty; it needs the header 'instance,optimal_value' and "
                      "one row per instance."]) from None
    except UnicodeDecodeError as error:
        raise refuse([f"{name}: byte 0x{error.object[error.start]:02x} at byte "
                      f"{error.start} is not UTF-8 text. Save the file as UTF-8."]) from None
    table.columns = [str(column).strip() for column in table.columns]
    missing = [column for column in ("instance", "optimal_value") if column not in table]
    if missing:
        messages = []
        for column in missing:
            close = difflib.get_close_matches(column, list(table.columns), n=1)
            hint = f" Did you mean {close[0]!r}? Rename it." if close else " Add the column."
            messages.append(f"{name} has no column {column!r}; found "
                            f"{list(table.columns)}.{hint}")
        raise refuse(messages)
    problems: list[str] = []
    instances = table["instance"].str.strip()
    values = pd.to_numeric(table["optimal_value"].str.strip(), errors="coerce")
    for position in range(len(table)):
        row = position + 2
        instance = instances.iloc[position]
        if instance == "":
            problems.append(f"{name} row {row}: instance is blank. Name the instance "
                            "(e.g. 'cap41', 'capa_8000', 'pmed1') or delete the row.")
        value = values.iloc[position]
        if not np.isfinite(value):
            raw = table["optimal_value"].iloc[position]
            problems.append(f"{name} row {row}, instance {instance!r}: optimal_value = "
                            f"{raw!r} is not a finite number. Enter the published optimum "
                            "(digits, '.' for decimals, no thousands separators).")
    named = instances[instances != ""]
    for instance in pd.unique(named[named.duplicated(keep=False)]):
        rows = [int(p) + 2 for p in np.flatnonzero((instances == instance).to_numpy())]
        problems.append(f"{name} rows {' and '.join(map(str, rows[:3]))}: instance "
                        f"{instance!r} appears {len(rows)} times. Keep one row per instance.")
    if problems:
        shown = problems[:10]
        if len(problems) > 10:
            shown.append(f"... and {len(problems) - 10} more problems in {name}.")
        raise refuse(shown)
    return pd.Series(values.to_numpy(dtype=float), index=pd.Index(instances, name="instance"),
                     name="optimal_value")


class _Tokens:
    """The whitespace-separated numbers of an OR-Library file, read with their line numbers
    so that a bad or missing number is named where it is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.words: list[str] = []
        self.lines: list[int] = []
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            bad_line = raw[: error.start].count(b"\n") + 1
            raise self._problem(
                f"{path.name} line {bad_line}: byte 0x{raw[error.start]:02x} is not text; the file "
                "holds numbers only. Fix that line or re-download the file."
            ) from None
        for number, line in enumerate(text.splitlines(), start=1):
            words = line.split()
            self.words += words
            self.lines += [number] * len(words)

    def _problem(self, message: str) -> InputError:
        return InputError([Problem(file=self.path.name, message=message)])

    def numbers(
        self, start: int, count: int, what: str, *, words: tuple[str, ...] = ()
    ) -> np.ndarray:
        """``count`` numbers from token ``start`` (``words`` may stand in for a number)."""
        chunk = self.words[start : start + count]
        if len(chunk) < count:
            raise self._problem(
                f"{self.path.name} ends early: {count} numbers expected for {what} from "
                f"token {start + 1}, {len(chunk)} found. Re-download the file."
            )
        values = np.empty(count, dtype=object)
        bad = []
        for index, word in enumerate(chunk):
            try:
                values[index] = word if word in words else float(word)
            except ValueError:
                bad.append(index)
        if bad:
            shown = "; ".join(f"line {self.lines[start + i]}: {chunk[i]!r}" for i in bad[:5])
            more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
            raise self._problem(
                f"{self.path.name}: not a number in {what} ({shown}{more}). Fix those "
                "values or re-download the file."
            )
        return values

    def reject(self, start: int, bad: np.ndarray, what: str, rule: str) -> None:
        """Raise naming the lines of the numbers at offsets ``bad`` from token ``start``."""
        if len(bad) == 0:
            return
        shown = "; ".join(
            f"line {self.lines[start + int(i)]}: {self.words[start + int(i)]!r}" for i in bad[:5]
        )
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise self._problem(
            f"{self.path.name}: {rule} in {what} ({shown}{more}). Fix those values or "
            "re-download the file."
        )

    def expect_end(self, end: int, header: str) -> None:
        """Raise when numbers follow the last one the header asks for (token ``end``): a
        header that undercounts would otherwise drop customers or edges without a word."""
        extra = len(self.words) - end
        if extra > 0:
            raise self._problem(
                f"{self.path.name} line {self.lines[end]}: {extra} more number"
                f"{'s' if extra > 1 else ''} after the last one line 1 asks for ({header}), "
                f"starting with {self.words[end]!r}. Correct the counts on line 1 or remove "
                "the extra numbers."
            )

    def counts(self, how_many: int, names: tuple[str, ...]) -> list[int]:
        """The header: ``how_many`` whole numbers >= 1 (e.g. sites and customers)."""
        values = self.numbers(0, how_many, "the first line")
        bad = [
            (name, value)
            for name, value in zip(names, values, strict=True)
            if not float(value).is_integer() or value < 1
        ]
        if bad:
            raise self._problem(
                f"{self.path.name} line 1: "
                + ", ".join(f"{name} = {value:g}" for name, value in bad)
                + " must be whole numbers >= 1. Fix the first line or re-download the file."
            )
        return [int(value) for value in values]


def read_capacitated(path: Path | str, capacity: float | None = None) -> FacilityInstance:
    """Read an OR-Library ``cap*.txt`` file.

    Parameters
    ----------
    path : path-like
        The file.
    capacity : float, optional
        Value for the word ``capacity`` in capa/capb/capc (e.g. 8000). Required for those
        files; if given for a file with numeric capacities it replaces them too.

    Examples
    --------
    >>> instance = read_capacitated(default_orlib_dir() / "cap41.txt")  # doctest: +SKIP
    >>> instance.sites.shape  # doctest: +SKIP
    (16, 3)
    """
    path = Path(path)
    tokens = _Tokens(path)
    site_count, customer_count = tokens.counts(2, ("warehouses", "customers"))
    site_tokens = tokens.numbers(
        2, 2 * site_count, "the warehouse lines (capacity, fixed cost)", words=("capacity",)
    ).reshape(site_count, 2)
    raw_capacity = site_tokens[:, 0]
    symbolic = raw_capacity == "capacity"
    numeric = np.where(symbolic, 0.0, raw_capacity).astype(float)
    # capacity may be inf (unlimited), never NaN or negative; fixed costs finite and >= 0
    bad_capacity = np.isnan(numeric) | (numeric < 0)
    fixed_numbers = site_tokens[:, 1].astype(float)
    bad_fixed = ~np.isfinite(fixed_numbers) | (fixed_numbers < 0)
    tokens.reject(
        2,
        np.flatnonzero(np.column_stack([bad_capacity, bad_fixed]).ravel()),
        "the warehouse lines (capacity, fixed cost)",
        "not a number >= 0 (capacity may be inf, a fixed cost must be finite)",
    )
    if capacity is None and symbolic.any():
        raise InputError(
            [
                Problem(
                    file=path.name,
                    message=(
                        f"{path.name} gives warehouse capacities as the word 'capacity'; "
                        "pass capacity=<value> (capopt.txt lists e.g. 8000 for capa)."
                    ),
                )
            ]
        )
    capacities = (
        np.full(site_count, float(capacity)) if capacity is not None else raw_capacity.astype(float)
    )
    fixed_costs = site_tokens[:, 1].astype(float)
    body = (
        tokens.numbers(
            2 + 2 * site_count,
            customer_count * (site_count + 1),
            f"the {customer_count} customers (demand, then {site_count} costs each)",
        )
        .astype(float)
        .reshape(customer_count, site_count + 1)
    )
    tokens.reject(
        2 + 2 * site_count,
        np.flatnonzero(~np.isfinite(body.ravel()) | (body.ravel() < 0)),
        f"the {customer_count} customers (demand, then {site_count} costs each)",
        "not a finite number >= 0",
    )
    tokens.expect_end(
        2 + 2 * site_count + customer_count * (site_count + 1),
        f"{site_count} warehouses, {customer_count} customers",
    )
    demand = body[:, 0]
    cost_matrix = body[:, 1:].T  # site x customer
    site_ids = np.arange(1, site_count + 1)
    customer_ids = np.arange(1, customer_count + 1)
    name = path.stem if capacity is None or not symbolic.any() else f"{path.stem}_{capacity:g}"
    return FacilityInstance(
        name=name,
        sites=pd.DataFrame({"site": site_ids, "capacity": capacities, "fixed_cost": fixed_costs}),
        customers=pd.DataFrame({"customer": customer_ids, "demand": demand}),
        costs=_long_table(cost_matrix, site_ids, customer_ids, "cost"),
    )


def _long_table(
    matrix: np.ndarray, site_ids: np.ndarray, customer_ids: np.ndarray, value: str
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": np.repeat(site_ids, len(customer_ids)),
            "customer": np.tile(customer_ids, len(site_ids)),
            value: matrix.ravel(),
        }
    )


def shortest_path_distances(edges: pd.DataFrame, vertex_count: int) -> np.ndarray:
    """All-pairs shortest path lengths of an undirected graph (Dijkstra, scipy.sparse).

    Parameters
    ----------
    edges : pandas.DataFrame
        ``tail``, ``head`` (1-based vertex numbers) and ``length``; each pair once.
    vertex_count : int
        Number of vertices.

    Returns
    -------
    numpy.ndarray
        ``vertex_count x vertex_count`` matrix; ``inf`` where no path exists.
    """
    tails = edges["tail"].to_numpy() - 1
    heads = edges["head"].to_numpy() - 1
    lengths = edges["length"].to_numpy(dtype=float)
    graph = coo_matrix((lengths, (tails, heads)), shape=(vertex_count, vertex_count)).tocsr()
    return dijkstra(graph, directed=False)


def read_pmedian(path: Path | str) -> PMedianInstance:
    """Read an OR-Library ``pmedN.txt`` file, the last cost of a repeated edge winning.

    Vertices with no path between them are no pair of ``distances`` (not allowed), so a
    disconnected graph is explained by :func:`~evplan.location.p_median`'s checks.

    Examples
    --------
    >>> instance = read_pmedian(default_orlib_dir() / "pmed1.txt")  # doctest: +SKIP
    >>> instance.medians  # doctest: +SKIP
    5
    """
    path = Path(path)
    tokens = _Tokens(path)
    vertex_count, edge_count, medians = tokens.counts(3, ("vertices", "edges", "p"))
    if medians > vertex_count:
        raise InputError(
            [
                Problem(
                    file=path.name,
                    message=(
                        f"{path.name} line 1: p = {medians} is more than the {vertex_count} "
                        "vertices. Fix the first line or re-download the file."
                    ),
                )
            ]
        )
    raw = (
        tokens.numbers(3, 3 * edge_count, f"the {edge_count} edges (tail, head, length)")
        .astype(float)
        .reshape(edge_count, 3)
    )
    wrong = np.flatnonzero(
        (raw[:, :2] < 1).any(axis=1)
        | (raw[:, :2] > vertex_count).any(axis=1)
        | (raw[:, :2] % 1 != 0).any(axis=1)
        | ~(raw[:, 2] >= 0)
        | ~np.isfinite(raw[:, 2])
    )
    if len(wrong):
        shown = "; ".join(
            f"line {tokens.lines[3 + 3 * int(e)]}: {raw[e, 0]:g} {raw[e, 1]:g} {raw[e, 2]:g}"
            for e in wrong[:5]
        )
        more = f" and {len(wrong) - 5} more" if len(wrong) > 5 else ""
        raise InputError(
            [
                Problem(
                    file=path.name,
                    message=(
                        f"{path.name}: edges must join vertices 1 to {vertex_count} with a "
                        f"length >= 0 ({shown}{more}). Fix those edges or re-download the file."
                    ),
                )
            ]
        )
    tokens.expect_end(3 + 3 * edge_count, f"{vertex_count} vertices, {edge_count} edges")
    ends = np.sort(raw[:, :2].astype(int), axis=1)
    edges = (
        pd.DataFrame({"tail": ends[:, 0], "head": ends[:, 1], "length": raw[:, 2]})
        .drop_duplicates(subset=["tail", "head"], keep="last")
        .query("tail != head")
        .reset_index(drop=True)
    )
    matrix = shortest_path_distances(edges, vertex_count)
    vertex_ids = np.arange(1, vertex_count + 1)
    distances = _long_table(matrix, vertex_ids, vertex_ids, "distance")
    return PMedianInstance(
        name=path.stem,
        medians=medians,
        edges=edges,
        sites=pd.DataFrame({"site": vertex_ids}),
        customers=pd.DataFrame({"customer": vertex_ids, "demand": np.ones(vertex_count)}),
        # no path, no pair: a vertex may not serve one it cannot reach
        distances=distances[np.isfinite(distances["distance"])].reset_index(drop=True),
    )
