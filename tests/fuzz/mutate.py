"""Small editors the fuzz variants use: CSV cells, raw bytes, and the XML inside a workbook.

Workbooks are edited at the zip level (the sheet XML as text), which is fast and lets a
variant build what Excel writes but openpyxl cannot: formulas with or without a cached
value, stale ``<dimension>`` tags, merged cells.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV file as strings, blanks as ``""``."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def set_cell(path: Path, index: int, column: str, value: str) -> None:
    """Set the cell of data row ``index`` (0 = spreadsheet row 2) in ``column``."""
    frame = read_csv(path)
    frame.loc[index, column] = value
    write_csv(frame, path)


def duplicate_row(path: Path, index: int) -> int:
    """Append a copy of data row ``index``; return the spreadsheet row of the copy."""
    frame = read_csv(path)
    frame = pd.concat([frame, frame.iloc[[index]]], ignore_index=True)
    write_csv(frame, path)
    return len(frame) + 1


def rewrite_bytes(path: Path, change: Callable[[bytes], bytes]) -> None:
    path.write_bytes(change(path.read_bytes()))


# --- workbooks --------------------------------------------------------------------------


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name (``xl/worksheets/sheet2.xml``)."""
    workbook = book.read("xl/workbook.xml").decode()
    rels = book.read("xl/_rels/workbook.xml.rels").decode()
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
                   + [(rid, target) for target, rid in re.findall(
                       r'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)])
    parts = {}
    for name, rid in re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
        target = targets[rid].lstrip("/")
        parts[name] = target if target.startswith("xl/") else f"xl/{target}"
    return parts


def edit_workbook(path: Path, edits: dict[str, Callable[[str], str]]) -> None:
    """Rewrite parts of a workbook: ``edits`` maps a sheet name (or a part name) to a function
    of its XML text."""
    with zipfile.ZipFile(path) as book:
        parts = _sheet_parts(book)
        contents = {info.filename: book.read(info.filename) for info in book.infolist()}
    for name, change in edits.items():
        part = parts.get(name, name)
        contents[part] = change(contents[part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for part, data in contents.items():
            book.writestr(part, data)


def cell_ref(column_index: int, row: int) -> str:
    """``(3, 14)`` -> ``"D14"`` (column_index from 0)."""
    letters = ""
    number = column_index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return f"{letters}{row}"


def replace_cell(xml: str, ref: str, new_cell: str) -> str:
    """Replace the ``<c r="ref">`` element (which must exist) by ``new_cell``."""
    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*?/>|[^>]*?>.*?</c>)', re.S)
    replaced, count = pattern.subn(new_cell.replace("\\", "\\\\"), xml, count=1)
    assert count == 1, f"cell {ref} not found"
    return replaced


def number_cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="n"><v>{value}</v></c>'


def text_cell(ref: str, text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{escaped}</t></is></c>'


def formula_cell(ref: str, formula: str, cached: str | None = None) -> str:
    value = "" if cached is None else f"<v>{cached}</v>"
    return f'<c r="{ref}"><f>{formula}</f>{value}</c>'


def cell_value(xml: str, ref: str) -> str:
    """The raw ``<v>`` (or inline text) of a cell."""
    match = re.search(rf'<c r="{ref}"[^>]*?>(.*?)</c>', xml, re.S)
    assert match, f"cell {ref} not found"
    inner = match.group(1)
    found = re.search(r"<v>(.*?)</v>", inner) or re.search(r"<t[^>]*>(.*?)</t>", inner)
    return found.group(1) if found else ""


def set_dimension(xml: str, ref: str) -> str:
    return re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', xml, count=1)


def add_merge(xml: str, ref: str) -> str:
    merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
    return xml.replace("</sheetData>", "</sheetData>" + merge, 1)


def keep_rows(xml: str, last_row: int) -> str:
    """Drop every ``<row>`` after ``last_row``."""
    def keep(match: re.Match[str]) -> str:
        return match.group(0) if int(match.group(1)) <= last_row else ""

    return re.sub(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', keep, xml, flags=re.S)


def drop_sheet(path: Path, name: str) -> None:
    """Remove a sheet from the workbook's sheet list (its part stays, unreferenced)."""
    edit_workbook(path, {"xl/workbook.xml": lambda xml: re.sub(
        rf'<sheet [^>]*?name="{re.escape(name)}"[^>]*?/>', "", xml, count=1)})
