# NN-PES Lab: `make run` starts the app, `make test` runs the whole test suite.
# Both create .venv when it is missing and install the project into it.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# Small PySCF jobs run fastest with few BLAS threads (set before numpy is imported).
export OMP_NUM_THREADS ?= 2
export OPENBLAS_NUM_THREADS ?= 1
# Idle OpenMP threads sleep instead of spinning: on 2 shared cores spinning made training 10-40x slower.
export OMP_WAIT_POLICY ?= PASSIVE

STAMP  := $(VENV)/.nnpes-installed
THREEDMOL := app/static/3Dmol-min.js

.PHONY: setup run test test-fast benchmarks clean

setup: $(STAMP) $(THREEDMOL)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@# Keep a torch that is already there (a CUDA build, say); otherwise take the CPU build.
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

# 3Dmol.js is served by the app itself (app/static), installed from the npm registry, never a CDN.
$(THREEDMOL): assets/web/package.json
	@command -v npm >/dev/null || { echo "npm is needed once to install 3Dmol.js (apt-get install npm)"; exit 1; }
	cd assets/web && npm install --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $(THREEDMOL))
	cp assets/web/node_modules/3dmol/build/3Dmol-min.js $(THREEDMOL)

# Server flags live in app/serve.py (shared with the browser test); static serving and the theme in
# app/.streamlit/config.toml.
run: setup
	$(PY) app/serve.py --port $(PORT)

test: setup
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not browser and not slow"

benchmarks: setup
	$(PY) benchmarks/train_water.py
	$(PY) benchmarks/md_speed.py

clean:
	rm -rf $(VENV) assets/web/node_modules $(THREEDMOL) .pytest_cache
