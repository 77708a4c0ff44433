# The two commands of the README: `make run` and `make test`. Both set everything up first.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PROJECT ?= sample-project
# Two pytest workers: most of the suite waits on child processes (trainings, Slurm, tmux), so two
# at once take about half the time on 2 cores. Slurm's tests share one worker (one test cluster).
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: setup run test test-fast lint bench clean

setup:
	@bash scripts/setup.sh

run: setup
	@test -d "$(PROJECT)" || $(PY) -m vocseg_tui sample "$(PROJECT)"
	@$(PY) -m vocseg_tui --project "$(PROJECT)"

test: setup
	$(PY) -m ruff check vocseg_tui tests bench tools
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The quick loop while editing: no training, no Slurm, no tmux (under 2 minutes on 2 cores).
test-fast: setup
	$(PY) -m ruff check vocseg_tui tests bench tools
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow" --ignore=tests/e2e --ignore=tests/slurm $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check vocseg_tui tests bench tools
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
