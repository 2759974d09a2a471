r"""Survival curves: the share of a vintage still on the road at a given age.

Two forms, as in the sources of the defaults:

* Weibull, :math:`S(t) = \exp(-(t/a)^b)` with scale :math:`a` and shape :math:`b`; mean
  life :math:`a\,\Gamma(1 + 1/b)` (Hao et al. 2011 for China; Oguchi & Fuse for Europe,
  given there by mean life, from which ``scale_years`` is derived).
* Logistic, :math:`S(t) = 1 - F(t)` with :math:`F(t) = 1/(1 + e^{-(t-\mu)/s})`,
  :math:`s = \sigma\sqrt{3}/\pi` (Busch et al.), renormalised so that :math:`S(0) = 1`.

A maximum age, when given, sets :math:`S(t) = 0` beyond it.

Timing convention (used by the stock model): a vintage sold during year :math:`v` is on
average half a year old at the end of :math:`v`, so the share in use at the end of year
:math:`y` is :math:`S(y - v + \tfrac12)`. With that midpoint convention a constant sales
rate :math:`q` reaches the steady state :math:`q \sum_{k \ge 0} S(k + \tfrac12) \approx
q \int_0^\infty S(t)\,dt = q \times` mean life.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["mean_life_years", "survival"]


def survival(curve: pd.DataFrame | pd.Series, age_years: np.ndarray) -> np.ndarray:
    r"""Evaluate survival curves at ages, vectorised over curves and ages.

    Parameters
    ----------
    curve : DataFrame or Series
        Rows of :func:`evplan.fleet.load_survival` (columns ``curve``, ``scale_years``,
        ``shape``, ``mean_years``, ``sd_years``, ``max_age_years``); a Series is one curve.
    age_years : numpy.ndarray
        Ages, any shape ``A``.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(curve),) + A`` for a DataFrame, ``A`` for a Series; values in [0, 1].

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> china = pd.Series({"curve": "weibull", "scale_years": 14.46, "shape": 4.79,
    ...                    "mean_years": np.nan, "sd_years": np.nan, "max_age_years": np.nan})
    >>> survival(china, np.array([10.0, 15.0, 20.0])).round(2)
    array([0.84, 0.3 , 0.01])
    """
    single = isinstance(curve, pd.Series)
    frame = pd.DataFrame([curve]) if isinstance(curve, pd.Series) else curve
    ages = np.asarray(age_years, dtype=float)
    expand = (slice(None),) + (None,) * ages.ndim

    def column(name: str) -> np.ndarray:
        values = pd.to_numeric(pd.Series(frame[name]), errors="coerce")
        return values.to_numpy(dtype=float)[expand]

    clipped = np.maximum(ages, 0.0)[None, ...]
    is_weibull = (frame["curve"].to_numpy() == "weibull")[expand]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        weibull = np.exp(-((clipped / column("scale_years")) ** column("shape")))
        spread = column("sd_years") * np.sqrt(3.0) / np.pi
        mean = column("mean_years")
        cdf = 1.0 / (1.0 + np.exp(-(clipped - mean) / spread))
        cdf_at_zero = 1.0 / (1.0 + np.exp(mean / spread))
        logistic = (1.0 - cdf) / (1.0 - cdf_at_zero)
    values = np.where(is_weibull, weibull, logistic)
    max_age = column("max_age_years")
    values = np.where(np.isfinite(max_age) & (clipped > max_age), 0.0, values)
    values = np.where(ages[None, ...] < 0, 1.0, values)
    values = np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0)
    return values[0] if single else values


def mean_life_years(curve: pd.DataFrame | pd.Series, step_years: float = 0.01,
                    horizon_years: float = 200.0) -> np.ndarray | float:
    r"""Mean life :math:`\int_0^\infty S(t)\,dt`, by the midpoint rule on a fine grid.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> china = pd.Series({"curve": "weibull", "scale_years": 14.46, "shape": 4.79,
    ...                    "mean_years": np.nan, "sd_years": np.nan, "max_age_years": np.nan})
    >>> round(float(mean_life_years(china)), 2)
    13.24
    """
    ages = np.arange(0.0, horizon_years, step_years) + step_years / 2
    values = survival(curve, ages)
    result = values.sum(axis=-1) * step_years
    return float(result) if np.ndim(result) == 0 else result
