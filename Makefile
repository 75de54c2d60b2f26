# Fresh-machine entry points: `make demo` (main job) and `make test` (test suite). Both create .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED_DATA ?= $(abspath ../shared/data)

.PHONY: venv demo test test-slow clean

$(BIN)/synergait: pyproject.toml
	# OSMesa for headless MuJoCo rendering (videos); skipped where it is present or apt is unavailable
	ldconfig -p | grep -q libOSMesa || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && apt-get install -y -qq libosmesa6; } || echo "note: install libosmesa6 for videos"
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	$(BIN)/pip check
	touch $@

venv: $(BIN)/synergait

demo: venv
	$(BIN)/synergait demo --out synergait-demo $(if $(wildcard $(SHARED_DATA)),--from $(SHARED_DATA))

test: venv
	$(BIN)/ruff check src tests $(wildcard benchmarks experiments)
	SYNERGAIT_SHARED_DATA=$(SHARED_DATA) $(BIN)/pytest -q

test-slow: venv
	SYNERGAIT_SHARED_DATA=$(SHARED_DATA) $(BIN)/pytest -q -m slow

clean:
	rm -rf $(VENV) synergait-demo .pytest_cache .ruff_cache
