"""Malformed variants of the default inputs (``evplan.examples.china_export``).

A :class:`Variant` edits a fresh copy of the example folder (and, for workbook variants, a
workbook written from it) and says what evplan must do with it:

* ``expect="error"``: exit 1, naming ``file`` (the label evplan's messages use) and, where
  the problem is in a row, ``row`` (the spreadsheet row);
* ``expect="same"``: a documented harmless acceptance; the validated inputs must equal the
  ``reference`` inputs exactly (so the plan is the same), see :data:`ACCEPTED`.

``command`` says how the variant reaches evplan: ``validate`` (load the inputs), ``scenario``,
``sweep``, ``grid``, ``montecarlo`` or ``scheduler`` (the inputs plus ``scenarios.yaml`` or a
command-line option). ``group`` is the stratum the CI sample draws from.
"""

from __future__ import annotations

import codecs
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from evplan.schema import SCENARIO_FIELDS, TABLES, Column, Table
from tests.fuzz import mutate

Build = Callable[[Path], Path]
"""Edits the copy of the example in the given folder; returns the path to give evplan."""

WORKBOOK = "book.xlsx"

#: Every harmless acceptance, as the opening paragraphs of docs/inputs.md describe them.
ACCEPTED = {
    "file-bom": "a CSV file or scenario.yaml saved as UTF-8 with a byte-order mark",
    "file-crlf": "Windows line ends (CRLF)",
    "file-optional-missing": "an optional table (countervailing_duties, committed_sales) that "
                             "is missing means no rows",
    "file-optional-header": "an optional table with a header and no rows means no rows",
    "workbook-stale-dimension": "a workbook whose sheet dimension tag is stale (too small or "
                                "too large): every row is read",
    "workbook-cached-formula": "a formula cell saved with its calculated value: the value is "
                               "read",
    "workbook-optional-sheet": "a workbook without an optional sheet means no rows",
    "file-short-rows": "CSV rows without their trailing empty cells (as Excel saves them): "
                       "the missing cells read as blank",
}


@dataclass(frozen=True)
class Variant:
    """One malformed input (see the module docstring)."""

    id: str
    group: str
    build: Build
    expect: str = "error"
    file: str = ""
    row: int | None = None
    words: tuple[str, ...] = ()
    command: tuple[str, ...] = ("validate",)
    reference: str = "original"


# --- table cells ---------------------------------------------------------------------------

COMMITTED_ROWS = ("market,year,product,min_vehicles,source\n"
                  "JP,2025,JP-COMPACT,1000,fuzz\nJP,2026,JP-COMPACT,1000,fuzz\n")


def _ensure(folder: Path, table: Table) -> Path:
    """The table's CSV in the copy, created with two valid rows when the example has none."""
    path = folder / table.file
    if not path.exists() and table.name == "committed_sales":
        path.write_text(COMMITTED_ROWS, encoding="utf-8")
    return path


def _rows(folder: Path, table: Table) -> int:
    return len(mutate.read_csv(_ensure(folder, table)))


def _cell(table: Table, column: Column, position: str, value: str) -> Build:
    def build(folder: Path) -> Path:
        path = _ensure(folder, table)
        index = 0 if position == "first" else _rows(folder, table) - 1
        mutate.set_cell(path, index, column.name, value)
        return folder
    return build


def _numeric_values(column: Column) -> dict[str, str]:
    values = {"text": "abc", "negative": "-5", "nan": "NaN", "inf": "inf", "minus-inf": "-inf",
              "huge": "1e300"}
    if column.required:
        values["empty"] = ""
    if column.is_fraction:
        values["percent-sign"] = "50%"
        values["percent-number"] = "50"
    if column.dtype == "int":
        values["fractional"] = "2025.5"
    return values


def _text_values(table: Table, column: Column) -> dict[str, str]:
    values = {}
    if column.required:
        values["empty"] = ""
    if column.references or column.choices or (table.name in ("demand", "committed_sales")
                                                and column.name == "product"):
        values["unknown-id"] = "ZZ-UNKNOWN"
    if column.name not in ("name", "source"):  # free text keeps "nan" as written
        values["nan-word"] = "nan"
    return values


#: Bad values also tried in the last data row (the rest in the first row only).
LAST_ROW_TOO = ("nan", "inf", "huge")


def cell_variants(example: Path) -> list[Variant]:
    """Every table x column x bad value in the first data row; garbage numbers in the last too.

    Tables the example does not ship (the strategic ones) have no cell to edit; their cells
    are checked by tests/data/test_garbage.py and tests/strategic/test_inputs.py.
    """
    rows = {name: len(mutate.read_csv(example / table.file)) if (example / table.file).exists()
            else 2 for name, table in TABLES.items()}
    found = []
    for table in TABLES.values():
        if not (example / table.file).exists() and table.name != "committed_sales":
            continue
        for column in table.columns:
            if column.dtype in ("int", "float"):
                values, kind = _numeric_values(column), "numeric"
            else:
                values, kind = _text_values(table, column), "text"
            for name, value in values.items():
                for position in ("first", "last") if name in LAST_ROW_TOO else ("first",):
                    row = 2 if position == "first" else rows[table.name] + 1
                    found.append(Variant(
                        f"cell/{table.name}/{column.name}/{name}/{position}",
                        f"cell-{kind}-{name}", _cell(table, column, position, value),
                        file=table.file, row=row, words=(column.name,)))
        for position in ("first", "last"):
            found.append(Variant(f"row/{table.name}/duplicate/{position}", "row-duplicate",
                                 _duplicate(table, position), file=table.file,
                                 row=2 if position == "first" else rows[table.name] + 1,
                                 words=("duplicate",)))
    return found


def _duplicate(table: Table, position: str) -> Build:
    def build(folder: Path) -> Path:
        path = _ensure(folder, table)
        mutate.duplicate_row(path, 0 if position == "first" else _rows(folder, table) - 1)
        return folder
    return build


# --- whole files ---------------------------------------------------------------------------


def _file_edit(name: str, change: Callable[[bytes], bytes], create: Table | None = None
               ) -> Build:
    def build(folder: Path) -> Path:
        path = _ensure(folder, create) if create is not None else folder / name
        mutate.rewrite_bytes(path, change)
        return folder
    return build


def _remove(name: str) -> Build:
    def build(folder: Path) -> Path:
        (folder / name).unlink(missing_ok=True)
        return folder
    return build


def _header_only(data: bytes) -> bytes:
    return data.split(b"\n", 1)[0] + b"\n"


def _latin1(data: bytes) -> bytes:
    text = data.decode("utf-8")
    lines = text.split("\n")
    lines[1] = lines[1].replace(",", ",Türkiye ", 1) if "," in lines[1] else lines[1] + " é"
    return "\n".join(lines).encode("latin-1", errors="replace")


def _semicolons(data: bytes) -> bytes:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _short_rows(data: bytes) -> bytes:
    """Every data row without its trailing empty cells, as Excel saves some rows.

    The ``source`` column (filled in every shipped row) moves to the front first, so that
    rows end in the blank optional columns they have.
    """
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    if "source" in rows[0]:
        at = rows[0].index("source")
        rows = [[row[at], *row[:at], *row[at + 1:]] for row in rows]
    for row in rows[1:]:
        while len(row) > 1 and row[-1] == "":
            row.pop()
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _shortens(path: Path) -> bool:
    """True when :func:`_short_rows` leaves out a cell of the file ``path`` (if it exists)."""
    if not path.exists():
        return False
    data = path.read_bytes()
    return _short_rows(data).count(b",") < data.count(b",")


FILE_EDITS: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda data: b"",
    "header-only": _header_only,
    "bom": lambda data: codecs.BOM_UTF8 + data,
    "utf16": lambda data: data.decode("utf-8").encode("utf-16"),
    "utf16-no-bom": lambda data: data.decode("utf-8").encode("utf-16-le"),
    "crlf": lambda data: data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
    "semicolon": _semicolons,
    "latin1": _latin1,
    "binary": lambda data: bytes(range(256)) * 4,
    "bom-crlf": lambda data: codecs.BOM_UTF8 + data.replace(b"\n", b"\r\n"),
    "trailing-comma": lambda data: data.replace(b"\n", b",\n").replace(b",\n", b"\n", 1),
    "ragged-row": lambda data: data.replace(b"\n", b",extra,cells\n", 2).replace(
        b",extra,cells\n", b"\n", 1),
    "short-rows": _short_rows,
}
CSV_ONLY = ("header-only", "semicolon", "trailing-comma", "ragged-row", "short-rows")
#: Optional tables the default scenario's other tables need (see file_variants).
NEEDED_BY_OTHER_TABLES = ("program_emissions", "grid_intensity")


def file_variants(example: Path) -> list[Variant]:
    """Every input CSV: missing, empty, header only, BOM, UTF-16, CRLF, ';', Latin-1, binary.

    Edits need a file: tables the example does not ship (the strategic ones) get only the
    "missing" variant, except committed_sales, which the copy creates (``_ensure``).
    """
    found = []
    for table in TABLES.values():
        # Optional, but the default's other tables refer to them (program g/km for the
        # fleet targets, grid intensity for the plants' CO2): without rows, an input error.
        optional = not table.required and table.name not in NEEDED_BY_OTHER_TABLES
        reference = ("no-cvd" if table.name == "countervailing_duties" else
                     f"without:{table.name}" if optional else "original")
        found.append(Variant(
            f"file/{table.name}/missing", "file-optional-missing" if optional else
            "file-missing", _remove(table.file), expect="same" if optional else "error",
            file=table.file, reference=reference))
        if not (example / table.file).exists() and table.name != "committed_sales":
            continue
        for name, change in FILE_EDITS.items():
            if name == "short-rows" and not _shortens(example / table.file):
                continue  # no row ends in a blank cell: the edit would change nothing
            accepted = name in ("bom", "crlf", "bom-crlf", "short-rows") or (
                optional and name == "header-only")
            group = {"bom-crlf": "file-bom", "header-only": "file-optional-header"
                     if optional else "file-header-only"}.get(name, f"file-{name}")
            ref = ("with-committed" if table.name == "committed_sales" else "original") if (
                name != "header-only") else reference
            found.append(Variant(f"file/{table.name}/{name}", group,
                                 _file_edit(table.file, change, create=table),
                                 expect="same" if accepted else "error", file=table.file,
                                 reference=ref))
    return found


# --- scenario.yaml -------------------------------------------------------------------------

SCENARIO = "scenario.yaml"


def _yaml_edit(file: str, change: Callable[[str], str]) -> Build:
    def build(folder: Path) -> Path:
        path = folder / file
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
        return folder
    return build


def _set_key(key: str, value: str) -> Callable[[str], str]:
    """Replace (or add) a top-level ``key: value`` line of scenario.yaml."""
    def change(text: str) -> str:
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if line.startswith(f"{key}:"):
                end = index + 1
                while end < len(lines) and lines[end].startswith(" "):
                    end += 1
                return "\n".join([*lines[:index], f"{key}: {value}", *lines[end:]])
        return text.rstrip("\n") + f"\n{key}: {value}\n"
    return change


BOMB = ("\nbomb:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(f"  {n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                  for p, n in zip("abcdefgh", "bcdefghi", strict=True)))
DEEP = "[" * 5000 + "]" * 5000
PYTHON_TAG = "!!python/object/apply:os.system ['echo pwned > pwned.txt']"
WRONG_VALUES = {"nan": ".nan", "inf": ".inf", "minus-inf": "-.inf", "huge": "1.0e+300",
                "huge-text": "1e300", "negative": "-5", "text": "abc", "list": "[1, 2]",
                "mapping": "{a: 1}", "bool": "true", "date": "2024-01-01"}


def scenario_variants() -> list[Variant]:
    """scenario.yaml: encodings, syntax, limits, tags, wrong types and values per key."""
    found = [
        Variant("yaml/scenario/missing", "yaml-missing", _remove(SCENARIO), file=SCENARIO),
        Variant("yaml/scenario/syntax", "yaml-syntax", _yaml_edit(
            SCENARIO, lambda text: text.replace("first_year: 2023", "first_year: [2023")),
            file=SCENARIO, words=("line",)),
        Variant("yaml/scenario/tab-indent", "yaml-syntax", _yaml_edit(
            SCENARIO, lambda text: text.replace("\n  S1:", "\n\tS1:")), file=SCENARIO),
        Variant("yaml/scenario/two-documents", "yaml-syntax", _yaml_edit(
            SCENARIO, lambda text: text + "\n---\nname: other\n"), file=SCENARIO),
        Variant("yaml/scenario/alias-bomb", "yaml-alias-bomb", _yaml_edit(
            SCENARIO, lambda text: text + BOMB), file=SCENARIO, words=("alias",)),
        Variant("yaml/scenario/alias-bomb-in-sources", "yaml-alias-bomb", _yaml_edit(
            SCENARIO, lambda text: text.replace("sources:\n", "sources:\n" + BOMB.replace(
                "\n  ", "\n  x").replace("bomb:", "  zbomb:").replace("[*", "[*x").replace(
                ", *", ", *x").replace("&", "&x"), 1)), file=SCENARIO),
        Variant("yaml/scenario/recursive-alias", "yaml-alias-bomb", _yaml_edit(
            SCENARIO, _set_key("description", "&loop [a, *loop]")), file=SCENARIO),
        Variant("yaml/scenario/deep-nesting", "yaml-deep", _yaml_edit(
            SCENARIO, _set_key("description", DEEP)), file=SCENARIO, words=("nested",)),
        Variant("yaml/scenario/deep-mapping", "yaml-deep", _yaml_edit(
            SCENARIO, _set_key("description", "{a: " * 3000 + "1" + "}" * 3000)),
            file=SCENARIO),
        Variant("yaml/scenario/python-tag", "yaml-python-tag", _yaml_edit(
            SCENARIO, _set_key("name", PYTHON_TAG)), file=SCENARIO, words=("python",)),
        Variant("yaml/scenario/python-name-tag", "yaml-python-tag", _yaml_edit(
            SCENARIO, _set_key("description", "!!python/name:os.system ''")), file=SCENARIO),
        Variant("yaml/scenario/unknown-tag", "yaml-python-tag", _yaml_edit(
            SCENARIO, _set_key("discount_rate", "!money 0.08")), file=SCENARIO),
        Variant("yaml/scenario/top-list", "yaml-wrong-type", _yaml_edit(
            SCENARIO, lambda text: "- name: x\n- first_year: 2023\n"), file=SCENARIO),
        Variant("yaml/scenario/top-scalar", "yaml-wrong-type", _yaml_edit(
            SCENARIO, lambda text: "just text\n"), file=SCENARIO),
        Variant("yaml/scenario/unknown-key", "yaml-unknown-key", _yaml_edit(
            SCENARIO, _set_key("discount_rat", "0.08")), file=SCENARIO,
            words=("discount_rat",)),
        Variant("yaml/scenario/years-reversed", "yaml-wrong-value", _yaml_edit(
            SCENARIO, _set_key("last_year", "2020")), file=SCENARIO, words=("last_year",)),
        Variant("yaml/scenario/horizon-huge", "yaml-wrong-value", _yaml_edit(
            SCENARIO, _set_key("last_year", "1000000")), file=SCENARIO, words=("last_year",)),
        Variant("yaml/scenario/name-empty", "yaml-wrong-value", _yaml_edit(
            SCENARIO, _set_key("name", "''")), file=SCENARIO, words=("name",)),
        Variant("yaml/scenario/name-list", "yaml-wrong-type", _yaml_edit(
            SCENARIO, _set_key("name", "[a, b]")), file=SCENARIO, words=("name",)),
        Variant("yaml/scenario/description-mapping", "yaml-wrong-type", _yaml_edit(
            SCENARIO, _set_key("description", "{a: 1}")), file=SCENARIO,
            words=("description",)),
        Variant("yaml/scenario/sources-list", "yaml-wrong-type", _yaml_edit(
            SCENARIO, lambda text: text.split("sources:")[0] + "sources: [a, b]\n"),
            file=SCENARIO, words=("sources",)),
        Variant("yaml/scenario/sources-text", "yaml-wrong-type", _yaml_edit(
            SCENARIO, lambda text: text.split("sources:")[0] + "sources: some text\n"),
            file=SCENARIO, words=("sources",)),
        Variant("yaml/scenario/sources-nested", "yaml-wrong-type", _yaml_edit(
            SCENARIO, lambda text: text.replace("sources:\n", "sources:\n  S0: {a: [1, 2]}\n",
                                                1)), file=SCENARIO, words=("S0",)),
    ]
    for field in SCENARIO_FIELDS:
        if field.dtype not in ("int", "float"):
            continue
        for name, value in WRONG_VALUES.items():
            found.append(Variant(f"yaml/scenario/{field.name}/{name}", f"yaml-value-{name}",
                                 _yaml_edit(SCENARIO, _set_key(field.name, value)),
                                 file=SCENARIO, words=(field.name,)))
    for name, change in FILE_EDITS.items():
        if name in CSV_ONLY:
            continue
        accepted = name in ("bom", "crlf", "bom-crlf")
        found.append(Variant(f"yaml/scenario/encoding-{name}",
                             {"bom-crlf": "file-bom"}.get(name, f"file-{name}"),
                             _file_edit(SCENARIO, change), expect="same" if accepted else
                             "error", file=SCENARIO))
    return found


# --- scenarios.yaml and study options ------------------------------------------------------

CATALOG = "scenarios.yaml"


def _catalog(text: str) -> Build:
    def build(folder: Path) -> Path:
        (folder / CATALOG).write_text(text, encoding="utf-8")
        return folder
    return build


def _catalog_edit(change: Callable[[str], str]) -> Build:
    return _yaml_edit(CATALOG, change)


PARAMETERS = ("parameters:\n  freight: {routes: {scale: freight_usd_per_vehicle}}\n"
              "  cvd: {countervailing_duties: {where: {market: EU}, set: cvd_rate}}\n")


def _mc(body: str) -> str:
    return PARAMETERS + f"montecarlo:\n  study:\n{body}"


def catalog_variants() -> list[Variant]:
    """scenarios.yaml and the study options: wrong shapes, text and non-finite numbers."""
    run = ("scenario", "trade-war")
    sweep = ("sweep", "s")
    mc = ("montecarlo", "study")
    specs: list[tuple[str, str, str, tuple[str, ...], tuple[str, ...]]] = [
        # (id, group, scenarios.yaml text, command, words)
        ("overrides-list", "catalog-wrong-shape", "overrides: [a, b]\n", ("scenario", "a"),
         ("overrides",)),
        ("override-text", "catalog-wrong-shape", "overrides: {a: some text}\n",
         ("scenario", "a"), ("'a'",)),
        ("patch-list", "catalog-wrong-shape", "overrides: {a: {routes: [1, 2]}}\n",
         ("scenario", "a"), ("'a'",)),
        ("where-list", "catalog-wrong-shape",
         "overrides: {a: {routes: {where: [CN], set: {freight_usd_per_vehicle: 1}}}}\n",
         ("scenario", "a"), ("where",)),
        ("set-list", "catalog-wrong-shape", "overrides: {a: {routes: {set: [1, 2]}}}\n",
         ("scenario", "a"), ("set",)),
        ("scenarios-list", "catalog-wrong-shape", "scenarios: [a, b]\n", ("scenario", "a"),
         ("scenarios",)),
        ("scenario-mapping", "catalog-wrong-shape",
         "overrides: {a: {routes: {scale: {freight_usd_per_vehicle: 2}}}}\n"
         "scenarios: {s: {a: 1}}\n", ("scenario", "s"), ("'s'",)),
        ("parameters-list", "catalog-wrong-shape", "parameters: [freight]\nsweeps: {s: "
         "{freight: [1, 2]}}\n", sweep, ("parameters",)),
        ("sweeps-list", "catalog-wrong-shape", PARAMETERS + "sweeps: [freight]\n", sweep,
         ("sweeps",)),
        ("sweep-list", "catalog-wrong-shape", PARAMETERS + "sweeps: {s: [1, 2]}\n", sweep,
         ("'s'",)),
        ("sweep-text", "catalog-sweep-values", PARAMETERS + "sweeps: {s: {freight: [1, abc]}}\n",
         sweep, ("abc",)),
        ("sweep-nan", "catalog-sweep-values", PARAMETERS + "sweeps: {s: {freight: [1, .nan]}}\n",
         sweep, ("freight",)),
        ("sweep-inf", "catalog-sweep-values", PARAMETERS + "sweeps: {s: {freight: [.inf]}}\n",
         sweep, ("freight",)),
        ("sweep-empty", "catalog-sweep-values", PARAMETERS + "sweeps: {s: {freight: []}}\n",
         sweep, ("freight",)),
        ("sweep-no-parameters", "catalog-sweep-values", PARAMETERS + "sweeps: {s: {}}\n",
         sweep, ("'s'",)),
        ("sweep-huge", "catalog-sweep-values", PARAMETERS
         + "sweeps: {s: {freight: [1, 1.0e+300]}}\n", sweep, ("freight",)),
        ("sweep-mapping-value", "catalog-sweep-values", PARAMETERS
         + "sweeps: {s: {freight: {a: 1}}}\n", sweep, ("freight",)),
        ("mc-parameters-list", "catalog-montecarlo", _mc("    parameters: [freight]\n"), mc,
         ("parameters",)),
        ("mc-samples-text", "catalog-montecarlo", _mc(
            "    samples: many\n    parameters: {freight: {distribution: uniform, low: 0.5, "
            "high: 2}}\n"), mc, ("samples",)),
        ("mc-samples-zero", "catalog-montecarlo", _mc(
            "    samples: 0\n    parameters: {freight: {distribution: uniform, low: 0.5, "
            "high: 2}}\n"), mc, ("samples",)),
        ("mc-samples-huge", "catalog-montecarlo", _mc(
            "    samples: 1000000000\n    parameters: {freight: {distribution: uniform, "
            "low: 0.5, high: 2}}\n"), mc, ("samples",)),
        ("mc-seed-text", "catalog-montecarlo", _mc(
            "    seed: abc\n    parameters: {freight: {distribution: uniform, low: 0.5, "
            "high: 2}}\n"), mc, ("seed",)),
        ("mc-arg-text", "catalog-montecarlo", _mc(
            "    parameters: {freight: {distribution: normal, mean: abc, sd: 0.1}}\n"), mc,
         ("mean",)),
        ("mc-arg-nan", "catalog-montecarlo", _mc(
            "    parameters: {freight: {distribution: normal, mean: .nan, sd: 0.1}}\n"), mc,
         ("mean",)),
        ("mc-arg-inf", "catalog-montecarlo", _mc(
            "    parameters: {freight: {distribution: lognormal, median: 1, sigma: .inf}}\n"),
         mc, ("sigma",)),
        ("mc-negative-sd", "catalog-montecarlo", _mc(
            "    parameters: {freight: {distribution: normal, mean: 1, sd: -1}}\n"), mc,
         ("sd",)),
        ("mc-low-above-high", "catalog-montecarlo", _mc(
            "    parameters: {freight: {distribution: uniform, low: 2, high: 1}}\n"), mc,
         ("low",)),
        ("mc-triangular-mode", "catalog-montecarlo", _mc(
            "    parameters: {freight: {distribution: triangular, low: 1, mode: 3, high: 2}}\n"),
         mc, ("mode",)),
        ("mc-choice-empty", "catalog-montecarlo", _mc(
            "    parameters: {freight: {distribution: choice, values: []}}\n"), mc,
         ("values",)),
        ("mc-choice-text", "catalog-montecarlo", _mc(
            "    parameters: {freight: {distribution: choice, values: [1, x]}}\n"), mc,
         ("values",)),
        ("mc-distribution-list", "catalog-montecarlo", _mc(
            "    parameters: {freight: [uniform, 1, 2]}\n"), mc, ("freight",)),
        ("override-nan", "catalog-override-values",
         "overrides: {a: {routes: {set: {freight_usd_per_vehicle: .nan}}}}\n",
         ("scenario", "a"), ("freight_usd_per_vehicle",)),
        ("override-scale-inf", "catalog-override-values",
         "overrides: {a: {routes: {scale: {freight_usd_per_vehicle: .inf}}}}\n",
         ("scenario", "a"), ("freight_usd_per_vehicle",)),
        ("override-scale-huge", "catalog-override-values",
         "overrides: {a: {routes: {scale: {freight_usd_per_vehicle: 1.0e+300}}}}\n",
         ("scenario", "a"), ("freight_usd_per_vehicle",)),
        ("override-negative", "catalog-override-values",
         "overrides: {a: {routes: {set: {freight_usd_per_vehicle: -5}}}}\n",
         ("scenario", "a"), ("freight_usd_per_vehicle",)),
        ("override-text-number", "catalog-override-values",
         "overrides: {a: {routes: {set: {freight_usd_per_vehicle: cheap}}}}\n",
         ("scenario", "a"), ("freight_usd_per_vehicle",)),
        ("override-year-nan", "catalog-override-values",
         "overrides: {a: {plants: {where: {plant: CN-WH}, set: {last_year: .nan}}}}\n",
         ("scenario", "a"), ("last_year",)),
        ("override-from-year-text", "catalog-override-values",
         "overrides: {a: {demand: {scale: {volume_vehicles: 2}, from_year: soon}}}\n",
         ("scenario", "a"), ("from_year",)),
        ("override-from-year-nan", "catalog-override-values",
         "overrides: {a: {demand: {scale: {volume_vehicles: 2}, from_year: .nan}}}\n",
         ("scenario", "a"), ("from_year",)),
        ("override-scale-text", "catalog-override-values",
         "overrides: {a: {routes: {scale: {freight_usd_per_vehicle: double}}}}\n",
         ("scenario", "a"), ("freight_usd_per_vehicle",)),
        ("unknown-section", "catalog-unknown", "overide: {a: {routes: {scale: "
         "{freight_usd_per_vehicle: 2}}}}\n", ("scenario", "a"), ("overide",)),
        ("descriptions-list", "catalog-wrong-shape", "descriptions: [a]\n", ("scenario", "a"),
         ("descriptions",)),
        ("alias-bomb", "yaml-alias-bomb", BOMB.replace("bomb:", "descriptions:"), run,
         ("alias",)),
        ("python-tag", "yaml-python-tag", f"descriptions: {{x: {PYTHON_TAG}}}\n", run,
         ("python",)),
        ("deep", "yaml-deep", f"descriptions: {{x: {DEEP}}}\n", run, ("nested",)),
        ("syntax", "yaml-syntax", "overrides:\n  a: {routes: {scale: [}\n", run, ("line",)),
        ("top-list", "yaml-wrong-type", "- overrides\n- scenarios\n", run, ()),
    ]
    found = [Variant(f"catalog/{name}", group, _catalog(text), file=CATALOG, words=words,
                     command=command)
             for name, group, text, command, words in specs]
    for name, change in FILE_EDITS.items():
        if name in (*CSV_ONLY, "empty"):
            continue
        accepted = name in ("bom", "crlf", "bom-crlf")
        found.append(Variant(f"catalog/encoding-{name}",
                             {"bom-crlf": "file-bom"}.get(name, f"file-{name}"),
                             _file_edit(CATALOG, change), expect="same" if accepted else
                             "error", file=CATALOG, command=run, reference="catalog"))
    options = [
        ("grid-zero-steps", ("grid", "freight=0.5:2:0"), ("0.5:2:0",)),
        ("grid-negative-steps", ("grid", "freight=0.5:2:-3"), ("0.5:2:-3",)),
        ("grid-huge-steps", ("grid", "freight=0.5:2:100000000"), ("100000000",)),
        ("grid-text", ("grid", "freight=a:b:c"), ("a:b:c",)),
        ("grid-nan", ("grid", "freight=nan,1"), ("nan",)),
        ("grid-inf", ("grid", "freight=0:inf:3"), ("inf",)),
        ("grid-empty", ("grid", "freight="), ("freight",)),
        ("grid-no-equals", ("grid", "freight"), ("freight",)),
        ("grid-no-name", ("grid", "=1,2"), ("'=1,2'",)),
        ("grid-huge-value", ("grid", "freight=1,1e300"), ("freight",)),
        ("samples-zero", ("montecarlo", "uncertainty", "--samples", "0"), ("samples",)),
        ("samples-negative", ("montecarlo", "uncertainty", "--samples", "-5"), ("samples",)),
        ("samples-huge", ("montecarlo", "uncertainty", "--samples", "1000000000"),
         ("samples",)),
        ("seed-negative", ("montecarlo", "uncertainty", "--seed", "-1"), ("seed",)),
        ("scheduler-not-url", ("scheduler", "not a url"), ("not a url",)),
        ("scheduler-bad-port", ("scheduler", "tcp://localhost:notaport"), ("notaport",)),
        ("scenario-unknown", ("scenario", "trade-wars"), ("trade-wars",)),
    ]
    files = {"grid": "--grid", "montecarlo": "", "scheduler": "--scheduler",
             "scenario": CATALOG}
    found += [Variant(f"option/{name}", "option", lambda folder: folder,
                      file=files[command[0]], words=words, command=command)
              for name, command, words in options]
    return found


# --- workbooks -----------------------------------------------------------------------------


def _book(edit: Callable[[Path], None]) -> Build:
    def build(folder: Path) -> Path:
        path = folder / WORKBOOK
        edit(path)
        return path
    return build


def _sheet(sheet: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    return lambda path: mutate.edit_workbook(path, {sheet: change})


def _label(sheet: str) -> str:
    return f"{WORKBOOK}, sheet {sheet}"


def _first_numeric(table: Table) -> tuple[int, Column]:
    """The first required numeric column (else the first numeric one; -1 when none)."""
    for position, column in enumerate(table.columns):
        if column.dtype in ("int", "float") and column.required:
            return position, column
    for position, column in enumerate(table.columns):
        if column.dtype in ("int", "float"):
            return position, column
    return -1, table.columns[0]


def workbook_variants() -> list[Variant]:
    """Workbooks: broken files, missing sheets, formulas, merged cells, stale dimensions."""
    found = [
        Variant("workbook/truncated", "workbook-corrupt", _book(
            lambda path: mutate.rewrite_bytes(path, lambda data: data[:len(data) // 2])),
            file=WORKBOOK),
        Variant("workbook/empty-file", "workbook-corrupt", _book(
            lambda path: path.write_bytes(b"")), file=WORKBOOK),
        Variant("workbook/csv-renamed", "workbook-corrupt", _book(
            lambda path: path.write_text("plant,country\nA,B\n", encoding="utf-8")),
            file=WORKBOOK),
        Variant("workbook/random-bytes", "workbook-corrupt", _book(
            lambda path: path.write_bytes(bytes(range(256)) * 16)), file=WORKBOOK),
        Variant("workbook/zip-without-workbook", "workbook-corrupt", _book(
            lambda path: _zip_with(path, {"hello.txt": b"hi"})), file=WORKBOOK),
        Variant("workbook/scenario-sheet-missing", "workbook-missing-sheet", _book(
            lambda path: mutate.drop_sheet(path, "scenario")), file=_label("scenario")),
        Variant("workbook/stale-dimension-small", "workbook-stale-dimension", _book(_sheet(
            "demand", lambda xml: mutate.set_dimension(xml, "A1:G4"))), expect="same"),
        Variant("workbook/stale-dimension-huge", "workbook-stale-dimension", _book(_sheet(
            "demand", lambda xml: mutate.set_dimension(xml, "A1:XFD1048576"))), expect="same"),
        Variant("workbook/stale-dimension-plants", "workbook-stale-dimension", _book(_sheet(
            "plants", lambda xml: mutate.set_dimension(xml, "A1:B2"))), expect="same"),
        Variant("workbook/cvd-sheet-missing", "workbook-optional-sheet", _book(
            lambda path: mutate.drop_sheet(path, "countervailing_duties")), expect="same",
            reference="no-cvd"),
        Variant("workbook/scenario-alias-bomb", "yaml-alias-bomb", _book(_sheet(
            "scenario", lambda xml: _scenario_value(xml, "default_duty_rate", textwrap.dedent(
                BOMB[7:]), new_key="sources"))),
            file=_label("scenario"), words=("alias",)),
        Variant("workbook/scenario-recursive-alias", "yaml-alias-bomb", _book(_sheet(
            "scenario", lambda xml: _scenario_value(xml, "default_duty_rate", "&a {x: *a}",
                                                    new_key="sources"))),
            file=_label("scenario"), words=("alias",)),
        Variant("workbook/scenario-merged", "workbook-merged", _book(_sheet(
            "scenario", lambda xml: mutate.add_merge(xml, "B2:B3"))), file=_label("scenario"),
            row=2),
        Variant("workbook/scenario-discount-nan", "workbook-nan", _book(_sheet(
            "scenario", lambda xml: _scenario_value(xml, "discount_rate", ".nan"))),
            file=_label("scenario"), words=("discount_rate",)),
    ]
    for table in TABLES.values():
        label = _label(table.name)
        if table.required:
            found.append(Variant(f"workbook/{table.name}/sheet-missing", "workbook-missing-sheet",
                                 _book(lambda path, name=table.name: mutate.drop_sheet(
                                     path, name)), file=label))
            found.append(Variant(f"workbook/{table.name}/header-only", "workbook-header-only",
                                 _book(_sheet(table.name, lambda xml: mutate.keep_rows(xml, 1))),
                                 file=label))
            found.append(Variant(f"workbook/{table.name}/no-header", "workbook-header-only",
                                 _book(_sheet(table.name, lambda xml: mutate.keep_rows(xml, 0))),
                                 file=label))
        if table.name == "committed_sales":
            continue
        found += [
            Variant(f"workbook/{table.name}/merged", "workbook-merged", _book(_sheet(
                table.name, lambda xml: mutate.add_merge(xml, "A2:A3"))), file=label, row=2,
                words=("merged",)),
            Variant(f"workbook/{table.name}/text-formula", "workbook-formula", _book(_sheet(
                table.name, lambda xml: mutate.replace_cell(
                    xml, "A2", mutate.formula_cell("A2", 'CONCAT("A","B")')))), file=label,
                row=2, words=("calculated values",)),
        ]
        position, column = _first_numeric(table)
        if position < 0:
            continue
        ref = mutate.cell_ref(position, 2)
        words = (column.name,)
        found += [
            Variant(f"workbook/{table.name}/formula-no-value", "workbook-formula", _book(_sheet(
                table.name, lambda xml, ref=ref: mutate.replace_cell(
                    xml, ref, mutate.formula_cell(ref, "1+1")))), file=label, row=2,
                words=(*words, "calculated values")),
            Variant(f"workbook/{table.name}/formula-cached", "workbook-cached-formula",
                    _book(_sheet(table.name, lambda xml, ref=ref: mutate.replace_cell(
                        xml, ref, mutate.formula_cell(ref, "0+" + (mutate.cell_value(
                            xml, ref) or "0"), mutate.cell_value(xml, ref))))),
                    expect="same"),
            Variant(f"workbook/{table.name}/nan-number", "workbook-nan", _book(_sheet(
                table.name, lambda xml, ref=ref: mutate.replace_cell(
                    xml, ref, mutate.number_cell(ref, "NaN")))), file=WORKBOOK),
            Variant(f"workbook/{table.name}/inf-number", "workbook-nan", _book(_sheet(
                table.name, lambda xml, ref=ref: mutate.replace_cell(
                    xml, ref, mutate.number_cell(ref, "INF")))), file=WORKBOOK),
            Variant(f"workbook/{table.name}/huge-number", "workbook-nan", _book(_sheet(
                table.name, lambda xml, ref=ref: mutate.replace_cell(
                    xml, ref, mutate.number_cell(ref, "1E+300")))), file=label, row=2,
                words=words),
            Variant(f"workbook/{table.name}/error-value", "workbook-nan", _book(_sheet(
                table.name, lambda xml, ref=ref: mutate.replace_cell(
                    xml, ref, f'<c r="{ref}" t="e"><v>#DIV/0!</v></c>'))), file=label, row=2,
                words=words),
        ]
    return found


def _scenario_value(xml: str, key: str, value: str, new_key: str | None = None) -> str:
    """Set the value cell (column B) of the scenario sheet's row for ``key`` (and rename it)."""
    import re

    for row, text in re.findall(r'<row r="(\d+)".*?<c r="A\1"[^>]*?>(.*?)</c>', xml, re.S):
        if f">{key}<" not in text:
            continue
        if new_key is not None:
            xml = mutate.replace_cell(xml, f"A{row}", mutate.text_cell(f"A{row}", new_key))
        ref = f"B{row}"
        cell = mutate.text_cell(ref, value)
        if re.search(rf'<c r="{ref}"', xml):
            return mutate.replace_cell(xml, ref, cell)
        return re.sub(rf'(<c r="A{row}"[^>]*?>.*?</c>)', lambda m, cell=cell: m.group(1) + cell,
                      xml, count=1, flags=re.S)
    raise AssertionError(f"no scenario row {key}")


def _zip_with(path: Path, parts: dict[str, bytes]) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)


# --- all -----------------------------------------------------------------------------------


def all_variants(example: Path) -> list[Variant]:
    """Every variant, in a fixed order (ids are unique)."""
    found = (cell_variants(example) + file_variants(example) + scenario_variants()
             + catalog_variants() + workbook_variants())
    ids = [variant.id for variant in found]
    assert len(ids) == len(set(ids)), "duplicate variant ids"
    return found


def stratified(variants: list[Variant], per_group: int = 1) -> set[str]:
    """Ids of the first ``per_group`` variants of each group (the CI part)."""
    taken: dict[str, int] = {}
    chosen = set()
    for variant in variants:
        if taken.get(variant.group, 0) < per_group:
            taken[variant.group] = taken.get(variant.group, 0) + 1
            chosen.add(variant.id)
    return chosen
