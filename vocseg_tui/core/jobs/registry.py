"""The job registry: one SQLite file in the state dir, shared by every TUI, CLI call and
supervisor on the machine.

WAL mode lets readers (screens polling the job list) run while a supervisor writes; every
write is a short `BEGIN IMMEDIATE` transaction with a generous busy timeout, so several
processes writing at once wait for each other instead of failing. A connection is opened per
call: cheap for SQLite, and safe from any thread or after a fork.

Only the launcher (creating a row) and the job's own supervisor (everything after) write a
job's row; readers mark a job `lost` only when its supervisor is provably gone.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from vocseg_tui.core.jobs.errors import JobNotFound
from vocseg_tui.core.jobs.paths import JobPaths
from vocseg_tui.core.jobs.registry_errors import registry_error
from vocseg_tui.core.jobs.states import ACTIVE_STATES, JobState
from vocseg_tui.core.project import state_dir
from vocseg_tui.core.scope import project_root

REGISTRY_NAME = "jobs.sqlite3"
SCHEMA_VERSION = 4
"""1: the first registry. 2: `backend_data` (what a back end records about its job: the tmux
session, the Slurm job id and batch script), which used to ride in `tmux_session` and in
`options`; the back end's launch options moved from options["slurm"] to options["backend_options"].
3: `saved`, the checkpoints each job wrote (so a resume continues its own run, see lineage.py).
4: `run_meta`, the tags and note of each run (keyed by its work dir's path; see core/runs)."""
_JSON_FIELDS = ("command", "env", "gpus", "gpu_uuids", "queue", "options", "backend_data")

_SCHEMA = ("""
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    work_dir TEXT NOT NULL,
    cwd TEXT NOT NULL,
    backend TEXT NOT NULL DEFAULT 'local',
    state TEXT NOT NULL,
    command TEXT NOT NULL DEFAULT '[]',
    env TEXT NOT NULL DEFAULT '{}',
    gpus TEXT NOT NULL DEFAULT '[]',
    gpu_uuids TEXT NOT NULL DEFAULT '[]',
    queue TEXT NOT NULL DEFAULT '{}',
    options TEXT NOT NULL DEFAULT '{}',
    waiting_for TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    supervisor_pid INTEGER,
    supervisor_started REAL,
    train_pid INTEGER,
    train_started REAL,
    exit_code INTEGER,
    signal INTEGER,
    failure TEXT NOT NULL DEFAULT '',
    parent_id INTEGER REFERENCES jobs(id),
    attempt INTEGER NOT NULL DEFAULT 1,
    max_retries INTEGER NOT NULL DEFAULT 0,
    resume_from TEXT NOT NULL DEFAULT '',
    backend_data TEXT NOT NULL DEFAULT '{}'
)""", "CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state)")
_SAVED_SCHEMA = ("""
CREATE TABLE IF NOT EXISTS saved (
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    path TEXT NOT NULL,
    step INTEGER NOT NULL,
    PRIMARY KEY (job_id, path)
)""",)
_RUN_META_SCHEMA = ("""
CREATE TABLE IF NOT EXISTS run_meta (
    path TEXT PRIMARY KEY,
    tags TEXT NOT NULL DEFAULT '[]',
    note TEXT NOT NULL DEFAULT ''
)""",)
_MOVED_TO_BACKEND_DATA = ("slurm_job_id", "batch_script")


@dataclass
class Job:
    """One row of the registry: one attempt at training one config in one work dir."""

    id: int
    name: str
    config: str
    work_dir: str
    cwd: str
    """The folder training runs in (the project root: configs use relative data paths)."""
    backend: str
    state: JobState
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    """Only the variables the launch changed (CUDA_VISIBLE_DEVICES, ...), not the whole env."""
    gpus: list[int] = field(default_factory=list)
    gpu_uuids: list[str] = field(default_factory=list)
    queue: dict[str, Any] = field(default_factory=dict)
    """What a queued job waits for: {} (nothing), {"gpus": [..]} or {"count": N, "min_free_gib": X}."""
    options: dict[str, Any] = field(default_factory=dict)
    """Launch options: nproc, amp, cfg_options, and the back end's own as `backend_options`."""
    waiting_for: str = ""
    created_at: float = 0.0
    started_at: float | None = None
    ended_at: float | None = None
    supervisor_pid: int | None = None
    supervisor_started: float | None = None
    train_pid: int | None = None
    train_started: float | None = None
    exit_code: int | None = None
    signal: int | None = None
    failure: str = ""
    parent_id: int | None = None
    attempt: int = 1
    max_retries: int = 0
    resume_from: str = ""
    backend_data: dict[str, Any] = field(default_factory=dict)
    """What the back end recorded about this job; read it through the back end's own typed
    accessor (TmuxBackend.session, SlurmBackend.record), not by key."""

    @property
    def paths(self) -> JobPaths:
        return JobPaths(Path(self.work_dir), self.id)

    @property
    def log_path(self) -> Path:
        return self.paths.log

    @property
    def project(self) -> Path:
        """The project the job was launched in (its `cwd`), as projects are compared."""
        return project_root(self.cwd)

    def to_json(self) -> dict[str, Any]:
        """The `vocseg-tui jobs --json` object; `pid` is the training process, `project` the
        project folder it was launched in."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["state"] = self.state.value
        data["pid"] = self.train_pid
        data["project"] = str(self.project)
        data["log"] = str(self.log_path)
        return data


_FIELDS = frozenset(f.name for f in fields(Job))


def _row_to_job(row: sqlite3.Row) -> Job:
    data = {key: value for key, value in dict(row).items() if key in _FIELDS}  # v1's tmux_session stays
    for name in _JSON_FIELDS:
        data[name] = json.loads(data[name])
    data["state"] = JobState(data["state"])
    return Job(**data)


class Registry:
    """The registry at `path` (default: `jobs.sqlite3` in the state dir)."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            try:
                path = state_dir() / REGISTRY_NAME
            except OSError as error:
                raise registry_error(Path(error.filename or "state dir") / REGISTRY_NAME, error) from error
        self.path = path
        with self._connect() as db:
            if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                self._upgrade(db)

    @staticmethod
    def _upgrade(db: sqlite3.Connection) -> None:
        """Create or migrate the schema in one transaction, re-reading the version under the
        write lock: of several processes opening an old registry at once, one migrates."""
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                for statement in (*_SCHEMA, *_SAVED_SCHEMA, *_RUN_META_SCHEMA):
                    db.execute(statement)
            else:
                if version == 1:
                    _migrate_1_to_2(db)
                if version <= 2:
                    for statement in _SAVED_SCHEMA:
                        db.execute(statement)
                if version <= 3:
                    for statement in _RUN_META_SCHEMA:
                        db.execute(statement)
            if version < SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one call; any SQLite failure in it (opening, reading, writing)
        leaves as a `RegistryError` that names the file and the fix."""
        try:
            db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        except sqlite3.Error as error:
            raise registry_error(self.path, error) from error
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=60000")
            yield db
        except sqlite3.Error as error:
            raise registry_error(self.path, error) from error
        finally:
            db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def add(self, **values: Any) -> Job:
        """Insert a new job (state defaults to queued) and return it with its id."""
        values.setdefault("state", JobState.QUEUED)
        values.setdefault("created_at", time.time())
        row = _encode(values)
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self._write() as db:
            cursor = db.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", tuple(row.values()))
            job_id = int(cursor.lastrowid or 0)
        return self.get(job_id)

    def update(self, job_id: int, *, only_if_state: tuple[str, ...] = (), **values: Any) -> bool:
        """Set fields of one job; with `only_if_state`, only while the job is in one of those
        states (so a reader marking `lost` never overwrites an end the supervisor wrote)."""
        row = _encode(values)
        sets = ", ".join(f"{name} = ?" for name in row)
        sql = f"UPDATE jobs SET {sets} WHERE id = ?"
        params: list[Any] = [*row.values(), job_id]
        if only_if_state:
            sql += f" AND state IN ({', '.join('?' for _ in only_if_state)})"
            params += list(only_if_state)
        with self._write() as db:
            return db.execute(sql, params).rowcount == 1

    def get(self, job_id: int) -> Job:
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(f"no job {job_id} in the registry", "list the jobs with `vocseg-tui jobs`")
        return _row_to_job(row)

    def all_jobs(self, *, states: tuple[str, ...] = ()) -> list[Job]:
        """Every job, newest first (optionally only those in `states`)."""
        sql = "SELECT * FROM jobs"
        if states:
            sql += f" WHERE state IN ({', '.join('?' for _ in states)})"
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY id DESC", states).fetchall()
        return [_row_to_job(row) for row in rows]

    def count(self) -> int:
        """How many jobs the registry holds, of every project."""
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])

    def active(self) -> list[Job]:
        return self.all_jobs(states=ACTIVE_STATES)

    def jobs_in(self, work_dir: Path) -> list[Job]:
        """Every job that trained (or trains) in `work_dir`, newest first: the runs a folder holds."""
        return [job for job in self.all_jobs() if Path(job.work_dir) == Path(work_dir)]

    def children(self, job_id: int) -> list[Job]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM jobs WHERE parent_id = ? ORDER BY id", (job_id,)).fetchall()
        return [_row_to_job(row) for row in rows]

    def record_saved(self, job_id: int, saved: list[tuple[str, int]]) -> None:
        """Note checkpoints (path, step) job `job_id` wrote; a path noted before stays once."""
        if not saved:
            return
        with self._write() as db:
            db.executemany("INSERT OR IGNORE INTO saved (job_id, path, step) VALUES (?, ?, ?)",
                           [(job_id, path, step) for path, step in saved])

    def saved_by(self, job_ids: list[int]) -> list[tuple[int, str, int]]:
        """(job id, path, step) of every checkpoint those jobs wrote, newest step first."""
        if not job_ids:
            return []
        marks = ", ".join("?" for _ in job_ids)
        with self._connect() as db:
            rows = db.execute(f"SELECT job_id, path, step FROM saved WHERE job_id IN ({marks}) "
                              "ORDER BY step DESC, job_id DESC", job_ids).fetchall()
        return [(int(r["job_id"]), str(r["path"]), int(r["step"])) for r in rows]

    def run_meta(self) -> dict[str, tuple[list[str], str]]:
        """{run path: (tags, note)} of every run that has a tag or a note."""
        with self._connect() as db:
            rows = db.execute("SELECT path, tags, note FROM run_meta").fetchall()
        return {str(r["path"]): (list(json.loads(r["tags"])), str(r["note"])) for r in rows}

    def set_run_meta(self, path: str, *, tags: list[str] | None = None, note: str | None = None) -> None:
        """Set a run's tags and/or note (the other stays as it was)."""
        with self._write() as db:
            row = db.execute("SELECT tags, note FROM run_meta WHERE path = ?", (path,)).fetchone()
            old_tags, old_note = (json.loads(row["tags"]), row["note"]) if row else ([], "")
            db.execute("INSERT OR REPLACE INTO run_meta (path, tags, note) VALUES (?, ?, ?)",
                       (path, json.dumps(old_tags if tags is None else tags, ensure_ascii=False),
                        old_note if note is None else note))


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE jobs ADD COLUMN backend_data TEXT NOT NULL DEFAULT '{}'")
    for job_id, options_text, session in db.execute("SELECT id, options, tmux_session FROM jobs").fetchall():
        options = json.loads(options_text)
        data = {key: options.pop(key) for key in _MOVED_TO_BACKEND_DATA if key in options}
        if session:
            data["tmux_session"] = session
        if "slurm" in options:
            options["backend_options"] = options.pop("slurm")
        options.pop("cpu", None)  # the plan derives it from the devices now
        db.execute("UPDATE jobs SET options = ?, backend_data = ? WHERE id = ?",
                   (json.dumps(options, sort_keys=True), json.dumps(data, sort_keys=True), job_id))


def _encode(values: dict[str, Any]) -> dict[str, Any]:
    known = {f.name for f in fields(Job)}
    unknown = set(values) - known
    if unknown:
        raise TypeError(f"unknown job fields: {sorted(unknown)}")
    row: dict[str, Any] = {}
    for name, value in values.items():
        if name in _JSON_FIELDS:
            value = json.dumps(value, sort_keys=True)
        elif isinstance(value, JobState):
            value = value.value
        row[name] = value
    return row
