"""Audit s22 (helper-73): the china-export calibration figures docs/validation.md prints."""

from __future__ import annotations

import re
from pathlib import Path

from evplan.calibration import calibrate, read_calibration_inputs
from evplan.examples import china_export, china_export_path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wedges_docs_quote_are_what_calibrate_prints() -> None:
    """docs/validation.md: "every market's residual is 0 (the identity); the volume-weighted
    wedges run from -7.8 % (Brazil) to +12.1 % (GCC) of the net price over the 19 markets it
    prints (US +5.1 %, China +8.3 %, Japan -0.1 %, EU +7.4 %, GCC +12.1 %, Brazil -7.8 %)"."""
    docs = " ".join((ROOT / "docs" / "validation.md").read_text(encoding="utf-8").split())
    quoted = re.search(r"run from (\S+) % \(Brazil\) to (\S+) % \(GCC\) of the net price over "
                       r"the (\d+) markets it prints \(US (\S+) %, China (\S+) %, Japan (\S+) "
                       r"%, EU (\S+) %", docs.replace("\u2212", "-"))
    assert quoted is not None
    data = china_export()
    inputs = read_calibration_inputs(china_export_path(), actuals=False, data=data)
    fit = calibrate(data, inputs.base_demand, inputs.elasticities).fit.set_index("market")
    share = (fit["wedge_share_of_price"] * 100).round(1)
    assert fit["residual_vehicles"].abs().max() < 1e-6
    shown = [f"{share[m]:+.1f}" for m in ("BR", "GCC")]
    assert [quoted.group(1), quoted.group(2)] == shown
    assert share.idxmin() == "BR" and share.idxmax() == "GCC"
    assert int(quoted.group(3)) == len(fit) == 19
    assert list(quoted.groups()[3:]) == [f"{share[m]:+.1f}" for m in ("US", "CN", "JP", "EU")]
