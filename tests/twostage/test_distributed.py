"""The extensive form with its scenario models on a real Dask cluster (loopback).

Builds, the expected-value plan's completions, the checks of the stochastic plan, the
wait-and-see and regret solves run on two worker processes; the extensive form is solved
in the test process. Every number must equal the serial run's.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.errors import InfeasibleError, InputError
from evplan.examples import random_strategic_network, strategic_lane
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage.hedging import study_client

from .test_bruteforce import _catalog
from .test_hedging import demand_study_inputs

EXACT = evplan.SolverOptions(mip_gap=1e-9)


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
@pytest.mark.slow
def test_two_workers_give_the_serial_study() -> None:
    data = random_strategic_network(4, features=("plants",))  # E + 2 x CVaR
    catalog = _catalog(4)
    serial = evplan.stochastic(data, "random", EXACT, catalog=catalog)
    with study_client(workers=2) as client:
        spread = evplan.stochastic(data, "random", EXACT, catalog=catalog, client=client)
    assert spread.metadata["workers"] == 2 and serial.metadata["workers"] == 1
    assert spread.metadata["plan_from"] == serial.metadata["plan_from"]
    assert spread.objective_usd == pytest.approx(serial.objective_usd, rel=1e-9)
    assert spread.evpi_usd == pytest.approx(serial.evpi_usd, rel=1e-9, abs=1e-3)
    assert spread.vss_usd == pytest.approx(serial.vss_usd, rel=1e-9, abs=1e-3)
    assert spread.first_stage["value"].tolist() == serial.first_stage["value"].tolist()
    pd.testing.assert_frame_equal(spread.scenarios, serial.scenarios, rtol=1e-9)
    pd.testing.assert_frame_equal(spread.regret, serial.regret, rtol=1e-9)
    assert list(spread.results) == list(serial.results)
    for name, result in spread.results.items():  # checked on the workers, whole Results back
        assert result.objective_usd == pytest.approx(serial.results[name].objective_usd,
                                                     rel=1e-9)
        assert list(result) == list(serial.results[name])
        pd.testing.assert_frame_equal(result.kpis, serial.results[name].kpis, rtol=1e-9)
    assert spread.metadata["overrides"] == serial.metadata["overrides"]


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
def test_a_scenario_without_a_plan_is_explained_by_the_worker_that_holds_it() -> None:
    """Before: "scenario 'both' has no feasible plan even on its own; run the study without
    --workers to see what binds" (its model lives on a worker). Now the worker explains it,
    in the same words as the serial study."""
    from .test_infeasible import BOTH_BINDS, _data, both_catalog

    with study_client(workers=2) as client, pytest.raises(InfeasibleError) as caught:
        evplan.stochastic(_data(), "s", EXACT, catalog=both_catalog(), client=client)
    lines = caught.value.explanations
    assert lines[0] == "study 's' is infeasible."
    assert len(lines) == 2 and lines[1].startswith(BOTH_BINDS)


def test_minimax_regret_with_workers_is_refused() -> None:
    catalog = parse_catalog({"studies": {"s": {"risk": {"objective": "minimax-regret"},
                                               "scenarios": {"a": {"probability": 1}}}}})
    with pytest.raises(InputError) as caught:
        evplan.stochastic(strategic_lane(), "s", catalog=catalog, client=object())
    assert caught.value.problems[0].message == (
        "study 's' minimises the worst regret, which runs in this process; drop --workers "
        "and --scheduler.")


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_cli_extensive_form_on_two_workers(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    inputs = demand_study_inputs(tmp_path)
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "stochastic", "demand",
                           str(inputs), "--workers", "2", "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective_usd"] == pytest.approx(2.59e6)
    assert summary["metadata"]["workers"] == 2
    refused = subprocess.run([sys.executable, "-m", "evplan.cli", "stochastic", "demand",
                              str(inputs), "--workers", "2", "--objective", "minimax-regret"],
                             capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert refused.returncode == 64  # a usage error (EX_USAGE), like other refused options
    assert "runs in this process" in refused.stderr + refused.stdout


def test_a_scheduler_without_workers_is_an_input_error() -> None:
    from evplan.twostage.hedging import start_shards

    class NoWorkers:
        def scheduler_info(self) -> dict[str, dict[str, object]]:
            return {"workers": {}}

    with pytest.raises(InputError) as caught:
        start_shards(NoWorkers(), strategic_lane(), [], None, EXACT)
    assert caught.value.problems[0].message.startswith(
        "the Dask scheduler has no workers.")


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
@pytest.mark.slow
def test_a_ctrl_c_quietens_the_local_cluster_only_while_it_closes() -> None:
    """After a KeyboardInterrupt in the study, the local cluster closes without Dask's log
    of what it cancelled, and Dask's loggers are left as they were ('distributed' and
    'distributed.client', which has a level and handler of its own; a notebook goes on
    after a Ctrl-C)."""
    dask_log, client_log = logging.getLogger("distributed"), logging.getLogger(
        "distributed.client")
    levels = (dask_log.level, client_log.level)
    dask_log.setLevel(logging.INFO)
    client_log.setLevel(logging.WARNING)
    try:
        with pytest.raises(KeyboardInterrupt):
            with study_client(workers=2) as client:
                assert len(client.scheduler_info()["workers"]) == 2
                raise KeyboardInterrupt
        assert (dask_log.level, client_log.level) == (logging.INFO, logging.WARNING)
    finally:
        dask_log.setLevel(levels[0])
        client_log.setLevel(levels[1])


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
def test_the_local_cluster_keeps_freed_memory_unless_the_user_chose_a_threshold(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """evplan's own local cluster starts its workers with a 128 MiB malloc trim threshold
    (Dask's 64 KiB costs a warm case about 16 % more CPU); a threshold the user chose in
    Dask's configuration or in the environment is kept. (Dask's nanny also sets the
    variable in this process's environment, so each cluster starts from a clean one.)"""
    import os

    import dask

    from evplan.dask_local import WORKER_MALLOC_TRIM_BYTES

    key = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"

    def thresholds(client: object) -> set[str | None]:
        return set(client.run(  # type: ignore[attr-defined]
            lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_")).values())

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with study_client(workers=2) as client:
        assert thresholds(client) == {str(WORKER_MALLOC_TRIM_BYTES)}
        # the quieter background of evplan.dask_local, on the workers and the scheduler
        ticks = client.run(lambda: dask.config.get("distributed.admin.tick.interval"))
        assert set(ticks.values()) == {"1s"}
        monitor = client.run_on_scheduler(
            lambda: dask.config.get("distributed.admin.system-monitor.interval"))
        assert monitor == "5s"
        profiling = client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
        assert set(profiling.values()) == {False}
    with dask.config.set({"distributed.admin.tick.interval": "40ms"}), \
            study_client(workers=2) as client:
        ticks = client.run(lambda: dask.config.get("distributed.admin.tick.interval"))
        assert set(ticks.values()) == {"40ms"}  # the user's choice is kept
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with dask.config.set({key: 4096}), study_client(workers=2) as client:
        assert thresholds(client) == {"4096"}
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "8192")
    with study_client(workers=2) as client:
        assert thresholds(client) == {"8192"}
    assert dask.config.get(key) == 65536  # this process's configuration is as it was
