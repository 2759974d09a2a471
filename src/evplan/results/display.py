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
    """``title`` then one ``label  value`` line per row (values cut to one line)."""
    width = max((len(label) for label, _ in rows), default=0)
    lines = [title]
    for label, value in rows:
        room = WIDTH - width - 4
        shown = value if len(value) <= room else value[:room - 1] + "…"
        lines.append(f"  {label.ljust(width)}  {shown}")
    return "\n".join(lines)


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
