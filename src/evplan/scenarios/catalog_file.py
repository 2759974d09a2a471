"""Read ``scenarios.yaml`` from a file, naming the line of every entry a problem is about.

:func:`~evplan.scenarios.overrides.parse_catalog` checks the mapping and names entries
(``override 'freight-shock'``); a file has lines, so a problem found when the file is read
starts with the line of the entry it is about (``line 12: override 'x': ...``), and so does
a problem an override or a parameter meets when it is applied (every patch keeps its line).
A workbook's ``scenarios`` sheet names rows instead (:mod:`evplan.scenarios.workbook`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from evplan.data.files import MAX_YAML_BYTES, LimitedSafeLoader, load_yaml, read_text_file
from evplan.errors import InputError, Problem
from evplan.scenarios.overrides import Catalog, parse_catalog
from evplan.scenarios.values import LABEL

__all__ = ["entry_lines", "read_catalog"]

#: The words parse_catalog opens a problem with, and the section each names an entry of.
_ENTRY = re.compile(r"(override|scenario|parameter|sweep|montecarlo|study) '([^']*)'")
_SECTION_OF = {"override": "overrides", "scenario": "scenarios", "parameter": "parameters",
               "sweep": "sweeps", "montecarlo": "montecarlo", "study": "studies",
               "descriptions": "descriptions"}


def entry_lines(text: str) -> dict[tuple[str, str], int]:
    """(section, name) -> the 1-based line where the entry's name is written.

    Examples
    --------
    >>> entry_lines("overrides:\\n  a: {routes: {scale: {x: 2}}}\\n  b: {}\\nsweeps: {s: {}}\\n")
    {('overrides', 'a'): 2, ('overrides', 'b'): 3, ('sweeps', 's'): 4}
    """
    loader = LimitedSafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError:  # load_yaml reported it already
        return {}
    finally:
        loader.dispose()
    lines: dict[tuple[str, str], int] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for section, body in root.value:
        if isinstance(body, yaml.MappingNode) and isinstance(section, yaml.ScalarNode):
            for name, _ in body.value:
                if isinstance(name, yaml.ScalarNode):
                    lines.setdefault((str(section.value), str(name.value)),
                                     name.start_mark.line + 1)
    return lines


def _on_lines(problems: list[Problem], lines: Mapping[tuple[str, str], int]) -> list[Problem]:
    named = []
    for problem in problems:
        found = _ENTRY.match(problem.message) or re.match(r"(descriptions): '([^']*)'",
                                                          problem.message)
        line = lines.get((_SECTION_OF[found.group(1)], found.group(2))) if found else None
        named.append(dataclasses.replace(problem, message=f"line {line}: {problem.message}")
                     if line else problem)
    return named


def read_catalog(path: str | Path) -> Catalog:
    """Read ``scenarios.yaml`` (a file, or the input folder that holds it).

    A folder without one gives an empty Catalog.

    Raises
    ------
    InputError
        Every problem, each starting with the line of the entry it is about.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "scenarios.yaml"
    if not path.exists():
        return Catalog()
    text = read_text_file(path, LABEL, MAX_YAML_BYTES)
    raw = load_yaml(text, LABEL)
    if raw is not None and not isinstance(raw, Mapping):
        raise InputError([Problem(LABEL, "scenarios.yaml must be a mapping with overrides:, "
                                  "scenarios:, parameters:, sweeps: and montecarlo:.")])
    lines = entry_lines(text)
    try:
        catalog = parse_catalog(raw)
    except InputError as error:
        problems = [*error.problems, *_revelation_problems(raw, path.parent)]
        raise InputError(_on_lines(problems, lines)) from None
    return dataclasses.replace(catalog, overrides={
        name: tuple(dataclasses.replace(patch, line=lines.get(("overrides", name)))
                    for patch in patches) for name, patches in catalog.overrides.items()},
        parameters={name: dataclasses.replace(parameter, line=lines.get(("parameters", name)))
                    for name, parameter in catalog.parameters.items()})


def _revelation_problems(raw: Mapping[str, object] | None, folder: Path) -> list[Problem]:
    """A study's ``revelation_year`` outside the horizon of the folder's scenario.yaml, for
    a file that has other problems: listed with them (every problem at once), where
    otherwise it came only once they were fixed. A file without other problems gets it when
    the study is checked against the inputs (:func:`evplan.twostage.tree.check_study`)."""
    from evplan.data.files import read_scenario_file
    from evplan.twostage.tree import Study, horizon_problems

    studies = raw.get("studies") if raw is not None else None
    if not isinstance(studies, Mapping) or not (folder / "scenario.yaml").is_file():
        return []
    try:
        config = read_scenario_file(folder)[0]
    except InputError:
        return []  # the tables' problems say what is wrong with scenario.yaml
    first, last = config.get("first_year"), config.get("last_year")
    if type(first) is not int or type(last) is not int:
        return []
    return [problem for name, spec in studies.items() if isinstance(spec, Mapping)
            and type(year := spec.get("revelation_year")) is int
            for problem in horizon_problems(Study(str(name), (), year), first, last)]
