"""Scenarios in an input workbook: the ``scenarios`` sheet (issue 18, item 5).

``evplan template book.xlsx`` writes the source's ``scenarios.yaml`` as one sheet, so a user
who edits the workbook keeps its overrides, scenarios, sweeps, Monte Carlo and two-stage
studies. One row per named entry:

==========  ===============  ====================================================  ===========
section     name             entry (YAML, one line)                                description
==========  ===============  ====================================================  ===========
overrides   eu-cvd-up        {countervailing_duties: {where: {origin: CN, ...}}}   every ...
scenarios   trade-war        [eu-cvd-up, br-100pct-ev, mx-100pct-ev]               from 2026 ...
sweeps      brazil-demand    {br-demand: [0.5, 0.75, 1.0, 1.25]}                   Brazil's ...
==========  ===============  ====================================================  ===========

``section`` is a section of ``scenarios.yaml`` (docs/scenarios.md); ``entry`` is what that
section holds under ``name``, written as one line of YAML; ``description`` is the name's line
under ``descriptions:`` (a name with a description only has section ``descriptions`` and no
entry). Reading the workbook rebuilds the mapping and checks it as ``scenarios.yaml`` is
checked; ``evplan run book.xlsx --scenario trade-war`` then finds the scenario there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from evplan.data.files import MAX_YAML_BYTES, load_yaml, read_text_file
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.scenarios.overrides import LABEL, Catalog, parse_catalog

__all__ = ["SCENARIOS_SHEET", "SHEET_COLUMNS", "catalog_rows", "raw_catalog_of_origin",
           "read_workbook_catalog"]

SCENARIOS_SHEET = "scenarios"
SHEET_COLUMNS = ("section", "name", "entry", "description")
SECTIONS = ("overrides", "scenarios", "parameters", "sweeps", "montecarlo", "studies")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def _one_line(value: Any) -> str:
    """``value`` as one line of flow-style YAML (what the sheet's entry column holds)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, sort_keys=False,
                          allow_unicode=True)
    return text.strip().removesuffix("...").strip()


def catalog_rows(raw: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """The sheet's rows (section, name, entry, description) of a ``scenarios.yaml`` mapping.

    Examples
    --------
    >>> catalog_rows({"overrides": {"x2": {"routes": {"scale": {"transit_days": 2}}}},
    ...               "scenarios": {"shock": ["x2"]}, "descriptions": {"shock": "doubled"}})
    [('overrides', 'x2', '{routes: {scale: {transit_days: 2}}}', ''), \
('scenarios', 'shock', '[x2]', 'doubled')]
    """
    descriptions = {str(k): str(v) for k, v in dict(raw.get("descriptions") or {}).items()}
    described: set[str] = set()
    rows = []
    for section in SECTIONS:
        for name, entry in dict(raw.get(section) or {}).items():
            text = descriptions.get(str(name), "") if str(name) not in described else ""
            described.add(str(name))
            rows.append((section, str(name), _one_line(entry), text))
    rows.extend(("descriptions", name, "", text) for name, text in descriptions.items()
                if name not in described)
    return rows


def raw_catalog_of_origin(origin: str | Path) -> dict[str, Any] | None:
    """The ``scenarios.yaml`` mapping beside inputs read from ``origin`` (a folder, a file in
    it, or a workbook with a ``scenarios`` sheet); None when there is none."""
    path = Path(origin)
    if str(origin) == "<memory>":
        return None
    if path.suffix.lower() in WORKBOOK_SUFFIXES and path.is_file():
        sheet = _raw_from_workbook(path)
        if sheet is not None:  # a workbook without the sheet: scenarios.yaml beside it
            return sheet
    file = (path if path.is_dir() else path.parent) / "scenarios.yaml"
    if not file.is_file():
        return None
    raw = load_yaml(read_text_file(file, LABEL, MAX_YAML_BYTES), LABEL)
    return dict(raw) if isinstance(raw, Mapping) else None


def _raw_from_workbook(workbook: Path, rows: dict[tuple[str, str], int] | None = None
                       ) -> dict[str, Any] | None:
    """The sheet as a ``scenarios.yaml`` mapping (None without the sheet); ``rows`` (when
    given) receives each entry's sheet row by (section, name)."""
    raw, problems, _ = _sheet_entries(workbook, rows)
    if problems:
        raise InputError(problems)
    return raw


def _sheet_entries(workbook: Path, rows: dict[tuple[str, str], int] | None = None
                   ) -> tuple[dict[str, Any] | None, list[Problem], set[str]]:
    """The sheet's well-formed rows as a ``scenarios.yaml`` mapping (None without the
    sheet), the problems of the other rows, and the names of the rows left out for them."""
    from evplan.data.excel import read_sheets

    sheets = read_sheets(workbook, read={SCENARIOS_SHEET})
    if SCENARIOS_SHEET not in sheets:
        return None, [], set()
    frame = sheets[SCENARIOS_SHEET]
    label = f"{workbook.name}, sheet {SCENARIOS_SHEET}"
    problems: list[Problem] = []
    missing = [column for column in SHEET_COLUMNS if column not in frame.columns]
    if missing:
        raise InputError([Problem(label, f"the sheet has no column {', '.join(missing)}. Row 1 "
                                  f"must read {', '.join(SHEET_COLUMNS)}.")])
    raw: dict[str, Any] = {}
    descriptions: dict[str, str] = {}
    left_out: set[str] = set()  # names whose row was not read (their uses may then fail)
    for record in frame.to_dict("records"):
        row, section, name = int(record["row"]), str(record["section"]), str(record["name"])
        entry, text = str(record["entry"]), str(record["description"])
        where = f"row {row}"
        if not name:
            problems.append(Problem(label, f"{where}: name is blank. Give the entry a name.",
                                    row))
            continue
        if text:
            descriptions.setdefault(name, text)
        if section == "descriptions" and not entry:
            continue
        if section not in SECTIONS:
            problems.append(Problem(label, f"{where}: section '{section}' is not one of "
                                    f"{', '.join(SECTIONS)}, descriptions."
                                    + did_you_mean(section, SECTIONS), row))
            left_out.add(name)
            continue
        if name in raw.get(section, {}):
            problems.append(Problem(label, f"{where}: {section} '{name}' is given twice. Keep "
                                    "one row per name and section.", row))
            continue
        try:
            value = load_yaml(entry, f"{label}, {where} ({name})")
        except InputError as error:
            problems.extend(error.problems)
            left_out.add(name)
            continue
        raw.setdefault(section, {})[name] = value
        if rows is not None:
            rows[(section, name)] = row
    if descriptions:
        raw["descriptions"] = descriptions
    return raw, problems, left_out


def read_workbook_catalog(workbook: str | Path) -> Catalog:
    """The Catalog of a workbook's ``scenarios`` sheet; without the sheet, of the
    ``scenarios.yaml`` beside the workbook (empty when there is neither).

    Raises
    ------
    InputError
        For a bad row (naming sheet and row) or a bad entry (as ``scenarios.yaml`` reports).
    """
    path = Path(workbook)
    rows: dict[tuple[str, str], int] = {}
    sheet, problems, left_out = (_sheet_entries(path, rows) if path.is_file()
                                 else (None, [], set()))
    if sheet is None:  # no sheet: the scenarios.yaml beside the workbook, named as such
        raw = raw_catalog_of_origin(path)
        return parse_catalog(raw) if raw is not None else Catalog()
    label = f"{path.name}, sheet {SCENARIOS_SHEET}"
    catalog: Catalog | None = None
    try:
        catalog = parse_catalog(sheet)
    except InputError as error:
        # The rows read are checked beside the rows that could not be (every problem at
        # once; before, a repeated row hid a NaN in another); a use of a name whose row was
        # not read is left out: that row's own problem says what to fix.
        problems = problems + [problem for problem in _on_sheet(error.problems, label, rows)
                               if not any(f"'{name}'" in problem.message
                                          for name in left_out)]
    if problems or catalog is None:
        raise InputError(problems)
    # Problems an override or parameter meets when applied name its row, not scenarios.yaml.
    return dataclasses.replace(catalog, source=label, overrides={
        name: tuple(dataclasses.replace(patch, source=f"{label}, row {rows[('overrides', name)]}")
                    for patch in patches) for name, patches in catalog.overrides.items()},
        parameters={name: dataclasses.replace(
            parameter, source=f"{label}, row {rows[('parameters', name)]}")
            for name, parameter in catalog.parameters.items()})


#: The words parse_catalog opens a problem with, and the section each names an entry of.
_ENTRY = re.compile(r"(override|scenario|parameter|sweep|montecarlo|study) '([^']*)'")
_SECTION_OF = {"override": "overrides", "scenario": "scenarios", "parameter": "parameters",
               "sweep": "sweeps", "montecarlo": "montecarlo", "study": "studies"}


def _on_sheet(problems: list[Problem], label: str, rows: Mapping[tuple[str, str], int]
              ) -> list[Problem]:
    """``scenarios.yaml`` problems of a sheet's entries, named by the sheet and the entry's
    row (there is no scenarios.yaml to fix: the rows are)."""
    named = []
    for problem in problems:
        found = _ENTRY.match(problem.message)
        row = rows.get((_SECTION_OF[found.group(1)], found.group(2))) if found else None
        named.append(Problem(label, (f"row {row}, entry: " if row else "") + problem.message,
                             row, count=problem.count))
    return named
