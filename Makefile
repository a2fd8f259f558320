# Every target installs what it needs into .venv first (no network beyond the package
# registries; torch/torchvision pinned through constraints.txt).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HIAR := $(VENV)/bin/hiar
STAMP := $(VENV)/.hiar-installed
CACHE ?= cache
PROFILE ?= quick

.PHONY: install test reproduce bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[test]"
	touch $(STAMP)

test: install
	$(PY) -m pytest tests

# The main job on the embedded default: generate the synthetic benchmark, summarise it,
# and draw its contact sheet into results/.
reproduce: install
	$(HIAR) synth --out $(CACHE)/synthetic/$(PROFILE) --profile $(PROFILE) --summary results/synthetic_$(PROFILE).json
	$(HIAR) synth-sheet $(CACHE)/synthetic/$(PROFILE) --out results/figures/synthetic_samples.png

# Speed figures (never asserted in tests): results/bench/*.json.
bench: install
	$(PY) benchmarks/bench_tracker.py --out results/bench/tracker.json
	$(PY) benchmarks/bench_tahnet.py --out results/bench/tahnet.json

clean:
	rm -rf $(CACHE) .pytest_cache
