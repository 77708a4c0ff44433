"""The registry is real SQLite shared by processes: nothing lost or corrupted under contention."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vocseg_tui.core.jobs import JobError, JobNotFound, JobState, Registry
from vocseg_tui.core.jobs.registry import SCHEMA_VERSION
from vocseg_tui.core.jobs.registry_errors import RegistryError

HAMMER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from vocseg_tui.core.jobs import Registry
    registry = Registry(Path(sys.argv[1]))
    tag = sys.argv[2]
    for i in range(int(sys.argv[3])):
        job = registry.add(name=f"{tag}-{i}", config="c.py", work_dir="/w", cwd="/", backend="local")
        registry.update(job.id, state="running", train_pid=i)
        registry.update(job.id, state="succeeded", exit_code=0)
        registry.all_jobs()
""")


def _job(registry: Registry, name: str = "a") -> int:
    return registry.add(name=name, config="/p/c.py", work_dir="/p/w", cwd="/p", backend="local").id


def test_registry_lives_in_the_private_state_dir(isolated_state_dir: Path) -> None:
    registry = Registry()
    assert registry.path.parent == isolated_state_dir
    assert (isolated_state_dir.stat().st_mode & 0o777) == 0o700
    with sqlite3.connect(registry.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_fields_round_trip_and_unknown_jobs_are_refused(isolated_state_dir: Path) -> None:
    registry = Registry()
    job = registry.add(name="n", config="/p/c.py", work_dir="/p/w", cwd="/p", backend="tmux",
                       gpus=[1, 3], env={"CUDA_VISIBLE_DEVICES": "1,3"}, queue={"count": 2},
                       command=["python", "train.py"], parent_id=None)
    again = registry.get(job.id)
    assert again.gpus == [1, 3] and again.env == {"CUDA_VISIBLE_DEVICES": "1,3"}
    assert again.queue == {"count": 2} and again.state is JobState.QUEUED
    assert again.log_path == Path("/p/w/.vocseg") / f"job-{job.id}" / "job.log"
    with pytest.raises(JobNotFound):
        registry.get(job.id + 100)
    with pytest.raises(TypeError):
        registry.update(job.id, no_such_field=1)


def test_conditional_update_never_overwrites_an_end(isolated_state_dir: Path) -> None:
    registry = Registry()
    job_id = _job(registry)
    registry.update(job_id, state=JobState.SUCCEEDED, exit_code=0)
    assert not registry.update(job_id, only_if_state=("queued", "running"), state=JobState.LOST)
    assert registry.get(job_id).state is JobState.SUCCEEDED


@pytest.mark.slow
def test_two_processes_hammering_the_registry_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    Registry(path)
    count = 150
    started = time.monotonic()
    workers = [subprocess.Popen([sys.executable, "-c", HAMMER, str(path), tag, str(count)])
               for tag in ("a", "b")]
    reader = Registry(path)
    while any(w.poll() is None for w in workers):
        for job in reader.all_jobs():  # readers see consistent rows while writers write
            assert job.state.value in {"queued", "running", "succeeded"}
    assert [w.wait(60) for w in workers] == [0, 0]
    jobs = reader.all_jobs()
    assert len(jobs) == 2 * count
    assert {j.name for j in jobs} == {f"{t}-{i}" for t in "ab" for i in range(count)}
    assert all(j.state is JobState.SUCCEEDED and j.exit_code == 0 for j in jobs)
    assert len({j.id for j in jobs}) == 2 * count
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert time.monotonic() - started < 60


JUNK = b"not a database: a file some tool overwrote\n" * 200


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` unwritable for real: root ignores permission bits, but not the immutable flag."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("this file system has no immutable flag (chattr)")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def test_a_corrupt_registry_is_named_with_the_fix_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    path.write_bytes(JUNK)
    with pytest.raises(RegistryError) as caught:
        Registry(path)
    error = caught.value
    assert isinstance(error, JobError)  # what the CLI and the screens catch
    assert str(path) in error.message and "damaged" in error.message
    assert f"mv {path} {path}.corrupt" in error.hint
    assert path.read_bytes() == JUNK  # never deleted or recreated behind the user's back


def test_a_registry_damaged_after_opening_fails_on_reads_and_writes(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    registry = Registry(path)
    job_id = _job(registry)
    path.write_bytes(JUNK)
    for call in (registry.all_jobs, lambda: registry.get(job_id),
                 lambda: registry.update(job_id, state=JobState.FAILED), lambda: _job(registry)):
        with pytest.raises(RegistryError, match="damaged"):
            call()


def test_a_read_only_registry_reads_but_refuses_writes_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    registry = Registry(path)
    job_id = _job(registry)
    with read_only(path):
        assert [job.id for job in Registry(path).all_jobs()] == [job_id]
        with pytest.raises(RegistryError) as caught:
            registry.update(job_id, state=JobState.FAILED)
    assert "read-only" in caught.value.message and str(path) in caught.value.message
    assert "chmod u+w" in caught.value.hint and "VOCSEG_STATE_DIR" in caught.value.hint
    assert registry.get(job_id).state is JobState.QUEUED  # nothing half-written


FILL_THE_DISK = textwrap.dedent("""
    try:
        with open("filler", "wb") as handle:
            while True:
                handle.write(b"x" * 4096)
                handle.flush()
    except OSError:
        pass
    raise SystemExit(3)
""")


FILL_THE_DISK_CONFIG = textwrap.dedent("""
    filler = open("filler", "wb", buffering=0)
    try:
        while True:
            filler.write(b"x" * 4096)
    except OSError:
        pass
    raise SystemExit(3)
""")  # mmengine configs may not use `with`, and their imports are lazy


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB file system (tmpfs), so a full disk is a real ENOSPC."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.mark.slow
def test_a_full_disk_in_the_work_dir_does_not_lose_the_exit_code(tiny_disk: Path) -> None:
    """The training fills the work dir's disk and exits 3; the real supervisor then cannot write
    its exit-code file (ENOSPC) but still records the exit code, and does not crash."""
    from tests.core.jobs.helpers import wait_for
    from vocseg_tui.core.jobs.backend import BACKENDS

    registry = Registry()  # in the state dir, on another disk
    config = tiny_disk / "c.py"  # mmengine runs a config's code when tools/train.py loads it
    config.write_text(FILL_THE_DISK_CONFIG)
    job = registry.add(name="full", config=str(config), work_dir=str(tiny_disk / "wd"), cwd=str(tiny_disk),
                       command=[sys.executable, "-c", FILL_THE_DISK])
    BACKENDS["local"](registry).submit(job)
    ended = wait_for(job.id, {"failed", "succeeded", "stopped", "lost"}, timeout=60)
    assert ended.state is JobState.FAILED and ended.exit_code == 3
    assert "supervisor error" not in ended.failure
    assert not ended.paths.exit_code.exists()  # the disk really was full
    assert (tiny_disk / "filler").stat().st_size > 32 * 1024


V1_SCHEMA = """
CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, config TEXT NOT NULL,
    work_dir TEXT NOT NULL, cwd TEXT NOT NULL, backend TEXT NOT NULL DEFAULT 'local', state TEXT NOT NULL,
    command TEXT NOT NULL DEFAULT '[]', env TEXT NOT NULL DEFAULT '{}', gpus TEXT NOT NULL DEFAULT '[]',
    gpu_uuids TEXT NOT NULL DEFAULT '[]', queue TEXT NOT NULL DEFAULT '{}',
    options TEXT NOT NULL DEFAULT '{}',
    waiting_for TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, started_at REAL, ended_at REAL,
    supervisor_pid INTEGER, supervisor_started REAL, train_pid INTEGER, train_started REAL,
    exit_code INTEGER, signal INTEGER, failure TEXT NOT NULL DEFAULT '',
    parent_id INTEGER REFERENCES jobs(id),
    attempt INTEGER NOT NULL DEFAULT 1, max_retries INTEGER NOT NULL DEFAULT 0,
    resume_from TEXT NOT NULL DEFAULT '', tmux_session TEXT NOT NULL DEFAULT '');
"""


def test_a_version_1_registry_is_migrated_in_place_keeping_every_job(tmp_path: Path) -> None:
    """Back ends' records move from `options` and the tmux column into `backend_data`, where the
    back ends' typed accessors read them; nothing else changes."""
    from vocseg_tui.core.jobs.backend import SlurmBackend, TmuxBackend

    path = tmp_path / "jobs.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(V1_SCHEMA)
        db.execute("INSERT INTO jobs (name, config, work_dir, cwd, backend, state, options, created_at) "
                   "VALUES ('s', 'c.py', '/w', '/', 'slurm', 'running', ?, 1.0)",
                   ('{"nproc": 2, "cpu": true, "slurm": {"nodes": 2}, "slurm_job_id": "41", '
                    '"batch_script": "/w/sbatch.sh"}',))
        db.execute("INSERT INTO jobs (name, config, work_dir, cwd, backend, state, tmux_session, created_at) "
                   "VALUES ('t', 'c.py', '/w', '/', 'tmux', 'succeeded', 'vocseg-job-2', 2.0)")
        db.execute("PRAGMA user_version = 1")
    registry = Registry(path)
    slurm_job, tmux_job = registry.get(1), registry.get(2)
    assert SlurmBackend.record(slurm_job).job_id == "41"
    assert SlurmBackend.record(slurm_job).batch_script == "/w/sbatch.sh"
    assert slurm_job.options == {"nproc": 2, "backend_options": {"nodes": 2}}
    assert TmuxBackend.session(tmux_job) == "vocseg-job-2" and tmux_job.state is JobState.SUCCEEDED
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert Registry(path).get(1) == slurm_job  # opening it again changes nothing
