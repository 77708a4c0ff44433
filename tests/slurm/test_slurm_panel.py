"""The GPUs screen's Slurm panel and `gpus --slurm` against the real test cluster (2 fake GPUs).

One job holds a GPU and another waits for two, so the cluster shows 1 of 2 GPUs free and a
pending job with Slurm's reason, the picture a user on a login node would check.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tests.core.gpus.servers import fake_server
from tests.core.jobs.helpers import cli
from tests.slurm.cluster import GPUS, Cluster
from tests.tui.waiting import until
from tests.waiting import wait_until
from vocseg_tui.core.project import Project
from vocseg_tui.core.slurm import SlurmError as ClusterUnavailable
from vocseg_tui.core.slurm.cluster import ClusterView, QueuedJob, read_cluster
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.gpus import GPUsScreen

pytestmark = pytest.mark.slow
__all__ = ["fake_server"]


def sbatch(*args: str) -> str:
    done = subprocess.run(["sbatch", "--parsable", *args, "--output=/dev/null", "--wrap", "sleep 300"],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def by_id(view: ClusterView, job_id: str) -> QueuedJob:
    return next(job for job in view.jobs if job.job_id == job_id)


@pytest.fixture(scope="module")
def busy(slurm: Cluster) -> Iterator[tuple[str, str]]:
    """(holding, waiting): a running job with 1 GPU and a pending one that wants both."""
    holding = sbatch("--job-name=vocseg-hold", "--gres=gpu:1")
    waiting = sbatch("--job-name=other-wait", "--gres=gpu:2")
    try:
        def settled() -> bool:
            view = read_cluster()
            return by_id(view, holding).state == "RUNNING" and by_id(view, waiting).reason == "Resources"

        wait_until(settled, 30, "the holding job running and the other pending on Resources", interval=0.2)
        yield holding, waiting
    finally:
        subprocess.run(["scancel", holding, waiting], check=False)


def test_sinfo_and_squeue_show_free_gpus_and_the_queue(busy: tuple[str, str]) -> None:
    holding, waiting = busy
    view = read_cluster()
    [partition] = view.partitions
    [node] = partition.nodes
    assert (partition.name, node.name) == ("debug", socket.gethostname())
    assert (node.gpus_total, node.gpus_used, node.gpus_free) == (GPUS, 1, 1)
    assert view.gpus_free == partition.most_free_on_a_node == 1
    running, pending = by_id(view, holding), by_id(view, waiting)
    assert (running.state, running.gpus, running.nodelist, running.is_vocseg) == \
        ("RUNNING", 1, node.name, True)
    assert (pending.state, pending.gpus, pending.reason, pending.is_vocseg) == \
        ("PENDING", 2, "Resources", False)


def test_a_drained_node_offers_no_free_gpus(busy: tuple[str, str]) -> None:
    host = socket.gethostname()
    subprocess.run(["scontrol", "update", f"nodename={host}", "state=drain", "reason=disk swap"],
                   check=True)
    try:
        [node] = read_cluster().partitions[0].nodes
        assert node.state.startswith("drain") and node.reason == "disk swap"
        assert (node.usable, node.gpus_free, node.gpus_total) == (False, 0, GPUS)
    finally:
        subprocess.run(["scontrol", "update", f"nodename={host}", "state=resume"], check=True)
    # just after resume the node reads `mixed*` (not responding yet): still nothing free
    wait_until(lambda: read_cluster().partitions[0].nodes[0].usable, 10, "the resumed node usable again")
    assert read_cluster().gpus_free == 1


def test_cli_json_and_text(busy: tuple[str, str], tmp_path: Path) -> None:
    holding, waiting = busy
    document = json.loads(cli("gpus", "--slurm", "--json", cwd=tmp_path).stdout)
    assert document["schema"] == 1 and document["gpus_free"] == 1 and document["gpus_total"] == GPUS
    assert document["partitions"][0]["nodes"][0]["gpus_free"] == 1
    jobs = {job["job_id"]: job for job in document["jobs"]}
    assert jobs[holding]["vocseg"] and jobs[waiting]["reason"] == "Resources"
    text = cli("gpus", "--slurm", cwd=tmp_path).stdout
    assert "1 of 2 GPUs free" in text and "Resources" in text and "vocseg-hold" in text


def test_unreachable_controller_and_missing_conf_are_one_error_with_a_hint(
        slurm: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = tmp_path / "slurm.conf"  # the same cluster, but a port nobody listens on
    dead.write_text(slurm.conf.read_text().replace("SlurmctldPort=6817", "SlurmctldPort=6999"))
    monkeypatch.setenv("SLURM_CONF", str(dead))
    with pytest.raises(ClusterUnavailable) as error:
        read_cluster(timeout=1)
    assert "did not answer" in error.value.message and "slurmctld" in error.value.hint
    monkeypatch.setenv("SLURM_CONF", str(tmp_path / "missing.conf"))
    done = cli("gpus", "--slurm", cwd=tmp_path, check=False)
    assert done.returncode == 2 and "is not a file" in done.stderr and "hint:" in done.stderr
    assert "Traceback" not in done.stderr


def cells(screen: GPUsScreen, table: str) -> list[str]:
    widget = screen.query_one(table, DataTable)
    return [" ".join(str(cell) for cell in widget.get_row_at(row)) for row in range(widget.row_count)]


async def first_reads(screen: GPUsScreen, pilot: Pilot[None]) -> None:
    """Wait until the screen read both the local GPUs and the cluster once."""
    def both_read() -> bool:
        return screen.slurm is not None and bool(screen.slurm.reads) and screen.inventory is not None

    await until(pilot, both_read, 10, "the first reads of the GPUs and of the cluster")


async def test_gpus_screen_on_a_login_node_shows_the_panel(busy: tuple[str, str],
                                                           sample_project: Project) -> None:
    holding, waiting = busy
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, GPUsScreen) and screen.slurm is not None
        await first_reads(screen, pilot)
        assert screen.slurm.error is None
        nodes, jobs = cells(screen, "#slurm-nodes"), cells(screen, "#slurm-jobs")
        assert nodes[0].startswith("debug 1/1 up") and " 1/2 " in nodes[0]
        assert socket.gethostname() in nodes[1] and "mixed" in nodes[1]
        assert any(row.startswith(f"{waiting} other-wait pending") and "Resources" in row for row in jobs)
        assert any(row.startswith(f"{holding} ◆ hold running") for row in jobs)
        summary = str(screen.query_one("#slurm-summary", Static).render())
        assert "1 of 2 GPUs free" in summary
        assert screen.slurm.region.height >= 10  # the CPU-only notice left it most of the screen
        # r reads the cluster again at once (not only every 5 s): a cancelled job leaves the list
        assert screen.slurm_reads is not None
        screen.slurm_reads.pause()
        subprocess.run(["scancel", waiting], check=True)
        reads = screen.slurm.reads
        await pilot.press("r")
        panel = screen.slurm
        await until(pilot, lambda: panel.reads > reads and not any(row.startswith(f"{waiting} ")
                                                                   for row in cells(screen, "#slurm-jobs")),
                    5, "the cancelled job leaving the panel")
        assert not any(row.startswith(f"{waiting} ") for row in cells(screen, "#slurm-jobs"))
        # hidden screen: the panel's timer stays stopped; shown again, it runs
        screen.slurm_reads.resume()
        await pilot.press("1")
        assert not screen.gpu_reads.ticking and not screen.slurm_reads.ticking
        await pilot.press("2")
        assert screen.gpu_reads.ticking and screen.slurm_reads.ticking


async def test_on_a_gpu_machine_with_slurm_the_panel_takes_the_details_place(
        slurm: Cluster, fake_server: Path, sample_project: Project) -> None:
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, GPUsScreen) and screen.slurm is not None
        await first_reads(screen, pilot)
        detail = screen.query_one("#gpu-detail")
        assert screen.query_one("#gpu-table", DataTable).row_count == 8
        assert screen.slurm.display and not detail.display
        await pilot.press("s")
        assert detail.display and not screen.slurm.display
        await pilot.press("s")
        assert screen.slurm.display and not detail.display
