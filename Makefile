# Every target installs what it needs into .venv first (no network beyond the package
# registries; torch/torchvision pinned through constraints.txt).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HIAR := $(VENV)/bin/hiar
STAMP := $(VENV)/.hiar-installed
CACHE ?= cache
PROFILE ?= quick

.PHONY: install browser test reproduce claims bench mutation planted-bugs clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[test]"
	touch $(STAMP)

# The inspector's browser test (and results/figures/inspector.png) drive Debian's chromium
# with Playwright's pip package. As root (CI) the browser is installed through apt; where it
# cannot be, the test skips and says why.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the inspector's browser test"; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >/dev/null 2>&1 \
			|| echo "chromium could not be installed through apt: the inspector's browser test will skip"; \
	else echo "no chromium and not root: the inspector's browser test will skip (apt-get install chromium)"; fi

# The notebooks run at the smoke profile, sharing one smoke benchmark, detector and feature
# cache under $(CACHE)/notebook-test; their records go there too, never over results/.
test: install browser
	HIAR_CACHE_DIR=$(abspath $(CACHE))/notebook-test $(PY) -m pytest tests
	HIAR_PROFILE=smoke HIAR_CACHE_DIR=$(abspath $(CACHE))/notebook-test HIAR_RESULTS_DIR=$(abspath $(CACHE))/notebook-test/results \
		$(PY) -m pytest --nbval-lax -p no:cacheprovider notebooks

# The main job on the embedded default, every step cached (a rerun redoes only what is
# missing), every setting from the profile (hiar_lib/profiles.py; PROFILE=smoke runs the
# whole chain in minutes, its numbers meaningless): the synthetic benchmark, its contact
# sheet and what keypoint AP means at its scale, the synthetic detector (trained for a
# fixed number of iterations on a benchmark generated for it alone, with other people)
# and its AP on the benchmark, the tracker's MOTA/IDF1, the feature cache (and in the same detector pass the ground-truth
# instances cache of the oracle rows), and TAHNet-v1 trained on every track and on
# the actors' tracks and evaluated, three seeds each. Results go to results/, named by profile;
# the heads to hiar train's default run folders under cache/runs/, the ones the notebooks use.
# Then every notebook, executed by papermill into results/notebooks/ (hiar reproduce:
# resumable, a notebook done with the same source and parameters is skipped), and
# results/README.md written from the records. The first line prints what is left and how
# long it takes, from measured times. On a real dataset (DATA_ROOT set) only the notebooks
# run: make reproduce PROFILE=paper DATASET=ntu60 DATA_ROOT=/data/ntu
DATA := $(CACHE)/synthetic/$(PROFILE)
DETECTOR_DATA := $(CACHE)/synthetic/$(PROFILE)-detector
DETECTOR := $(CACHE)/detectors/synthetic-$(PROFILE).pt
FEATURES := $(CACHE)/features/$(PROFILE)-crops
DEMO_HEAD := $(CACHE)/runs/$(PROFILE)-crops_cs_tahnet_v1_$(PROFILE)_T8_outermost_P2P3_S14_mean/seed0
DATASET ?= synthetic
DATA_ROOT ?=
# $(call newer,RECORD,FILE): RECORD is there and newer than FILE, which is there too (a
# detector's record and its tracking record are remade only when the detector is newer).
newer = [ -f $(2) ] && [ -f $(1) ] && [ $(1) -nt $(2) ]
REPRODUCE := $(HIAR) reproduce --profile $(PROFILE) --dataset $(DATASET) --cache-dir $(abspath $(CACHE)) --results-dir $(abspath results) \
	$(if $(DATA_ROOT),--data-root $(DATA_ROOT))
reproduce: install browser
	$(REPRODUCE) --estimate
ifeq ($(DATA_ROOT),)
	$(HIAR) synth --out $(DATA) --profile $(PROFILE) --summary results/synthetic_$(PROFILE).json
	$(HIAR) synth-sheet $(DATA) --out results/figures/synthetic_samples_$(PROFILE).png
	$(PY) benchmarks/keypoint_ap_under_noise.py --data $(DATA) --out results/keypoint_ap_under_noise_$(PROFILE).json
	$(HIAR) synth --out $(DETECTOR_DATA) --profile $(PROFILE) --for-detector
	@if $(call newer,results/detector_synthetic_$(PROFILE).json,$(DETECTOR)); then \
		echo "detector: $(DETECTOR) and its record are there (delete the record to score it again)"; \
	else $(HIAR) train-detector --data $(DETECTOR_DATA) --eval-data $(DATA) --profile $(PROFILE) --out $(DETECTOR) \
		--results results/detector_synthetic_$(PROFILE).json; fi
	@if $(call newer,results/tracking_synthetic_$(PROFILE).json,$(DETECTOR)); then \
		echo "tracking: its record is newer than $(DETECTOR) (delete it to score the tracker again)"; \
	else $(HIAR) eval-tracking --data $(DATA) --weights $(DETECTOR) --out results/tracking_synthetic_$(PROFILE).json; fi
	$(HIAR) extract --dataset synthetic --data $(DATA) --protocol cs --profile $(PROFILE) --weights $(DETECTOR) --cache $(FEATURES) \
		--oracle-cache $(FEATURES)-oracle
	$(HIAR) train --cache $(FEATURES) --protocol cs --profile $(PROFILE) --head tahnet_v1 --seeds 0 1 2 \
		--results results/$(PROFILE)_tahnet_v1_cs.json
	$(HIAR) train --cache $(FEATURES) --protocol cs --profile $(PROFILE) --head tahnet_v1 --seeds 0 1 2 \
		--instances actors --results results/$(PROFILE)_tahnet_v1_cs_actors.json
endif
	$(REPRODUCE)
	$(PY) -m hiar_lib.experiments.inspector_browser --profile $(PROFILE) --cache-dir $(abspath $(CACHE)) \
		--results-dir $(abspath results) --out results/figures/inspector.png

# Do the paper's claims hold? The claims notebook (hiar_lib.experiments.claims) at
# CLAIMS_PROFILE, default synthetic-full (a larger benchmark and longer training: many
# hours on 2 CPU cores, over several sittings; every head is cached, so a rerun resumes
# at the head it stopped in; DEVICE=cuda on a GPU), into results/notebooks/claims.ipynb.
# It prints what is left and how long it takes first; its record
# results/claims_<profile>.json says the wall time and the device. Not run by make reproduce.
# A notebook run counts as done while its source and parameters are unchanged, whatever the
# library did since: CLAIMS_ARGS=--force runs it again (every trained head is reused).
CLAIMS_PROFILE ?= synthetic-full
DEVICE ?= cpu
CLAIMS_ARGS ?=
claims: install
	$(HIAR) reproduce --only claims --profile $(CLAIMS_PROFILE) --seeds 0 1 2 --device $(DEVICE) \
		--cache-dir $(abspath $(CACHE)) --results-dir $(abspath results) $(CLAIMS_ARGS)

# Speed figures (never asserted in tests): results/bench/*.json.
# bench_timing (Section 4.4 on this machine; on a GPU: --device cuda --out results/bench/timing_cuda_<gpu>.json)
# and table_rows need make reproduce's benchmark and detector (it times Tables 3-7's rows
# pooled from one cache of track crops against re-extracting tubes for each row); bench_demo
# its TAHNet-v1 outermost head (hiar demo on ../shared/realdata's basketball clip).
bench: install
	$(PY) benchmarks/bench_tracker.py --out results/bench/tracker.json
	$(PY) benchmarks/bench_tahnet.py --out results/bench/tahnet.json
	$(PY) benchmarks/bench_timing.py --device cpu --weights $(DETECTOR) --data $(DATA) --out results/bench/timing_cpu.json
	$(PY) benchmarks/table_rows.py --data $(DATA) --weights $(DETECTOR) --out results/bench/table_rows.json
	$(PY) benchmarks/bench_demo.py --head $(DEMO_HEAD) --weights $(DETECTOR) --out results/bench/demo_cpu.json \
		--still results/figures/demo_basketball.png

# Mutation testing (not part of make test): mutmut mutates the modules that decide the
# numbers and runs their tests against each mutant ([tool.mutmut] in pyproject.toml);
# hours on 2 CPU cores, resumable (a rerun continues where the last one stopped).
# The counts per module and the surviving mutants go to results/bench/mutation.json.
# One thread per mutant's test run (two run at once): mutmut's timeouts are CPU-time
# limits, and torch's worker threads spinning on a busy machine would spend them.
# MUTANTS narrows a sitting to some mutants (mutmut's name patterns, e.g. 'hiar_lib.track.*'):
# the others keep what earlier sittings found, and the report counts the never-run ones as not checked.
REALDATA ?= $(CURDIR)/../shared/realdata
MUTANTS ?=
mutation: install
	$(PY) -m pip install -q -c constraints.txt -e ".[test,mutation]"
	start=$$(date +%s); HIAR_REALDATA=$(REALDATA) OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VENV)/bin/mutmut run --max-children 2 $(foreach m,$(MUTANTS),'$(m)'); \
	$(PY) benchmarks/mutation_report.py --out results/bench/mutation.json --carry results/bench/mutation.json $(foreach m,$(MUTANTS),--sitting '$(m)') --wall-time-s $$(( $$(date +%s) - start ))

# Named wrong numbers (benchmarks/planted_bugs.py), each planted alone in a scratch copy of
# the tracked files; the tests that must fail on each go to results/bench/planted_bugs.json.
planted-bugs: install
	HIAR_REALDATA=$(REALDATA) $(PY) benchmarks/planted_bugs.py --out results/bench/planted_bugs.json

clean:
	rm -rf $(CACHE) .pytest_cache mutants
