# gongzhi: the two promises of the README.
#   make run   — set up and run the platform (embedded PostgreSQL and Redis when no URL is set)
#   make test  — set up and pass the tests (configured servers, else local ones, else embedded)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])")
PYTEST_WORKERS ?= 2

.PHONY: install run test lint typecheck imports pytest schema bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/gongzhi run

lint: $(STAMP)
	$(BIN)/ruff check gongzhi tests bench

typecheck: $(STAMP)
	$(BIN)/mypy gongzhi

imports: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

test: lint typecheck imports pytest

schema: $(STAMP)
	$(BIN)/gongzhi schema

bench: $(STAMP)
	$(BIN)/python -m bench.bench_commands
	$(BIN)/python -m bench.bench_projection
	$(BIN)/python -m bench.bench_graphql
	$(BIN)/python -m bench.bench_owners

clean:
	rm -rf $(VENV) .gongzhi .pytest_cache .mypy_cache .ruff_cache
