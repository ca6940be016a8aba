# gongzhi: the two promises of the README.
#   make run   — set up and run the platform (embedded PostgreSQL and Redis when no URL is set)
#   make test  — set up and pass the tests (configured servers, else local ones, else embedded)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])")
PYTEST_WORKERS ?= 2
# GraphiQL's browser builds, from the npm registry (assets/graphiql/package-lock.json), copied
# into the package's data folder that the API serves under /ide/ (gongzhi/graphql/ide).
IDE_NPM := assets/graphiql
IDE_STATIC := gongzhi/graphql/ide/static
IDE_STAMP := $(IDE_STATIC)/.built-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('$(IDE_NPM)/package-lock.json','rb').read()).hexdigest()[:12])")

# The console (/console): plain JavaScript modules and ECharts from the npm registry
# (console/package-lock.json), built by Vite into the package's data folder it is served from.
CONSOLE_NPM := console
CONSOLE_STATIC := gongzhi/console/static
CONSOLE_SOURCES := $(shell find $(CONSOLE_NPM)/src $(CONSOLE_NPM)/index.html $(CONSOLE_NPM)/vite.config.js -type f 2>/dev/null)
CONSOLE_STAMP := $(CONSOLE_STATIC)/.built-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('$(CONSOLE_NPM)/package-lock.json','rb').read()).hexdigest()[:12])")

.PHONY: install ide console run test lint typecheck imports pytest schema bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

$(IDE_STAMP): $(IDE_NPM)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to install GraphiQL's assets (apt-get install npm)"; exit 1; }
	npm ci --prefix $(IDE_NPM) --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(IDE_STATIC)
	rm -f $(IDE_STATIC)/.built-*
	cp $(IDE_NPM)/node_modules/react/umd/react.production.min.js \
	   $(IDE_NPM)/node_modules/react-dom/umd/react-dom.production.min.js \
	   $(IDE_NPM)/node_modules/graphiql/graphiql.min.js \
	   $(IDE_NPM)/node_modules/graphiql/graphiql.min.css $(IDE_STATIC)/
	touch $(IDE_STAMP)

ide: $(IDE_STAMP)

# Rebuilt when the lock file (the stamp's name) or a source changes.
$(CONSOLE_STAMP): $(CONSOLE_NPM)/package-lock.json $(CONSOLE_SOURCES)
	@command -v npm >/dev/null || { echo "npm is needed to build the console (apt-get install npm)"; exit 1; }
	npm ci --prefix $(CONSOLE_NPM) --no-audit --no-fund --loglevel=error
	npm run build --prefix $(CONSOLE_NPM)
	rm -f $(CONSOLE_STATIC)/.built-*
	touch $(CONSOLE_STAMP)

console: $(CONSOLE_STAMP)

install: $(STAMP) $(IDE_STAMP) $(CONSOLE_STAMP)

run: install
	$(BIN)/gongzhi run

lint: $(STAMP)
	$(BIN)/ruff check gongzhi tests bench

typecheck: $(STAMP)
	$(BIN)/mypy gongzhi

imports: $(STAMP)
	$(BIN)/lint-imports

pytest: install
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
	rm -rf $(VENV) $(IDE_STATIC) $(IDE_NPM)/node_modules $(CONSOLE_STATIC) $(CONSOLE_NPM)/node_modules .gongzhi .pytest_cache .mypy_cache .ruff_cache
