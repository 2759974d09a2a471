"""Every worker of a Dask cluster is counted, on each ``distributed`` version's API."""

from __future__ import annotations

import pytest

from evplan.dask_members import worker_addresses
from evplan.scenarios import runners


class _TruncatingClient:
    """A real client seen through distributed 2025.4-2026.6's ``scheduler_info``, which gave
    the first five workers unless asked for all (``n_workers=-1``)."""

    def __init__(self, client: object) -> None:
        self.client = client

    def scheduler_info(self, n_workers: int = 5) -> dict[str, object]:
        info = dict(self.client.scheduler_info())  # type: ignore[attr-defined]
        workers = sorted(info["workers"])  # type: ignore[call-overload]
        kept = workers if n_workers < 0 else workers[:n_workers]
        info["workers"] = {address: info["workers"][address] for address in kept}  # type: ignore[index]
        return info


class _OldClient:
    """``scheduler_info`` before 2025.4: no ``n_workers``, every worker."""

    def __init__(self, client: object) -> None:
        self.client = client

    def scheduler_info(self) -> dict[str, object]:
        return dict(self.client.scheduler_info())  # type: ignore[attr-defined]


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
def test_a_cluster_of_six_workers_counts_six_on_every_api() -> None:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=6, processes=False, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(6)
        addresses = set(cluster.scheduler.workers)
        assert len(addresses) == 6
        assert worker_addresses(client) == addresses
        assert worker_addresses(_OldClient(client)) == addresses
        assert len(_TruncatingClient(client).scheduler_info()["workers"]) == 5  # type: ignore[arg-type]
        assert worker_addresses(_TruncatingClient(client)) == addresses
        assert runners._members(_TruncatingClient(client)) == addresses  # what a study uses
