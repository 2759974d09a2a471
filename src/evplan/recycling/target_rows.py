"""Rows of ``targets.csv`` whose material does not fit their kind of target."""

from __future__ import annotations

import pandas as pd

from evplan.data.columns import row_label
from evplan.errors import Problem
from evplan.schema import Table

__all__ = ["target_material_problems"]


def target_material_problems(table: Table, targets: pd.DataFrame, label: str) -> list[Problem]:
    """Recycling efficiency is of the whole pack (material ``'*'``); material recovery and
    recycled content name one material. Any other row is an input error: the model would
    read ``material_recovery`` of ``'*'`` as that of lithium (the first material) while
    ``compliance`` read it as the pack's efficiency, and a ``recycled_content`` row of
    ``'*'`` would silently count nothing.

    Examples
    --------
    >>> from evplan.recycling.tables import TARGET_TABLE
    >>> rows = pd.DataFrame({"row": [2], "target": ["material_recovery"], "material": ["*"],
    ...                      "from_year": [2031], "share": [0.95]})
    >>> print(target_material_problems(TARGET_TABLE, rows, "targets.csv")[0].message[:64])
    row 2, targets 'material_recovery/*/2031': material = '*', but m
    """
    whole = targets["material"].astype(str).eq("*")
    efficiency = targets["target"].astype(str).eq("recycling_efficiency")
    problems = []
    for index in targets.index[(efficiency & ~whole) | (~efficiency & whole)]:
        record = targets.loc[index]
        if efficiency[index]:
            text = (f"material = '{record['material']}', but recycling_efficiency is the "
                    "share of the whole pack's mass recovered. Write '*' as its material "
                    f"(or use target material_recovery for {record['material']}).")
        else:
            text = (f"material = '*', but {record['target']} is set per material. Write one "
                    "row per material (cobalt, nickel, copper, lithium, ...), or use target "
                    "recycling_efficiency for the whole pack.")
        problems.append(Problem(label, f"{row_label(table, targets, index)}: {text}",
                                int(record["row"])))
    return problems
