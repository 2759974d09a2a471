"""The arguments every solver path hands :func:`evplan.verify.certify`, caught on the way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import evplan
import evplan.solve as solve


def certify_arguments(data: evplan.NetworkData) -> tuple[Callable[..., Any], tuple]:
    """Solve ``data`` and return (the real ``certify``, the arguments it was called with:
    data, result, model, run, index), so a test can alter the result and certify again."""
    seen: dict[str, tuple] = {}
    real = solve.certify

    def spy(*args: object, **kwargs: object) -> evplan.Result:
        seen["args"] = args
        return real(*args, **kwargs)

    solve.certify = spy  # type: ignore[assignment]
    try:
        evplan.optimize(data)
    finally:
        solve.certify = real  # type: ignore[assignment]
    return real, seen["args"]
