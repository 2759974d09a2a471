"""Read input files without trusting them: text encodings, CSV and YAML, each with limits.

Every file evplan reads as text goes through :func:`decode_text`; every YAML document
(``scenario.yaml``, ``scenarios.yaml``, a workbook's ``scenario`` cell) through
:func:`load_yaml`. A file that cannot be read gives an :class:`~evplan.errors.InputError`
naming the file and saying how to save it, never a traceback.

Encodings
    UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8" writes one); line ends
    LF, CRLF or CR (Excel for Mac's "CSV (Macintosh)"). UTF-16 and UTF-32 (Excel's
    "Unicode text"), Latin-1/Windows-1252 text with accented letters, and binary files are
    refused with the fix "save it as UTF-8".

CSV layout
    Blank lines and rows whose every cell is empty are left out, and so are columns whose
    header cell and every cell are empty (Excel keeps cleared rows and columns); the rows
    that remain keep the numbers a spreadsheet shows (a frame's index is the record's
    position under the header).

YAML limits (:class:`LimitedSafeLoader`, a :class:`yaml.SafeLoader`)
    Booleans are YAML 1.2's: ``true`` and ``false`` only (``yes``, ``no``, ``on``, ``off`` are
    text, so the market code ``NO`` stays ``"NO"``). A key written twice in one mapping is
    refused (keys a merge ``<<: *base`` brings in may be overridden). Only plain data: tags that
    build Python objects (``!!python/...``) or unknown tags are refused. A document may hold at
    most :data:`MAX_YAML_BYTES` bytes, :data:`MAX_ALIASES` aliases (``*name``), and its tree,
    with every alias expanded, at most :data:`MAX_NODES` values, :data:`MAX_CHARS` characters of
    text and :data:`MAX_DEPTH` levels of nesting. A recursive alias is refused. The expanded
    size is computed on the composed node graph (each anchored node counted once per use, in
    linear time), so an alias bomb ("billion laughs") is refused in milliseconds, before any
    value is built.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from evplan.errors import InputError, Problem

__all__ = [
    "MAX_ALIASES",
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_TEXT_BYTES",
    "MAX_YAML_BYTES",
    "SCENARIO_FILE",
    "LimitedSafeLoader",
    "column_letter",
    "decode_text",
    "load_yaml",
    "read_csv_table",
    "read_scenario_file",
    "read_text_file",
]

#: The scenario file of an input folder.
SCENARIO_FILE = "scenario.yaml"

#: Largest input text file (a CSV table) read, in bytes: pandas holds a table in several
#: times its size in memory.
MAX_TEXT_BYTES = 500_000_000
#: Largest YAML document accepted, in bytes (the default scenario.yaml is 20 kB).
MAX_YAML_BYTES = 5_000_000
#: Most aliases (``*name``) one YAML document may use.
MAX_ALIASES = 1_000
#: Most values (scalars, lists, mappings) in a YAML document with its aliases expanded.
MAX_NODES = 200_000
#: Most characters of text in a YAML document with its aliases expanded.
MAX_CHARS = 20_000_000
#: Deepest nesting of lists and mappings in a YAML document, aliases expanded.
MAX_DEPTH = 50

_SAVE_UTF8 = "Save it as UTF-8 (in Excel: Save As > 'CSV UTF-8'; in an editor: encoding UTF-8)."
_PYTHON_TAG = "tag:yaml.org,2002:python/"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlLimitError(yaml.YAMLError):
    """A YAML document broke one of the limits of :class:`LimitedSafeLoader`."""


def decode_text(raw: bytes, label: str) -> str:
    """Return the text of a file's bytes: UTF-8, with or without a byte-order mark.

    Raises
    ------
    InputError
        For UTF-16/UTF-32, bytes that are not UTF-8 (Latin-1, Windows-1252) and binary
        files, naming the line of the first bad byte.

    Examples
    --------
    >>> decode_text(codecs.BOM_UTF8 + b"plant,country\\r\\n", "plants.csv")
    'plant,country\\r\\n'
    """
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if raw.startswith(bom):
            raise InputError([Problem(label, f"{label} is saved as {name} (Excel's 'Unicode "
                                      f"text'); evplan reads UTF-8. {_SAVE_UTF8}")])
    if b"\x00" in raw:
        line = raw[:raw.index(b"\x00")].count(b"\n") + 1
        raise InputError([Problem(label, f"{label} is not a text file: line {line} holds a NUL "
                                  f"byte (a binary file, or UTF-16 without a byte-order mark). "
                                  f"{_SAVE_UTF8}")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        byte = raw[error.start]
        raise InputError([Problem(label, f"{label} is not UTF-8 text: byte 0x{byte:02X} on line "
                                  f"{line} is not UTF-8 (the file is probably Latin-1 or "
                                  f"Windows-1252). {_SAVE_UTF8}")]) from None


def read_text_file(path: Path, label: str, limit: int | None = None) -> str:
    """Read and decode a text file (see :func:`decode_text`); refuse files over ``limit`` bytes
    (default :data:`MAX_TEXT_BYTES`) and anything but a regular file.

    Raises
    ------
    InputError
        When the file cannot be read, is not a regular file (a device such as ``/dev/zero``
        would be read for ever, a pipe would wait for ever), is too large, or is not UTF-8
        text.
    """
    limit = MAX_TEXT_BYTES if limit is None else limit
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise InputError([Problem(label, f"{label} is not a regular file (a device, a pipe "
                                      "or a socket). Put the file there instead.")])
        with path.open("rb") as file:
            raw = file.read(limit + 1)
        if len(raw) > limit:
            raise InputError([Problem(label, f"{label} is more than {limit:,} bytes; evplan "
                                      f"reads at most {limit:,}. Is it the right file?")])
    except IsADirectoryError:
        raise InputError([Problem(label, f"{label} is a folder, not a file. Put the file "
                                  "there instead.")]) from None
    except OSError as error:
        raise InputError([Problem(label, f"{label} cannot be read: {error.strerror or error}. "
                                  "Check that the file exists and that you may read it.")]
                         ) from None
    return decode_text(raw, label)


def read_csv_table(path: Path, label: str) -> pd.DataFrame | None:
    """Read a CSV file as strings (header in row 1); None when the file holds no header at all.

    Raises
    ------
    InputError
        When the file is not UTF-8 text, is not readable CSV, or uses another separator.
    """
    text = read_text_file(path, label)
    if not text.strip():
        return None
    # Line ends CRLF or a lone CR (Excel for Mac's 'CSV (Macintosh)') read as LF: Python's
    # csv module raised on a lone CR ("new-line character seen in unquoted field"), a
    # traceback instead of a plan.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Blank lines above the header are skipped (rows below are still numbered as a
    # spreadsheet shows them); blank lines below it are read, then left out with rows
    # of empty cells (:func:`_without_blank_rows`), so that row numbers do not shift.
    lines = text.lstrip("\ufeff").split("\n")
    above = next(number for number, line in enumerate(lines) if line.strip())
    text = "\n".join(lines[above:])
    # The separator, from the header alone: a ';' file whose cells hold commas (decimal
    # commas, a source with a list) otherwise parses into misleading cell counts.
    first = next((line for line in text.lstrip("\ufeff").splitlines() if line.strip()), "")
    header_cells = next(csv.reader([first]), [])
    if first.strip().lower() == "sep=,":  # read as a header 'sep=' and '' (one cell short)
        raise InputError([Problem(label, f"{label} starts with Excel's separator line 'sep=,'"
                                  "; evplan reads the first line as the column names. Delete "
                                  "that line.")])
    if len(header_cells) == 1:
        _refuse_other_separator(label, header_cells[0])
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        return None
    except (pd.errors.ParserError, ValueError) as error:
        detail = str(error).strip().rstrip(".")
        raise InputError([Problem(label, f"{label} cannot be read as CSV: {detail}. Quote text "
                                  "that holds commas (\"a, b\") and give every row the same "
                                  "number of cells as the header.")]) from None
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took a first column as the index
        _refuse_longer_rows(label, text)
    if len(frame.columns) == 1:
        _refuse_other_separator(label, str(frame.columns[0]))
    names = next((row for row in _csv_rows(text, label) if row), [])
    repeated = {name for name in names if name.strip() and names.count(name) > 1}
    if repeated and len(names) == len(frame.columns):  # pandas renamed a repeat 'x.1':
        frame.columns = pd.Index([name if name in repeated else read  # name it as written
                                  for name, read in zip(names, frame.columns, strict=True)])
    if len(names) == len(frame.columns):
        frame = _without_blank_header_columns(frame, names)
    frame = _without_blank_rows(frame)
    if above:
        frame.index = frame.index + above
    return frame


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 -> 'A', 26 -> 'AA'."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _without_blank_header_columns(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame`` without the columns whose header cell and every cell are blank.

    Excel writes a comma for every column it once used, so a sheet whose last columns were
    cleared saves as ``plant,country,,``: pandas named them ``Unnamed: 2``, ``Unnamed: 3``
    and the table was refused for columns the user never wrote. A blank-header column that
    holds a value is kept, named by its spreadsheet letter, so that the message about it
    says which column to name or delete.
    """
    keep: list[int] = []
    renamed: list[str] = []
    for position, (name, read) in enumerate(zip(names, frame.columns, strict=True)):
        if name.strip():
            keep.append(position)
            renamed.append(str(read))
            continue
        cells = frame.iloc[:, position].astype(str).str.strip()
        if (cells != "").any():
            keep.append(position)
            renamed.append(f"(no header, column {column_letter(position)})")
    if len(keep) == len(names) and renamed == [str(column) for column in frame.columns]:
        return frame
    kept = frame.iloc[:, keep].copy()
    kept.columns = pd.Index(renamed)
    return kept


def _without_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without rows whose every cell is blank, keeping each row's position.

    The index stays the record's position in the file (0 for the first row under the
    header), so that :mod:`evplan.data.read` numbers the rows as a spreadsheet shows them
    even when blank lines or rows of empty cells (``,,,`` where Excel kept cleared rows)
    stand between them.
    """
    if frame.empty or not len(frame.columns):
        return frame
    filled = np.zeros(len(frame), dtype=bool)
    for position in range(frame.shape[1]):
        filled |= frame.iloc[:, position].astype(str).str.strip().to_numpy() != ""
    return frame if filled.all() else frame.loc[filled]


def _csv_rows(text: str, label: str) -> Iterator[list[str]]:
    """The rows of ``text`` as Python's csv module reads them; a csv error (a cell over its
    131,072-character limit) is an InputError naming the file, not a traceback."""
    try:
        yield from csv.reader(io.StringIO(text.lstrip("\ufeff")))
    except csv.Error as error:
        raise InputError([Problem(label, f"{label} cannot be read as CSV: {error}. Check that "
                                  "every quote that opens a cell is closed.")]) from None


def _refuse_longer_rows(label: str, text: str) -> None:
    """Raise for rows with more cells than the header (pandas read the first as an index).

    When every row has one cell more, a comma ends each line; when only some have, those
    rows are named: an unquoted decimal comma ('1,5') is the usual cause.
    """
    rows = [row for row in _csv_rows(text, label) if row]
    width = len(rows[0])
    longer = [number for number, row in enumerate(rows[1:], start=2) if len(row) > width]
    if not longer or len(longer) == len(rows) - 1:
        raise InputError([Problem(label, f"{label} cannot be read as CSV: its rows have one cell "
                                  "more than the header row (a comma at the end of each line?). "
                                  "Remove the extra commas, or name the extra column.")])
    shown = ", ".join(str(number) for number in longer[:10]) + (
        f" and {len(longer) - 10} more" if len(longer) > 10 else "")
    rows_have = f"rows {shown} have" if len(longer) > 1 else f"row {shown} has"
    raise InputError([Problem(label, f"{label} cannot be read as CSV: {rows_have} more cells "
                              f"than the header row ({width}). Write a decimal point, not a "
                              "comma (1.5, not 1,5), put text that holds commas in quotes "
                              "(\"a, b\"), or remove the comma at the end of the line.",
                              longer[0])])


def _refuse_other_separator(label: str, header: str) -> None:
    """Raise when a one-cell header is columns separated by ';' or tabs."""
    for separator, name in ((";", "';'"), ("\t", "tabs")):
        if separator in header:
            raise InputError([Problem(label, f"{label} uses {name} to separate columns "
                                      f"(header '{header[:60]}'); evplan reads commas. Save "
                                      "it as CSV with a comma separator.")])


class LimitedSafeLoader(yaml.SafeLoader):
    """A :class:`yaml.SafeLoader` that refuses alias bombs, deep nesting and Python tags.

    The limits are the module's constants (see the module docstring).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._flow_kinds: list[str] = []  # the open flow collections, '[' or '{'
        # Keys given twice and values hidden by a comment, all of them (load_yaml reports
        # them together once the document is read); the limits above raise at once.
        self.problems: list[str] = []

    def _found(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise YamlLimitError(f"line {mark.line + 1}: more than {MAX_ALIASES} aliases "
                                     "(*name). Write the values out, or use fewer aliases")
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlLimitError(f"line {mark.line + 1}: nested more than {MAX_DEPTH} "
                                     "levels deep. Flatten the document")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def scan_to_next_token(self) -> None:
        """PyYAML's skipping of spaces, line breaks and comments, refusing inside ``[ ]`` or
        ``{ }`` a comment where a value is due (``[0.5, 0.75, #N/A`` then ``1.25]`` on the
        next line read as three values: a sweep ran one case fewer without a word; ``{a:
        #x`` read ``a`` as empty). A comment after a value, or where a mapping's next key is
        due, stays allowed."""
        if not self.flow_level:
            super().scan_to_next_token()
            return
        while True:
            while self.peek() == " ":
                self.forward()
            if self.peek() == "#":
                before = self.buffer[:self.pointer].rstrip(" \t\r\n")
                due = (":", ",", "[") if self._flow_kinds[-1:] == ["["] else (":",)
                if before.endswith(due):  # in { }, after ',' a key is due: a comment is fine
                    raise YamlLimitError(
                        f"line {self.line + 1}: a comment where a value is due inside [ ] or "
                        f"{{ }} ('{self.buffer[self.pointer:self.pointer + 20].splitlines()[0]}')"
                        ": YAML reads it as nothing, so that value would be left out. Write "
                        "the value (quoted if it starts with '#'), or remove the comment")
                while self.peek() not in "\0\r\n\x85\u2028\u2029":
                    self.forward()
            if not self.scan_line_break():
                return

    def fetch_flow_sequence_start(self) -> None:
        self._flow_kinds.append("[")
        super().fetch_flow_sequence_start()

    def fetch_flow_mapping_start(self) -> None:
        self._flow_kinds.append("{")
        super().fetch_flow_mapping_start()

    def fetch_flow_collection_end(self, token_class: Any) -> None:
        if self._flow_kinds:
            self._flow_kinds.pop()
        super().fetch_flow_collection_end(token_class)

    def construct_sequence(self, node: Any, deep: bool = False) -> Any:
        """Refuse a list item hidden by a comment (``- #N/A``: :func:`_hidden_value`)."""
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                comment = _hidden_value(None, item)
                if comment:
                    self._found(
                        f"line {item.start_mark.line + 1}: a list item has no value: "
                        f"'{comment}' is a YAML comment, so the item would be read as empty. "
                        "Write the value (quote text that starts with '#'), or remove the item")
        return super().construct_sequence(node, deep=deep)

    def construct_document(self, node: Any) -> Any:
        _check_expanded(node)
        return super().construct_document(node)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """Refuse a key written twice in one mapping (YAML would keep the last silently);
        keys a merge (``<<: *base``) brings in may be overridden, as YAML intends. Refuse a
        value hidden by a comment (:func:`_hidden_value`)."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                    continue
                key = (key_node.tag, key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    self._found(f"line {line}: the key '{key_node.value}' is given twice "
                                f"(first on line {seen[key]}); only one would be read. "
                                "Keep one")
                seen.setdefault(key, line)
                comment = _hidden_value(key_node, value_node)
                if comment:
                    self._found(
                        f"line {line}: '{key_node.value}' has no value: '{comment}' is a YAML "
                        "comment, so the key would be read as empty. Write the value (quote "
                        "text that starts with '#'), or write null to leave it empty")
        return super().construct_mapping(node, deep=deep)


def _hidden_value(key_node: yaml.Node | None, value_node: yaml.Node) -> str:
    """The comment (first 40 characters) that follows ``key:`` (or a list's ``-`` when
    ``key_node`` is None) on its line when nothing else is written there, else ''.
    ``from_year: #2026`` or ``- #N/A`` (pasted from a spreadsheet) read as an empty value,
    so the key silently took its default, cleared a cell, or a list held a blank. An
    explicit ``null`` or ``~``, and a value with a comment after it, are kept."""
    if not (isinstance(value_node, yaml.ScalarNode) and value_node.value == ""
            and value_node.style is None):  # nothing written (a quoted '' is a value)
        return ""
    mark = key_node.end_mark if key_node is not None else value_node.start_mark
    buffer = getattr(mark, "buffer", None)
    if not isinstance(buffer, str):
        return ""
    end = buffer.find("\n", mark.pointer)
    match = re.match(r"\s*:\s+(?:[&!]\S*\s+)*(#.*)" if key_node is not None  # an anchor or
                     else r"\s*(?:[&!]\S*\s+)*(#.*)",                       # tag may come first
                     buffer[mark.pointer:end if end >= 0 else len(buffer)])
    return match.group(1).strip()[:40] if match else ""


# YAML 1.2 booleans: only true and false (any case PyYAML knows). YAML 1.1 also reads yes,
# no, on and off as booleans, so Norway's market code NO, or a branch named no, became
# False (audit 3); they are text here, as in YAML 1.2.
LimitedSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
LimitedSafeLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# YAML 1.2 floats with an exponent but no point or exponent sign (1e308, 2E5, 1.5e3): YAML
# 1.1 reads them as text, so `mean: 1e308` was refused as "not a finite number" (audit).
LimitedSafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expanded(root: yaml.Node) -> None:
    """Refuse Python tags, recursive aliases and documents too large once aliases expand.

    Walks the node graph once, iteratively (no recursion), memoising each node's expanded
    (values, characters, depth), so the cost is linear in the composed document.
    """
    sizes: dict[int, tuple[int, int, int]] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            children = [sizes[id(child)] for child in _children(node)]
            chars = len(node.value) if isinstance(node, yaml.ScalarNode) else 0
            total = (1 + sum(c[0] for c in children), chars + sum(c[1] for c in children),
                     1 + max((c[2] for c in children), default=0))
            visiting.discard(key)
            sizes[key] = total
            line = node.start_mark.line + 1
            if total[0] > MAX_NODES:
                raise YamlLimitError(f"line {line}: with its aliases expanded the document holds "
                                     f"more than {MAX_NODES:,} values (an alias bomb?)")
            if total[1] > MAX_CHARS:
                raise YamlLimitError(f"line {line}: with its aliases expanded the document holds "
                                     f"more than {MAX_CHARS:,} characters (an alias bomb?)")
            if total[2] > MAX_DEPTH:
                raise YamlLimitError(f"line {line}: with its aliases expanded the document is "
                                     f"nested more than {MAX_DEPTH} levels deep")
            continue
        if key in sizes:
            continue
        if key in visiting:
            raise YamlLimitError(f"line {node.start_mark.line + 1}: an alias refers to the value "
                                 "that contains it (a recursive alias). Write the value out")
        tag = str(node.tag or "")
        if tag.startswith(_PYTHON_TAG):
            raise YamlLimitError(f"line {node.start_mark.line + 1}: the tag '!!{tag[18:]}' would "
                                 "build a Python object; evplan reads plain values only. Remove "
                                 "the tag")
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def load_yaml(text: str, label: str) -> Any:
    r"""Parse one YAML document with :class:`LimitedSafeLoader`.

    Raises
    ------
    InputError
        For a syntax error (with its line), a broken limit, or a tag evplan does not read.

    Examples
    --------
    >>> load_yaml("first_year: 2023", "scenario.yaml")
    {'first_year': 2023}
    >>> bomb = "a: &a [x, x]\n" + "".join(
    ...     f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
    >>> try:
    ...     load_yaml(bomb, "scenario.yaml")
    ... except InputError as error:
    ...     print(error.problems[0].message[:70])
    scenario.yaml is refused: line 9: with its aliases expanded the docume
    """
    if len(text) > MAX_YAML_BYTES:
        raise InputError([Problem(label, f"{label} holds {len(text):,} characters; evplan reads "
                                  f"at most {MAX_YAML_BYTES:,}. Is it the right file?")])
    loader = LimitedSafeLoader(text)
    try:
        data = loader.get_single_data()
        if loader.problems:  # every key given twice and every hidden value, at once
            raise InputError([Problem(label, f"{label} is refused: {found}.")
                              for found in loader.problems])
        return data
    except YamlLimitError as error:
        raise InputError([Problem(label, f"{label} is refused: {error}.")]) from None
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InputError([Problem(label, f"{label} is refused: {where}{error.problem}. evplan "
                                  "reads plain values only; remove the tag.")]) from None
    except yaml.YAMLError as error:
        raise InputError([Problem(label, f"{label} is not valid YAML: {_yaml_error(error)}. Fix "
                                  "that line: indent with spaces, and quote text that holds "
                                  "': ' or starts with a special character.")]) from None
    finally:
        loader.dispose()


def read_scenario_file(folder: Path) -> tuple[dict[str, Any], list[Problem]]:
    """A folder's parsed ``scenario.yaml`` (``{}`` when it cannot be read) and its problems.

    The overlay reader (which needs ``base_inputs``) and the folder reader both take this,
    so the file is read and parsed once per folder.
    """
    path = folder / SCENARIO_FILE
    if not path.exists():
        return {}, [Problem(SCENARIO_FILE, f"{SCENARIO_FILE} is missing from {folder}. Add one "
                            "with at least name, first_year and last_year.")]
    try:
        loaded = load_yaml(read_text_file(path, SCENARIO_FILE, MAX_YAML_BYTES), SCENARIO_FILE)
    except InputError as error:
        return {}, list(error.problems)
    if loaded is None:
        return {}, [Problem(SCENARIO_FILE, f"{SCENARIO_FILE} is empty. Write at least name, "
                            "first_year and last_year.")]
    if not isinstance(loaded, dict):
        return {}, [Problem(SCENARIO_FILE, f"{SCENARIO_FILE} must be a mapping of keys to "
                            "values ('first_year: 2023'), found "
                            f"{'a list' if isinstance(loaded, list) else 'text'}.")]
    return loaded, []



def _yaml_error(error: yaml.YAMLError) -> str:
    """``line 3, column 5: mapping values are not allowed here`` from a PyYAML error."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return " ".join(str(problem).split())
    return f"line {mark.line + 1}, column {mark.column + 1}: {' '.join(str(problem).split())}"
