"""Slurm accounting for the test cluster: MariaDB and slurmdbd on 127.0.0.1, so `sacct` answers.

Real clusters keep finished jobs in slurmdbd, and `sacct` is how vocseg-tui reads a job's end once
it left the queue. Both daemons run from a scratch folder (no systemd): MariaDB on a private port
with a throw-away database, slurmdbd with its conf beside slurm.conf (it finds it through
SLURM_CONF). Where MariaDB or slurmdbd is not installed, `unavailable_reason` says so and the test
cluster runs without accounting (the job completion log is then the only record).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DB_PORT = 3307
DBD_PORT = 6819
PASSWORD = "vocseg-test-only"
PROGRAMS = ("mariadbd", "mariadb-install-db", "mariadb", "slurmdbd", "sacct", "sacctmgr")


def unavailable_reason() -> str | None:
    missing = [p for p in PROGRAMS if shutil.which(p) is None and not Path(f"/usr/sbin/{p}").exists()]
    if missing:
        return f"Slurm accounting is not installed ({', '.join(missing)} missing): scripts/setup.sh as root"
    return None


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


CONF = f"""AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort={DBD_PORT}
"""
"""What slurm.conf says instead of `AccountingStorageType=accounting_storage/none`."""


def start(folder: Path, host: str) -> Path:
    """Start MariaDB and slurmdbd (its conf in `folder`, where slurm.conf is), before slurmctld;
    returns MariaDB's own scratch folder (user mysql owns it; the cluster's folder is slurm's)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", DBD_PORT)) == 0:
            raise RuntimeError(f"a slurmdbd already listens on 127.0.0.1:{DBD_PORT}: stop it first")
    data = Path(tempfile.mkdtemp(prefix="vocseg-mariadb-"))
    shutil.chown(data, "mysql", "mysql")
    subprocess.run(["mariadb-install-db", "--user=mysql", f"--datadir={data}", "--skip-test-db",
                    "--auth-root-authentication-method=socket", "--innodb-log-file-size=8M"],
                   check=True, capture_output=True, timeout=120)
    sock = data / "mariadb.sock"  # in a folder user mysql owns
    subprocess.Popen(["mariadbd", "--user=mysql", f"--datadir={data}", f"--socket={sock}",
                      f"--port={DB_PORT}", "--bind-address=127.0.0.1", f"--pid-file={data}/mariadb.pid",
                      "--skip-log-bin", "--innodb-buffer-pool-size=32M",
                      "--innodb-log-file-size=8M"],
                     stdout=subprocess.DEVNULL, stderr=open(data / "mariadb.log", "wb"),  # noqa: SIM115
                     start_new_session=True)
    _wait_for_port(DB_PORT)
    grant = (f"CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'; "
             "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;")
    subprocess.run(["mariadb", f"--socket={sock}", "-e", grant], check=True, capture_output=True, timeout=30)
    conf = folder / "slurmdbd.conf"
    conf.write_text(f"""AuthType=auth/munge
DbdHost={host}
DbdAddr=127.0.0.1
DbdPort={DBD_PORT}
SlurmUser=slurm
PidFile={folder}/slurmdbd.pid
LogFile={folder}/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={DB_PORT}
StorageUser=slurm
StoragePass={PASSWORD}
StorageLoc=slurm_acct_db
""")
    shutil.chown(conf, "slurm", "slurm")
    conf.chmod(0o600)  # slurmdbd refuses a conf others can read (it holds the password)
    env = {**os.environ, "SLURM_CONF": str(folder / "slurm.conf")}
    subprocess.run(["slurmdbd"], env=env, check=True, timeout=60)
    _wait_for_port(DBD_PORT, timeout=60)  # the first start creates the tables
    return data


def stop(folder: Path, data: Path) -> None:
    """Stop slurmdbd, then MariaDB, and remove MariaDB's folder."""
    for pid_file in (folder / "slurmdbd.pid", data / "mariadb.pid"):
        try:
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            continue
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
    shutil.rmtree(data, ignore_errors=True)
