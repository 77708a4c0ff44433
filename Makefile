# The two commands of the README: `make run` and `make test`. Both set everything up first.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PROJECT ?= sample-project

.PHONY: setup run test lint bench clean

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

lint: setup
	$(PY) -m ruff check vocseg_tui tests bench tools
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
