# Connexions solidaires — one-command run and test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format migrate worker deadletters clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: the embedded system (one process, SQLite, in-process broker) on http://127.0.0.1:8080
run: $(STAMP)
	$(BIN)/python -m services.embedded

## test: the whole suite (integration tests need TEST_BROKER_URL and TEST_POSTGRES_URL)
test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## migrate: upgrade every service database to head (the one-shot step of the real stack)
migrate: $(STAMP)
	$(BIN)/python -m services.common.migrations

## deadletters SERVICE=inventory: list a service's dead-lettered events
deadletters: $(STAMP)
	$(BIN)/python -m services.common.events.deadletters list $(SERVICE)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

.PHONY: stack stack-stop cluster cluster-stop definitions keys

## cluster: a three-node RabbitMQ cluster (:5681-5683) and a PostgreSQL primary (:5441) with a
## synchronous standby (:5442), local processes of the machine's own engines, in /tmp/connexions-cluster
## (CLUSTER_DIR); prints the BROKER_URL and database URL to give make stack. Needs root.
cluster: $(STAMP)
	$(BIN)/python -m scripts.cluster start

## cluster-stop: stop the cluster's nodes and remove their data
cluster-stop:
	$(BIN)/python -m scripts.cluster stop

## stack: the real stack as local processes (migrations, then every API under gunicorn and
## every worker on its own) against BROKER_URL and <SERVICE>_DATABASE_URL; returns once all
## is up. STACK_WORKER_REPLICAS=2 runs two workers per service; pids and logs in var/stack/.
stack: $(STAMP)
	$(BIN)/python -m scripts.stack start

## stack-stop: SIGTERM every process of the stack, wait for them (SIGKILL only what hangs)
stack-stop:
	$(BIN)/python -m scripts.stack stop

## keys: DEVELOPMENT keys in var/keys (kept if there), every file docker-compose.yml mounts: the
## token pair and the card-code keys (inventory's at-rest key included: a container cannot
## write it), made readable by the containers' user in directories private to you
keys: $(STAMP)
	$(BIN)/python -c "from services.common import card_codes, config, tokens; from services.inventory import code_vault; \
	  tokens.generate_token_keys(tokens.token_key_dir()); \
	  card_codes.generate_keys(config.card_codes_key_dir()); code_vault.generate_key(config.card_codes_key_dir())"
	$(BIN)/python -c "from services.common import config, tokens; \
	  [path.chmod(0o700) for path in (tokens.token_key_dir(), config.card_codes_key_dir())]; \
	  [path.chmod(0o644) for path in (tokens.signing_key_path(), *(config.card_codes_key_dir() / name for name in ('public.pem', 'private.pem', 'hash.key', 'at-rest.key')))]"

## definitions: render infra/rabbitmq/definitions.json from the code's topology
definitions: $(STAMP)
	$(BIN)/python -m scripts.rabbitmq_definitions > infra/rabbitmq/definitions.json.tmp
	mv infra/rabbitmq/definitions.json.tmp infra/rabbitmq/definitions.json

.PHONY: bench bench-profile
## bench: benchmarks against the RabbitMQ and PostgreSQL at BENCH_BROKER_URL / BENCH_POSTGRES_URL
## (default: the local ones); prints a markdown table and keeps it in bench/results/latest.md
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run

## bench-profile: where the counter-orders load spends its CPU (per process, then py-spy of the
## busiest ones); writes bench/results/counter-orders-profile.md
bench-profile: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.profile_orders
