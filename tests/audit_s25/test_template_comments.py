"""The template workbook's header comments never read "blank means ." (helper-98)."""

from __future__ import annotations

from evplan.report.excel import _column_comment
from evplan.schema import TABLES


def test_an_empty_default_reads_may_be_blank() -> None:
    name = next(column for column in TABLES["plants"].columns if column.name == "name")
    assert name.default == ""
    assert "Optional; may be blank." in _column_comment(name)
    for table in TABLES.values():
        for column in table.columns:
            assert "blank means ." not in _column_comment(column), (table.name, column.name)
