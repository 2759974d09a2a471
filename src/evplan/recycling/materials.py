r"""Material flows: retired packs to tonnes of each material, and the mass balance.

A pack of chemistry :math:`c` holds :math:`a_{c,m}` kg of material :math:`m` per kWh
(BatPaC intensities, ``materials.csv``) and weighs :math:`w_c` kg per kWh (``packs.csv``).
Its mass share of material :math:`m` is :math:`a_{c,m} / w_c`; the rest of the pack
(electrolyte, separator, binder, plastics, electronics, cathode oxygen) is the material
``other``, so that the shares of a chemistry sum to exactly one and

.. math:: \text{pack tonnes} = \sum_m \text{material tonnes}.

A process :math:`p` recovers the share :math:`r_{p,m}` of each material's input
(``recovery.csv``; ``other`` is never recovered), so for every flow

.. math:: \text{in}_m = \text{recovered}_m + \text{lost}_m, \quad
          \text{recovered}_m = r_{p,m}\,\text{in}_m

closes exactly, material by material.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.recycling.tables import MATERIALS, RecyclingInputs

__all__ = ["mass_balance", "mass_shares", "material_flows", "recovery_matrix"]


def mass_shares(inputs: RecyclingInputs) -> pd.DataFrame:
    """Mass share of each material in a tonne of pack: chemistry x material (rows sum to 1).

    Examples
    --------
    >>> import pandas as pd
    >>> from evplan.recycling.tables import load_inputs
    >>> retired = pd.DataFrame({"collection_point": ["EU"], "year": [2035],
    ...                         "chemistry": ["LFP"], "kwh": [1.0]})
    >>> shares = mass_shares(load_inputs(retired))
    >>> round(float(shares.loc["LFP"].sum()), 12)
    1.0
    """
    materials = inputs["materials"].pivot_table(index="chemistry", columns="material",
                                                values="kg_per_kwh", aggfunc="sum")
    materials = materials.reindex(columns=list(MATERIALS[:-1]), fill_value=0.0).fillna(0.0)
    pack = inputs["packs"].set_index("chemistry")["pack_kg_per_kwh"]
    materials = materials.reindex(pack.index, fill_value=0.0)
    shares = materials.div(pack, axis=0)
    shares["other"] = 1.0 - shares.sum(axis=1)
    shares.columns.name = "material"
    return shares


def recovery_matrix(inputs: RecyclingInputs) -> pd.DataFrame:
    """Recovered share per process x material (``other`` and missing rows: 0)."""
    matrix = inputs["recovery"].pivot_table(index="process", columns="material",
                                            values="recovery", aggfunc="first")
    processes = list(inputs["processes"]["process"])
    matrix = matrix.reindex(index=processes, columns=list(MATERIALS)).fillna(0.0)
    matrix.columns.name = "material"
    return matrix


def material_flows(retired: pd.DataFrame, shares: pd.DataFrame,
                   keys: tuple[str, ...] = ("collection_point", "year", "chemistry")
                   ) -> pd.DataFrame:
    """Tonnes of each material in retired packs (long: ``keys``, material, tonnes).

    ``retired`` carries ``chemistry`` and ``tonnes``; the tonnes of the materials of one row
    sum to its pack tonnes (``other`` closes the balance).
    """
    weights = shares.reindex(retired["chemistry"].to_numpy()).to_numpy()
    tonnes = retired["tonnes"].to_numpy()[:, None] * weights
    frame = pd.DataFrame(tonnes, columns=shares.columns)
    for key in keys:
        frame[key] = retired[key].to_numpy()
    long = frame.melt(id_vars=list(keys), var_name="material", value_name="tonnes")
    return long.sort_values([*keys, "material"], kind="stable").reset_index(drop=True)


def mass_balance(flows: pd.DataFrame, shares: pd.DataFrame, recovery: pd.DataFrame,
                 prices: pd.Series, keys: tuple[str, ...] = ("plant", "year")
                 ) -> pd.DataFrame:
    """Input, recovered and lost tonnes (and revenue) per ``keys`` and material.

    Parameters
    ----------
    flows : pandas.DataFrame
        ``keys``, ``process``, ``chemistry``, ``tonnes`` (pack tonnes processed).
    shares, recovery : pandas.DataFrame
        :func:`mass_shares` and :func:`recovery_matrix`.
    prices : pandas.Series
        USD per tonne by material (missing: 0).

    Returns
    -------
    pandas.DataFrame
        ``keys``, ``material``, ``input_tonnes``, ``recovered_tonnes``, ``lost_tonnes``,
        ``revenue_usd``; ``input = recovered + lost`` row by row.
    """
    materials = list(shares.columns)
    content = shares.reindex(flows["chemistry"].to_numpy()).to_numpy()
    rate = recovery.reindex(index=flows["process"].to_numpy(), columns=materials).fillna(
        0.0).to_numpy()
    tonnes = flows["tonnes"].to_numpy()[:, None]
    inflow = tonnes * content
    recovered = inflow * rate
    price = prices.reindex(materials).fillna(0.0).to_numpy()
    parts = {"input_tonnes": inflow, "recovered_tonnes": recovered,
             "lost_tonnes": inflow - recovered, "revenue_usd": recovered * price}
    n = len(flows)
    frame = pd.DataFrame({key: np.repeat(flows[key].to_numpy(), len(materials)) for key in keys})
    frame["material"] = np.tile(materials, n)
    for name, values in parts.items():
        frame[name] = values.ravel()
    out = frame.groupby([*keys, "material"], as_index=False, sort=True)[list(parts)].sum()
    return out
