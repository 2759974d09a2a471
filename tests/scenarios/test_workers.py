"""One warm model per worker: a warm model travels as a state, workers record their cases,
the sweep's inputs are hashed once, and patching never touches the base tables."""

from __future__ import annotations

import dataclasses
import multiprocessing
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.examples import china_export
from evplan.scenarios import WarmModel, apply_patches, catalog_for, grid_cases, run_sweep
from evplan.scenarios.overrides import Patch
from evplan.scenarios.worker import Solver
from evplan.schema import COMPLIANCE_TABLES
from evplan.store import ResultsStore, inputs_hash, table_hash_parts

GRID = {"eu-bev-cvd": [0.0, 0.5], "freight": [0.8, 1.6]}


@pytest.fixture(scope="module")
def data() -> NetworkData:
    """china-export without its CO2 and ZEV rules: the linopy-free worker path."""
    base = china_export()
    tables = {name: frame.drop(columns="row") for name, frame in base.tables.items()}
    for name in COMPLIANCE_TABLES:
        tables[name] = tables[name].iloc[0:0]
    # Same origin: the sweep's catalog is china-export's scenarios.yaml.
    return dataclasses.replace(validate_tables(tables, base.scenario), origin=base.origin)


def test_a_state_with_compliance_rules_travels_without_linopy() -> None:
    # With CO2 and ZEV rules the state carries the rules' costs, the compliance tables'
    # layout, KPI rows and check joins: the worker builds no linopy model and solves every
    # case warm like a cold build, its compliance tables equal to the sender's.
    base = china_export()
    sender = WarmModel(base)
    travelled = WarmModel.from_state(pickle.loads(pickle.dumps(sender.state())))
    case = grid_cases(catalog_for(base), GRID)[1]
    changed = apply_patches(base, case.patches).data
    hot = travelled.solve(changed)
    assert travelled.model is None
    assert hot.metadata["solve_mode"] == "warm"
    assert hot.metadata["compliance_check"] == "passed"
    assert hot.objective_usd == pytest.approx(evplan.optimize(changed).objective_usd, rel=1e-9)
    here = sender.solve(changed)
    for name in ("zev_compliance", "co2_by_year", "fleet_compliance"):
        pd.testing.assert_frame_equal(hot[name], here[name])
    pd.testing.assert_frame_equal(hot.kpis, here.kpis)


@pytest.fixture(scope="module")
def warm(data: NetworkData) -> WarmModel:
    return WarmModel(data)


def test_a_warm_model_from_its_state_solves_like_a_cold_build(data: NetworkData,
                                                              warm: WarmModel) -> None:
    state = pickle.loads(pickle.dumps(warm.state()))
    travelled = WarmModel.from_state(state)
    assert travelled.model is None and travelled.result_templates is not None
    for case in grid_cases(catalog_for(data), GRID)[:2]:
        changed = apply_patches(data, case.patches).data
        hot = travelled.solve(changed)
        cold = evplan.optimize(changed)
        assert hot.metadata["solve_mode"] == "warm"
        assert hot.objective_usd == pytest.approx(cold.objective_usd, rel=1e-9)
        # The LP has ties: a warm start may land on another optimal vertex, so compare
        # what every optimum shares (as tests/scenarios/test_warm.py does).
        for kpi in ("margin", "global_sales", "duties_paid"):
            assert hot.kpis.loc[hot.kpis["kpi"] == kpi, "value"].sum() == pytest.approx(
                cold.kpis.loc[cold.kpis["kpi"] == kpi, "value"].sum(), rel=1e-6, abs=1e-3)
        assert {name: list(frame.columns) for name, frame in hot.tables.items()} == {
            name: list(frame.columns) for name, frame in cold.tables.items()}
        assert [len(frame) for frame in hot.tables.values()] == [
            len(frame) for frame in cold.tables.values()]


def _solve_in_a_fresh_process(state: object, case: object, folder: Path) -> list[str]:
    """Solve ``case`` on ``state`` in a new interpreter; its objective, mode and heavy imports."""
    state_file = folder / "state.pickle"
    state_file.write_bytes(pickle.dumps(state))
    code = f"""
import pickle, sys
from evplan.scenarios.worker import Solver
from evplan.scenarios.cases import Case
from evplan.scenarios.overrides import Patch
solver = Solver.of_state(pickle.loads(open({str(state_file)!r}, "rb").read()))
case = pickle.loads({pickle.dumps(case)!r})
outcome, = solver.solve([case], stored=False)
print(repr(outcome.objective_usd), outcome.metadata["solve_mode"])
print(sorted(m for m in ("linopy", "xarray", "polars", "scipy", "dask") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_case_carries_its_overrides_and_inputs_hash_only_for_the_store(
        data: NetworkData, warm: WarmModel) -> None:
    # Only the store reads them; a demand scale's overrides list every row it changed
    # (18 KB a case), which workers sent back for nothing when no store kept them.
    case = grid_cases(catalog_for(data), {"demand": [1.1]})[0]
    applied = apply_patches(data, case.patches, case.label)
    solver = Solver(data, warm)
    kept, = solver.solve([case], stored=True)
    assert kept.overrides == applied.overrides and len(kept.overrides[0]["rows"]) > 100
    assert kept.inputs_hash == inputs_hash(applied.data)
    sent, = solver.solve([case], stored=False)
    assert sent.overrides == () and sent.inputs_hash == ""
    pd.testing.assert_frame_equal(sent.kpis, kept.kpis)


def _stored_overrides(store: ResultsStore, frame: pd.DataFrame) -> dict[str, object]:
    """Each case label's resolved overrides as the store holds them."""
    return {label: store.run(run_id)["overrides"]
            for label, run_id in zip(frame["label"], frame["run_id"], strict=True)}


def test_a_worker_solves_from_the_state_without_linopy(data: NetworkData, warm: WarmModel,
                                                       tmp_path: Path) -> None:
    case = grid_cases(catalog_for(data), GRID)[3]
    expected = evplan.optimize(apply_patches(data, case.patches).data).objective_usd
    lines = _solve_in_a_fresh_process(warm.state(), case, tmp_path)
    objective, mode = lines[0].split()
    assert float(objective) == pytest.approx(expected, rel=1e-9) and mode == "warm"
    assert lines[1] == "[]"


def test_a_worker_with_compliance_rules_imports_no_linopy(tmp_path: Path) -> None:
    # The rules' tables, KPIs and check travel ready in the state; importing what they need
    # must not pull linopy (with its xarray, polars and scipy: about 0.5 s CPU per worker).
    base = china_export()
    case = grid_cases(catalog_for(base), GRID)[2]
    expected = evplan.optimize(apply_patches(base, case.patches).data).objective_usd
    lines = _solve_in_a_fresh_process(WarmModel(base).state(), case, tmp_path)
    objective, mode = lines[0].split()
    assert float(objective) == pytest.approx(expected, rel=1e-9) and mode == "warm"
    assert lines[1] == "[]"


def test_inputs_hash_of_a_case_reads_only_its_changed_tables(data: NetworkData) -> None:
    known = table_hash_parts(data)
    for case in grid_cases(catalog_for(data), GRID):
        changed = apply_patches(data, case.patches).data
        assert inputs_hash(changed, known) == inputs_hash(changed)
    assert inputs_hash(data, known) == inputs_hash(data)
    assert Solver(data, WarmModel(evplan.examples.single_lane())).key == inputs_hash(data)


def test_patching_leaves_the_base_tables_as_they_were(data: NetworkData) -> None:
    before = {name: frame.copy(deep=True) for name, frame in data.tables.items()}
    patches = [
        Patch("routes", scale={"freight_usd_per_vehicle": 2.0}),
        Patch("plants", where={"plant": (data.plants["plant"].iloc[0],)},
              set={"capacity_vehicles_per_year": 1.0, "min_utilisation": 0.0}),
        Patch("duties", where={"origin": ("CN",)}, set={"ad_valorem_rate": 0.3}),
        Patch("demand", scale={"volume_vehicles": 0.5}),
        Patch("routes", where={"market": ("EU",)}, set={"first_year": 2025}),
    ]
    changed = apply_patches(data, patches).data
    assert not changed["routes"].equals(data["routes"])
    for name, frame in data.tables.items():
        pd.testing.assert_frame_equal(frame, before[name])


@pytest.fixture(scope="module")
def serial_store(data: NetworkData, tmp_path_factory: pytest.TempPathFactory
                 ) -> tuple[ResultsStore, pd.DataFrame]:
    store = ResultsStore(tmp_path_factory.mktemp("serial") / "evplan.duckdb")
    return store, evplan.sweep(GRID, data, workers=1, store=store)


def _first_shipments(store: ResultsStore, frame: pd.DataFrame, label: str) -> pd.DataFrame:
    run_id = frame.loc[frame["label"] == label, "run_id"].iloc[0]
    return store.table(run_id, "shipments").drop(columns=["run_id"], errors="ignore")


def _same_plan(shipments: pd.DataFrame, reference: pd.DataFrame) -> None:
    """The same rows and keys, and the totals every optimal vertex shares."""
    keys = ["plant", "program", "market", "year"]
    assert len(shipments) == len(reference)
    assert shipments[keys].astype(str).equals(reference[keys].astype(str))
    assert shipments["full_duty_usd_per_vehicle"].to_numpy() == pytest.approx(
        reference["full_duty_usd_per_vehicle"].to_numpy())
    by_year = ["shipment_vehicles", "duty_usd"]
    assert shipments.groupby("year")[by_year].sum().to_numpy() == pytest.approx(
        reference.groupby("year")[by_year].sum().to_numpy(), rel=1e-6)


@pytest.mark.slow
def test_local_workers_record_their_cases_with_tables(
        data: NetworkData, serial_store: tuple[ResultsStore, pd.DataFrame],
        tmp_path: Path) -> None:
    serial, serial_frame = serial_store
    store = ResultsStore(tmp_path / "evplan.duckdb")
    study = run_sweep(GRID, data, workers=2, store=store)
    assert study.workers == 2 and set(study.cases["status"]) == {"optimal"}
    assert study.worker_cpu_seconds > 0 and study.cpu_seconds > study.worker_cpu_seconds
    runs = store.runs(study.batch_id)
    assert len(runs) == 4 and set(runs["run_id"]) == set(study.cases["run_id"])
    assert all(inputs for inputs in runs["inputs_hash"])
    label = study.cases["label"].iloc[0]
    _same_plan(_first_shipments(store, study.kpis, label),
               _first_shipments(serial, serial_frame, label))
    assert set(runs["inputs_hash"]) == set(serial.runs(serial_frame.attrs["batch_id"])[
        "inputs_hash"])
    overrides = _stored_overrides(store, study.cases)  # recorded by the child or by this one
    assert overrides == _stored_overrides(serial, serial_frame.drop_duplicates("label"))
    assert all(overrides.values())


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
def test_dask_workers_send_numbers_and_this_process_records_the_tables(
        data: NetworkData, serial_store: tuple[ResultsStore, pd.DataFrame],
        tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    serial, serial_frame = serial_store
    store = ResultsStore(tmp_path / "evplan.duckdb")
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        study = run_sweep(GRID, data, scheduler=client, store=store)
        assert not any(name.startswith("evplan-warm-") for plugins in client.run(
            lambda dask_worker: list(dask_worker.plugins)).values() for name in plugins)
    assert study.workers == 2 and len(store.runs(study.batch_id)) == 4
    assert study.worker_cpu_seconds > 0
    overrides = _stored_overrides(store, study.cases)
    assert overrides == _stored_overrides(serial, serial_frame.drop_duplicates("label"))
    assert all(overrides.values())
    label = study.cases["label"].iloc[-1]
    _same_plan(_first_shipments(store, study.kpis, label),
               _first_shipments(serial, serial_frame, label))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
def test_a_dask_worker_that_joins_mid_study_takes_a_stretch_and_every_case_is_solved_once(
        data: NetworkData, monkeypatch: pytest.MonkeyPatch) -> None:
    import dask
    from distributed import Client, LocalCluster

    from evplan.scenarios import runners

    monkeypatch.setattr(runners, "MEMBERS_EVERY_S", 0.2)  # look at the members often
    catalog = catalog_for(data)
    cases = grid_cases(catalog, {"eu-bev-cvd": [0.0, 0.2, 0.4, 0.6], "freight": [0.8, 1.0, 1.2,
                                                                                 1.4, 1.6, 1.8]})
    warm = WarmModel(data)
    state, key = warm.state(), Solver(data, warm).key
    # Dask's own work stealing off: only the study can give the new worker its chunks.
    with dask.config.set({"distributed.scheduler.work-stealing": False}), LocalCluster(
            n_workers=1, processes=True, threads_per_worker=1, host="127.0.0.1",
            dashboard_address=None) as cluster, Client(cluster) as client:
        runner = runners._dask(key, state, cases, 2, False, False, client)
        chunks = [next(runner)]  # the one worker holds the other chunk of its two
        cluster.scale(2)
        client.wait_for_workers(2, timeout=120)
        chunks.extend(runner)
    solved = sorted(outcome.case.number for chunk in chunks for outcome in chunk.outcomes)
    assert solved == sorted(case.number for case in cases)
    assert len({chunk.pid for chunk in chunks}) == 2  # the worker that joined solved some
    assert {outcome.status for chunk in chunks for outcome in chunk.outcomes} == {"optimal"}


def _dask_study_cases(data: NetworkData) -> tuple[list, str, object]:
    cases = grid_cases(catalog_for(data), {"eu-bev-cvd": [0.0, 0.2, 0.4, 0.6],
                                           "freight": [0.8, 1.2, 1.6]})
    warm = WarmModel(data)
    return cases, Solver(data, warm).key, warm.state()


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
def test_a_dask_study_on_a_cluster_without_workers_yet_runs_on_the_first_that_joins(
        data: NetworkData, monkeypatch: pytest.MonkeyPatch) -> None:
    # No worker at the start: the chunks wait for one (a loose restriction without a
    # worker was refused by Dask: "Only use allow_other_workers= if using workers=").
    from distributed import Client, LocalCluster

    from evplan.scenarios import runners

    # Until one joins, the study says once that it waits (it waited silently).
    monkeypatch.setattr(runners, "MEMBERS_EVERY_S", 0.2)
    monkeypatch.setattr(runners, "NO_WORKER_WARN_S", 0.3)
    cases, key, state = _dask_study_cases(data)
    with LocalCluster(n_workers=0, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        runner = runners._dask(key, state, cases, 2, False, False, client)
        timer = threading.Timer(1.5, cluster.scale, (1,))
        timer.start()
        try:
            with pytest.warns(RuntimeWarning, match="has had no worker for 0.3 s") as said:
                chunks = list(runner)
        finally:
            timer.join()
    waits = [w for w in said if "no worker" in str(w.message)]
    assert len(waits) == 1 and cluster.scheduler_address in str(waits[0].message)
    solved = sorted(outcome.case.number for chunk in chunks for outcome in chunk.outcomes)
    assert solved == [case.number for case in cases]


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
def test_a_dask_study_whose_workers_all_leave_ends_on_one_that_joins_each_case_once(
        data: NetworkData, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every worker leaves mid-study, then another joins: the chunks held for the ones that
    # left are handed out again without a restriction (Dask left them waiting for the
    # workers that had gone, and the study hung), and every case comes back once.
    from distributed import Client, LocalCluster

    from evplan.scenarios import runners

    monkeypatch.setattr(runners, "MEMBERS_EVERY_S", 0.2)
    cases, key, state = _dask_study_cases(data)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        runner = runners._dask(key, state, cases, 1, False, False, client)
        chunks = [next(runner)]
        cluster.scale(0)
        while client.scheduler_info()["workers"]:
            time.sleep(0.1)
        timer = threading.Timer(1.0, cluster.scale, (1,))
        timer.start()
        try:
            chunks.extend(runner)
        finally:
            timer.join()
    solved = sorted(outcome.case.number for chunk in chunks for outcome in chunk.outcomes)
    assert solved == [case.number for case in cases]
    assert {outcome.status for chunk in chunks for outcome in chunk.outcomes} == {"optimal"}


@pytest.mark.slow
def test_this_process_and_two_children_share_the_chunks_and_record_each_case_once(
        data: NetworkData, tmp_path: Path) -> None:
    # --workers 3: this process takes one-case chunks from the end of the list while two
    # children take them from the front; every case is solved and recorded exactly once.
    grid = {"eu-bev-cvd": [0.0, 0.25, 0.5], "freight": [0.8, 1.2, 1.6]}
    serial = run_sweep(grid, data, workers=1)
    store = ResultsStore(tmp_path / "evplan.duckdb")
    study = run_sweep(grid, data, workers=3, store=store, chunk_size=1)
    assert study.workers == 3 and set(study.cases["status"]) == {"optimal"}
    assert sorted(study.cases["case"]) == sorted(serial.cases["case"])
    assert study.cases["case"].is_unique and len(study.cases) == 9
    assert study.cases.sort_values("case")["objective_usd"].to_numpy() == pytest.approx(
        serial.cases.sort_values("case")["objective_usd"].to_numpy(), rel=1e-9)
    runs = store.runs(study.batch_id)
    assert len(runs) == 9 and set(runs["run_id"]) == set(study.cases["run_id"])


def test_the_fork_server_starts_with_ctrl_c_blocked_and_none_is_lost(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The fork server (and so every worker) is spawned while SIGINT is blocked in the
    spawning thread, so only the sweep's process acts on a terminal's Ctrl-C; the sweep's
    own handler is left alone, and a Ctrl-C that reaches its thread in that moment is
    raised once the block is lifted, not lost (an earlier version set SIG_IGN meanwhile: a
    sweep signalled the moment its fork server appeared ran to the end and exited 0)."""
    from multiprocessing import forkserver, resource_tracker

    from evplan.scenarios import forkserver as fork_server

    seen: list[object] = []

    def tracker() -> None:  # its spawn unblocks SIGINT (bpo-33613): it must come first
        seen.append("tracker")

    def spawn() -> None:  # stands in for spawning the server: the Ctrl-C comes meanwhile
        seen.append((signal.getsignal(signal.SIGINT),
                     signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())))
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    monkeypatch.setattr(resource_tracker, "ensure_running", tracker)
    monkeypatch.setattr(forkserver, "ensure_running", spawn)
    monkeypatch.setattr(fork_server, "pool_context",
                        lambda: multiprocessing.get_context("forkserver"))
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own
    try:
        with pytest.raises(KeyboardInterrupt):
            fork_server.start_fork_server()
            for _ in range(1000):  # a handled signal is raised between bytecodes
                pass
        assert seen == ["tracker", (signal.default_int_handler, True)]
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    finally:
        signal.signal(signal.SIGINT, before)


def test_the_fork_server_started_off_the_main_thread_has_ctrl_c_blocked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """From another thread (a notebook's, a web server's) the same: the spawning thread's
    signal mask, which the server inherits, blocks SIGINT; it is lifted after."""
    from multiprocessing import forkserver, resource_tracker

    from evplan.scenarios import forkserver as fork_server

    seen = []

    def spawn() -> None:
        seen.append(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set()))

    monkeypatch.setattr(resource_tracker, "ensure_running", lambda: None)
    monkeypatch.setattr(forkserver, "ensure_running", spawn)
    monkeypatch.setattr(fork_server, "pool_context",
                        lambda: multiprocessing.get_context("forkserver"))
    after = []

    def start() -> None:
        fork_server.start_fork_server()
        after.append(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set()))

    thread = threading.Thread(target=start)
    thread.start()
    thread.join(timeout=60)
    assert seen == [True] and after == [False]
