# The two commands a new user needs: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

PIP := $(BIN)/pip --quiet --disable-pip-version-check

.PHONY: run demo test bench chaos chaos-cluster cluster-smoke docs venv lock audit clean

venv: $(STAMP)

# Only from the lock files: every package, transitive ones included, at its pinned version and checked against
# its hashes (a tampered or substituted file fails the install). Then the repository itself, without
# dependencies, so that the console scripts of pyproject.toml (`pimms`) exist in the venv; the code still runs
# from the source tree (editable install).
$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements-dev.lock
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $(STAMP)

## audit: the locked packages against PyPI's vulnerability records (pip-audit, scripts/audit_lock.py); fails
## on a known vulnerability. Run by .ci/run
audit: venv
	$(BIN)/python -m scripts.audit_lock

## lock: recompile requirements.lock and requirements-dev.lock after editing requirements.txt or
## requirements-dev.txt (needs PyPI); keeps every other pin as it is. Upgrade a transitive dependency with
## `make lock LOCK_ARGS="--upgrade-package urllib3"`
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(LOCK_ARGS)
lock: venv
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) -c requirements.lock requirements-dev.txt -o requirements-dev.lock

## run: the local stack on SQLite, supervised, its data kept in var/data (a demo day played into an empty
## one); keeps running until Ctrl-C. `$(BIN)/python -m scripts.run_local --help` for --fresh, --no-demo
run: venv
	bash scripts/ensure-services.sh
	$(BIN)/python -m scripts.run_local

## demo: start over (delete var/data), play the demo day, print its figures and exit
demo: venv
	bash scripts/ensure-services.sh
	$(BIN)/python -m scripts.run_local --fresh --exit

## test: the whole suite (unit tests without a broker, integration tests on the local RabbitMQ and PostgreSQL,
## the alert rules through promtool and a real Prometheus scraping a stack)
test: venv
	bash scripts/ensure-services.sh --management --postgres --prometheus
	$(BIN)/ruff check .
	$(BIN)/nameko test -q

## bench: speed against baselines measured in the same run: the event path, the desk (a visit, the day's list)
## against a bare nameko @http->RPC floor, head office at national scale, memory (docs/benchmark.md); not in CI
bench: venv
	bash scripts/ensure-services.sh --management
	$(BIN)/python -W ignore -m scripts.bench

## chaos: 10,000 visits through the stack on PostgreSQL while services, RabbitMQ and PostgreSQL are
## killed in turn; ends with `lost=N duplicated=N` (needs root; not part of CI)
chaos: venv
	bash scripts/ensure-services.sh --management --postgres
	$(BIN)/python -W ignore -m scripts.chaos

## chaos-cluster: visits through the stack on a three-node RabbitMQ cluster on loopback (quorum queues) while
## one node is killed -9, then another, then one is paused 30 s; ends with `lost=N duplicated=N` (not in CI)
chaos-cluster: venv
	$(BIN)/python -W ignore -m scripts.chaos_cluster

## cluster-smoke: a three-node cluster on loopback, a quorum queue that keeps its messages and serves them
## from another node while the node leading it is down or paused; about 2.5 minutes, not in `make test`
cluster-smoke: venv
	$(BIN)/python -W ignore -m scripts.cluster_smoke

## docs: regenerate the event catalog (docs/events.md, docs/asyncapi.json) and the register of processing (docs/rgpd.md)
docs: venv
	$(BIN)/python -W ignore -m scripts.event_catalog
	$(BIN)/python -W ignore -m scripts.register_of_processing

clean:
	rm -rf $(VENV) var
