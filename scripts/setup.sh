#!/usr/bin/env bash
# One-command set-up used by `make run` and `make test`: a .venv with the whole stack.
#
# Order matters: mmcv compiles its ops against the torch that is already installed, so torch
# goes first and mmcv is built without build isolation. The first mmcv build takes about
# 8-9 minutes on 2 cores; pip's wheel cache makes later set-ups take seconds.
#
# Knobs (environment):
#   PYTHON       interpreter that creates the venv              (default: python3)
#   TORCH_SPEC   the torch requirement                          (default: torch==2.13.0, a CPU build here)
#   FORCE_CUDA   1 builds mmcv's CUDA ops (needs nvcc)          (default: 0)
#   VENV         where the venv lives                           (default: .venv)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
FORCE_CUDA=${FORCE_CUDA:-0}
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check -q)

stamp="$VENV/.vocseg-setup-$(cat pyproject.toml scripts/setup.sh | sha1sum | cut -c1-12)"
if [[ -f "$stamp" ]]; then
    exit 0
fi

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [[ ! -x "$PY" ]]; then
    say "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

# setuptools < 81 still ships pkg_resources, which mmcv 2.1.0's setup.py imports.
"${PIP[@]}" install --upgrade pip 'setuptools>=77,<81' wheel

if ! "$PY" -c 'import torch' 2>/dev/null; then
    say "installing $TORCH_SPEC"
    "${PIP[@]}" install "$TORCH_SPEC"
fi

if ! "$PY" -c 'import mmcv, mmcv._ext; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
    say "building mmcv 2.1.0 with its compiled ops (first time: about 9 minutes on 2 cores)"
    MMCV_WITH_OPS=1 FORCE_CUDA="$FORCE_CUDA" MAX_JOBS="$(nproc)" \
        "${PIP[@]}" install --no-build-isolation 'mmcv==2.1.0'
fi

say "installing vocseg-tui and its dev tools"
"${PIP[@]}" install -e '.[dev]'

# tmux: the end-to-end tests drive the real app inside it, and users may launch jobs in it.
if ! command -v tmux >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing tmux"
        apt-get update -qq && apt-get install -y -qq --no-install-recommends tmux >/dev/null
    else
        echo "note: tmux is not installed; install it for the end-to-end tests and tmux-backed jobs" >&2
    fi
fi

# Slurm + munge (3.4 MB, about 4 s): the Slurm tests start a real single-node cluster from them
# (tests/slurm). Optional: without them those tests are skipped with the reason.
if ! command -v slurmctld >/dev/null 2>&1 || ! [[ -x /usr/sbin/munged ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing Slurm and munge for the Slurm tests"
        if ! (apt-get update -qq && apt-get install -y -qq --no-install-recommends \
                slurmctld slurmd slurm-client munge >/dev/null); then
            echo "note: could not install Slurm; the Slurm tests will be skipped" >&2
        fi
    else
        echo "note: Slurm is not installed; the Slurm tests will be skipped" >&2
    fi
fi

# slurmdbd + MariaDB (about 10 s): with them the test cluster keeps accounting, so reading a job's
# end from `sacct` is tested too; without them that one test is skipped with the reason.
if command -v slurmctld >/dev/null 2>&1 && ! { command -v slurmdbd && command -v mariadbd; } >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing slurmdbd and MariaDB for the Slurm accounting test"
        if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                slurmdbd mariadb-server >/dev/null); then
            echo "note: could not install slurmdbd/MariaDB; the sacct test will be skipped" >&2
        fi
    fi
fi

rm -f "$VENV"/.vocseg-setup-*
touch "$stamp"
say "set-up complete"
