"""`vocseg-tui gpus` as scripts use it: real processes, real output, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.gpus.servers import eight_gpus, mig_server, r470_server, server_with, workstation, write
from vocseg_tui.core.gpus import FAKE_ENV


def vocseg(*args: str, fake: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != FAKE_ENV}
    if fake is not None:
        env[FAKE_ENV] = str(fake)
    return subprocess.run([sys.executable, "-m", "vocseg_tui", "gpus", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=60)


@pytest.fixture
def server(tmp_path: Path) -> Path:
    return write(tmp_path / "gpus.json", eight_gpus())


def test_no_driver_is_one_plain_cpu_only_line() -> None:
    done = vocseg()
    if "CPU only" not in done.stdout:
        pytest.skip("this machine has an NVIDIA driver")
    assert done.returncode == 0
    assert done.stdout.strip().splitlines() == [
        "CPU only: no NVIDIA driver found (the NVML library is missing); training runs on CPU."]
    document = json.loads(vocseg("--json").stdout)
    assert document["cpu_only"] is True and document["gpus"] == [] and document["free"] == []
    picked = vocseg("--pick", "1")
    assert picked.returncode == 1 and picked.stdout == "\n" and "CPU only" in picked.stderr


def test_pick_prints_just_the_visible_devices_value(server: Path) -> None:
    done = vocseg("--pick", "2", fake=server)
    assert done.returncode == 0, done.stderr
    uuids = [eight_gpus()["gpus"][i]["uuid"] for i in (5, 7)]  # pinned by UUID (devices.py)
    assert done.stdout == ",".join(uuids) + "\n"
    assert vocseg("--pick", "1", "--min-free-gib", "79.5", fake=server).stdout == uuids[1] + "\n"


def test_pick_more_than_free_prints_nothing_and_exits_1(server: Path) -> None:
    done = vocseg("--pick", "4", fake=server)
    assert done.returncode == 1
    assert done.stdout.strip() == ""
    assert "only 3 of 8 GPUs are free" in done.stderr and "hint:" in done.stderr
    as_json = json.loads(vocseg("--pick", "4", "--json", fake=server).stdout)
    assert as_json["ok"] is False and as_json["cuda_visible_devices"] == ""


def test_pick_json_records_uuids(server: Path) -> None:
    document = json.loads(vocseg("--pick", "2", "--json", fake=server).stdout)
    assert document["schema"] == 1
    uuids = [eight_gpus()["gpus"][5]["uuid"], eight_gpus()["gpus"][7]["uuid"]]
    assert document["picked"] == [5, 7] and document["cuda_visible_devices"] == ",".join(uuids)
    assert document["uuids"] == uuids


def test_table_shows_every_gpu_and_why_it_is_not_free(server: Path) -> None:
    done = vocseg(fake=server)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "8 GPUs, driver 550.54.15 (FAKE: VOCSEG_FAKE_GPUS)"
    rows = {int(line.split()[0]): line for line in lines[2:10]}
    assert "in use by alice" in rows[0] and "A100-SXM4-80GB" in rows[0]
    assert "69.6/80" in rows[0] and "97%" in rows[0]
    assert "in use by bob" in rows[2]
    assert "failed: GPU is lost" in rows[4]
    assert rows[7].endswith("free")
    assert lines[-1].startswith("free (>= 8 GiB free, <= 10% busy, no other users): 7, 5, 3")


def test_json_lists_processes_with_owners(server: Path) -> None:
    document = json.loads(vocseg("--json", fake=server).stdout)
    assert document["schema"] == 1
    assert document["cpu_only"] is False and document["source"] == "fake"
    assert document["free"] == [7, 5, 3]
    gpu0 = document["gpus"][0]
    assert gpu0["other_users"] == ["alice"] and gpu0["processes"][0]["pid"] == 41001
    assert gpu0["memory_total_mib"] == 81920 and document["gpus"][4]["error"] == "GPU is lost"


@pytest.mark.parametrize("args", [["--pick", "0"], ["--min-free-gib", "-1"], ["--max-util", "150"]])
def test_bad_numbers_are_refused_with_a_hint(server: Path, args: list[str]) -> None:
    done = vocseg(*args, fake=server)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "hint: " in done.stderr and "Traceback" not in done.stderr


def test_a_missing_fake_description_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    done = vocseg(fake=tmp_path / "nope.json")
    assert done.returncode == 2 and "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_an_r470_server_lists_its_processes_instead_of_a_traceback(tmp_path: Path) -> None:
    """The first-day report: `gpus --json` on a 4-GPU R470 server ended in a traceback."""
    fake = write(tmp_path / "gpus.json", r470_server(os.getpid()))
    done = vocseg("--json", fake=fake)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    document = json.loads(done.stdout)
    assert document["driver"] == "470.182.03"
    assert [g["processes_known"] for g in document["gpus"]] == [True] * 4
    assert document["gpus"][1]["other_users"] == ["bob"] and document["gpus"][1]["blocker"] == "in use by bob"
    assert document["free"] == [3, 2]
    uuids = ",".join(document["gpus"][i]["uuid"] for i in (2, 3))  # pinned boards, not indices
    assert vocseg("--pick", "2", fake=fake).stdout == uuids + "\n"


def test_mig_and_unknown_processes_are_said_and_never_free(tmp_path: Path) -> None:
    description = mig_server(privileged=False)
    description["gpus"].append({**description["gpus"][1], "no_permission": ["processes"]})
    fake = write(tmp_path / "gpus.json", description)
    lines = vocseg(fake=fake).stdout.splitlines()
    assert lines[2].endswith("MIG mode: not usable as a whole GPU")
    assert lines[4].endswith("processes unknown (no permission to list its processes)")
    assert lines[-1].endswith(": 1 (best first)")
    gpus = json.loads(vocseg("--json", fake=fake).stdout)["gpus"]
    assert gpus[0]["mig"] is True and gpus[0]["refusal"] == "MIG mode: not usable as a whole GPU"
    assert gpus[0]["gpu_util"] is None and gpus[0]["processes_known"] is False
    assert gpus[2]["processes_error"] == "no permission to list its processes" and gpus[2]["refusal"] is None
    assert gpus[2]["other_users"] == ["?"]


def test_display_processes_are_marked_in_json(tmp_path: Path) -> None:
    fake = write(tmp_path / "gpus.json", workstation(gpus=2))
    document = json.loads(vocseg("--json", "--pick", "2", fake=fake).stdout)
    assert document["ok"] is True and document["picked"] == [0, 1]
    gpus = json.loads(vocseg("--json", fake=fake).stdout)["gpus"]
    assert [(p["kind"], p["display"]) for p in gpus[0]["processes"]] == [("graphics", True)] * 2


def test_a_description_with_a_typo_is_an_error_not_odd_rows(tmp_path: Path) -> None:
    fake = write(tmp_path / "gpus.json", server_with("550.54.15", {"gpu_util": "high"}))
    done = vocseg(fake=fake)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: ") and '"gpu_util" must be a number' in done.stderr
