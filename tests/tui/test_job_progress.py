"""The Jobs table's progress column for a run that finished, through the pilot."""

from __future__ import annotations

from pathlib import Path

from tests.tui.waiting import until
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.widgets.job_table import JobTable

RUN_LOG = Path(__file__).resolve().parents[1] / "fixtures" / "logs" / "mmengine_run.log"


async def test_a_finished_job_reads_complete_in_the_jobs_table(sample_project: Project) -> None:
    """A real 3-epoch run (13 iterations an epoch, last logged at 10) reads `ep 3/3 · 13/13`."""
    work_dir = sample_project.work_dirs / "sample_tiny"
    work_dir.mkdir(parents=True)
    (work_dir / "sample_tiny.py").write_text("train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=3)\n")
    job = Registry().add(name="sample_tiny", config=str(sample_project.configs_dir / "sample_tiny.py"),
                         work_dir=str(work_dir), cwd=str(sample_project.root), backend="local",
                         state=JobState.SUCCEEDED, exit_code=0)
    job.paths.create()
    job.log_path.write_text(RUN_LOG.read_text())
    app = make_app(sample_project, start="jobs")
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.screen.query_one(JobTable)
        await until(pilot, lambda: table.row_count == 1, what="the job row")
        row = [str(cell) for cell in table.get_row(str(job.id))]
        assert row[1] == "succeeded" and row[4] == "ep 3/3 · 13/13"
        assert row[7] == f"{28.95:.1f}"  # its last validation's mIoU
