"""Short summaries of a Result or NetworkData for the console and notebooks.

``repr(result)`` and ``repr(data)`` are about ten lines (what it is, status, objective,
years, tables and their sizes, how to get at the rest); ``_repr_html_`` is the same as an
HTML table, which Jupyter shows instead of the text.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import pandas as pd

__all__ = ["fit", "summary_html", "summary_text", "table_sizes", "years_text"]

WIDTH = 96  # characters per line of the text summary


def fit(parts: Sequence[str], limit: int, separator: str = " · ") -> str:
    """Join ``parts`` while they fit in ``limit`` characters, then ``… (N more)``."""
    text = ""
    for number, part in enumerate(parts):
        candidate = part if not text else f"{text}{separator}{part}"
        rest = len(parts) - number - 1
        tail = f" … ({rest} more)" if rest else ""
        if len(candidate) + len(tail) > limit and text:
            return f"{text} … ({len(parts) - number} more)"
        text = candidate
    return text


def table_sizes(tables: Mapping[str, pd.DataFrame], limit: int = WIDTH - 30) -> str:
    """``"production 1,024 · shipments 3,456 · … (5 more)"``: row counts, cut to ``limit``."""
    return fit([f"{name} {len(frame):,}" for name, frame in tables.items()], limit)


def summary_text(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """``title`` then one ``label  value`` line per row (values cut to one line), except the
    ``use`` row: the calls to copy, which continue on further lines, never cut in a call.

    Examples
    --------
    >>> text = summary_text("evplan.Result 'x'", [("use", ", ".join(["f(a, b)"] * 14))])
    >>> [len(line) <= WIDTH for line in text.splitlines()], text.count("f(a, b)")
    ([True, True, True], 14)
    """
    width = max((len(label) for label, _ in rows), default=0)
    room = WIDTH - width - 4
    lines = [title]
    for label, value in rows:
        if label == "use":
            calls = _calls(value, room)
            lines += [f"  {(label if number == 0 else '').ljust(width)}  {call}"
                      for number, call in enumerate(calls)]
            continue
        shown = value if len(value) <= room else value[:room - 1] + "…"
        lines.append(f"  {label.ljust(width)}  {shown}")
    return "\n".join(lines)


def _calls(value: str, room: int) -> list[str]:
    """``value`` (calls separated by ``", "`` outside brackets) in lines of at most ``room``
    characters where each call fits, a call never split."""
    calls, depth, start = [], 0, 0
    for position, char in enumerate(value):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if depth == 0 and value.startswith(", ", position):
            calls.append(value[start:position + 1])
            start = position + 2
    calls.append(value[start:])
    lines = [""]
    for call in calls:
        joined = f"{lines[-1]} {call}" if lines[-1] else call
        if len(joined) <= room or not lines[-1]:
            lines[-1] = joined
        else:
            lines.append(call)
    return lines


def summary_html(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """The same summary as a small HTML table (escaped)."""
    body = "".join(f"<tr><th style=\"text-align:left\">{html.escape(label)}</th>"
                   f"<td style=\"text-align:left\">{html.escape(value)}</td></tr>"
                   for label, value in rows)
    return (f"<div class=\"evplan-summary\"><strong>{html.escape(title)}</strong>"
            f"<table>{body}</table></div>")


def years_text(years: Sequence[int]) -> str:
    """``[2023, …, 2030]`` -> ``"2023–2030 (8 years)"``."""
    if not years:
        return "none"
    if len(years) == 1:
        return f"{years[0]} (1 year)"
    return f"{years[0]}–{years[-1]} ({len(years)} years)"
