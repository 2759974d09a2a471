r"""Erlang-C (M/M/c) queueing, vectorised and stable for thousands of ports.

With arrivals :math:`\lambda` per hour, mean service time :math:`1/\mu` hours, offered
load :math:`A = \lambda/\mu` (erlangs) and :math:`c` ports, :math:`\rho = A/c < 1`:

.. math::
    B(c, A) = \frac{A^c / c!}{\sum_{k=0}^{c} A^k / k!}
            = \frac{\Pr[\mathrm{Poisson}(A) = c]}{\Pr[\mathrm{Poisson}(A) \le c]}, \qquad
    C(c, A) = \frac{B}{1 - \rho\,(1 - B)}

:math:`C` is the probability that an arriving vehicle waits; the mean wait is
:math:`W_q = C / (c\mu - \lambda)`. :math:`B` is computed from Poisson log-pmf and
log-cdf (``scipy.stats.poisson``), so no factorial or power overflows, whatever
:math:`c`. The formula is the Erlang-B / Erlang-C identity; the textbook form is in
facts-charging-recycling.md section 2d [ErlangC].
"""

from __future__ import annotations

import numpy as np
from scipy.stats import poisson

__all__ = ["erlang_b", "erlang_c", "mean_wait_hours", "ports_needed"]


def erlang_b(ports: np.ndarray | float, load_erlangs: np.ndarray | float) -> np.ndarray:
    """Erlang-B blocking probability, elementwise (broadcasting).

    Examples
    --------
    >>> round(float(erlang_b(2, 1.0)), 4)
    0.2
    """
    ports_ = np.asarray(ports, dtype=float)
    load = np.asarray(load_erlangs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_b = poisson.logpmf(ports_, load) - poisson.logcdf(ports_, load)
    return np.where(load <= 0, 0.0, np.exp(log_b))


def erlang_c(ports: np.ndarray | float, load_erlangs: np.ndarray | float) -> np.ndarray:
    """Probability of waiting in an M/M/c queue; 1 where the queue is unstable (A >= c).

    Examples
    --------
    The worked example of the facts file: 6 arrivals per hour, 42 minutes each (A = 4.2).

    >>> erlang_c([5, 6, 7, 8], 4.2).round(3)
    array([0.634, 0.336, 0.165, 0.075])
    """
    ports_ = np.asarray(ports, dtype=float)
    load = np.asarray(load_erlangs, dtype=float)
    blocking = erlang_b(ports_, load)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(ports_ > 0, load / ports_, np.inf)
        waiting = blocking / (1.0 - rho * (1.0 - blocking))
    return np.where(load <= 0, 0.0, np.where(rho >= 1.0, 1.0, np.clip(waiting, 0.0, 1.0)))


def mean_wait_hours(ports: np.ndarray | float, arrivals_per_hour: np.ndarray | float,
                    service_hours: np.ndarray | float) -> np.ndarray:
    r"""Mean wait in queue :math:`W_q = C/(c\mu - \lambda)` in hours; inf when unstable.

    Examples
    --------
    >>> (mean_wait_hours([5, 6, 7, 8], 6.0, 0.7) * 60).round(1)
    array([33.3,  7.8,  2.5,  0.8])
    """
    ports_ = np.asarray(ports, dtype=float)
    arrivals = np.asarray(arrivals_per_hour, dtype=float)
    service = np.asarray(service_hours, dtype=float)
    load = arrivals * service
    waiting = erlang_c(ports_, load)
    with np.errstate(divide="ignore", invalid="ignore"):
        spare = ports_ / service - arrivals
        wait = np.where(spare > 0, waiting / spare, np.inf)
    return np.where(load <= 0, 0.0, wait)


def ports_needed(load_erlangs: np.ndarray | float, *, max_wait_probability: float | None = 0.2,
                 service_hours: np.ndarray | float = 1.0,
                 max_mean_wait_hours: float | None = None) -> np.ndarray:
    """Fewest ports meeting the targets, elementwise (0 where there is no load).

    The search starts at the stability bound :math:`\\lceil A \\rceil` (or
    :math:`\\lfloor A \\rfloor + 1`) and steps up only the elements still short, so its
    cost grows with the extra ports above the load, not with the load itself.

    Parameters
    ----------
    load_erlangs : array
        Offered load A = arrivals per hour x service hours.
    max_wait_probability : float or None
        Target probability that an arriving vehicle waits.
    service_hours : array
        Mean service time (needed for the mean-wait target).
    max_mean_wait_hours : float or None
        Target mean wait in queue.

    Examples
    --------
    >>> ports_needed(4.2, max_wait_probability=0.2).item()
    7
    >>> ports_needed(4.2, max_wait_probability=None, service_hours=0.7,
    ...              max_mean_wait_hours=5 / 60).item()
    7
    """
    load = np.atleast_1d(np.asarray(load_erlangs, dtype=float))
    service = np.broadcast_to(np.asarray(service_hours, dtype=float), load.shape)
    ports = np.where(load > 0, np.floor(load) + 1.0, 0.0)

    def short(candidate: np.ndarray, load: np.ndarray, service: np.ndarray) -> np.ndarray:
        miss = np.zeros(load.shape, dtype=bool)
        if max_wait_probability is not None:
            miss |= erlang_c(candidate, load) > max_wait_probability
        if max_mean_wait_hours is not None:
            miss |= mean_wait_hours(candidate, load / service, service) > max_mean_wait_hours
        return miss & (load > 0)

    pending = np.flatnonzero(short(ports, load, service))
    while pending.size:
        ports[pending] += 1.0
        pending = pending[short(ports[pending], load[pending], service[pending])]
    return ports.astype(np.int64).reshape(np.shape(load_erlangs))
