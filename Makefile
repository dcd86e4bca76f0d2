# ortlearn — the two commands a learner or teacher needs:
#   make lab    set up .venv on first use and open JupyterLab on the first lesson
#   make test   set up .venv on first use, run the unit tests and re-execute every notebook (nbval, strict)
# Everything else here is for course maintainers: `make unit` (fast tier, under a minute) while editing
# the library, `make portable` before committing notebooks (nbval again under older CPU instruction sets).

PYTHON ?= python3
PORT ?= 8888
# Where the course's virtual environment lives; a second one for another Python: VENV=.venv-py313.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.ortlearn-installed
# Which PyTorch: cpu (default: PyTorch's CPU wheel index on Linux, PyPI's CPU-only build on macOS),
# or cuda (PyPI's CUDA build, about 4 GB more). TORCH_INDEX=URL takes torch from that index instead.
# They apply when .venv is created: after changing them, `make clean lab`.
TORCH ?= cpu
TORCH_INDEX ?=
NOTEBOOK_DIRS := $(wildcard lessons quizzes)
NOTEBOOKS := $(wildcard lessons/*.ipynb quizzes/*.ipynb)
# JupyterLab refuses to start as root unless told it may (containers, CI, Binder-like hosts).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg --nbval-cell-timeout=120
# Instruction-set levels below this CPU's that `make portable` emulates (see scripts/cpu_level.py).
CPU_LEVELS ?= $(shell $(PYTHON) scripts/cpu_level.py --list 2>/dev/null)

.PHONY: help venv lab test unit portable nbval notebooks lock doctor clean site site-serve

help:
	@echo "make lab [PORT=8888]   start JupyterLab on lessons/00_start_here.ipynb (127.0.0.1:PORT)"
	@echo "make test              unit tests + strict nbval over every lesson and quiz notebook"
	@echo "make unit              fast tier: unit tests without browser, JupyterLab or torch export (< 1 min)"
	@echo "make portable          nbval over every notebook again under older CPU instruction sets ($(CPU_LEVELS))"
	@echo "make nbval NB=path     re-run one notebook and compare its stored outputs"
	@echo "make notebooks         re-execute every notebook in place (refresh stored outputs)"
	@echo "make doctor            print the setup report"
	@echo "make site              build the course as a static website into _site/ (no re-execution)"
	@echo "make site-serve        build it, then preview it on http://127.0.0.1:$(SITE_PORT)/"
	@echo "make lock              re-resolve requirements.lock from pyproject.toml (maintainers)"

# First use: create .venv and install the course with the exact versions in requirements.lock
# (ortlearn/bootstrap.py: checks the Python, picks where torch comes from and says so, writes $(STAMP)).
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m ortlearn.bootstrap setup --venv "$(VENV)" --torch "$(TORCH)" --torch-index "$(TORCH_INDEX)"

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) $(ALLOW_ROOT) $(LAB_ARGS) lessons/00_start_here.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest tests $(NOTEBOOK_DIRS) $(NBVAL)

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow and not browser"

# The stored outputs must hold on any learner's CPU, not only on the one they were recorded on:
# re-run every notebook with torch, oneDNN, MKL, numpy and OpenBLAS limited to each older level.
portable: $(STAMP)
	@test -n "$(CPU_LEVELS)" || echo "portable: no older x86-64 level to emulate on this CPU ($$(uname -m)); nothing to do"
	@set -e; for level in $(CPU_LEVELS); do \
	    $(BIN)/python scripts/cpu_level.py $$level -- $(BIN)/python -m pytest $(NOTEBOOK_DIRS) $(NBVAL) -p no:cacheprovider; \
	done

nbval: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make nbval NB=lessons/01_onnx_format.ipynb"; exit 2; }
	$(BIN)/python -m pytest $(NB) $(NBVAL)

notebooks: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py $(NOTEBOOKS)

doctor: $(STAMP)
	$(BIN)/ortlearn doctor

# The course as a static website (ortlearn/site): the stored notebooks' outputs, every quiz as its offline
# page, the README's teaching notes; nothing re-executed, nothing fetched from another host. Any static host
# serves _site/ as it is (README: "The course as a website").
SITE_DIR ?= _site
SITE_PORT ?= 8000
site: $(STAMP)
	$(BIN)/python -m ortlearn.site --output $(SITE_DIR)

site-serve: site
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory $(SITE_DIR) $(SITE_PORT)

# Resolve the newest versions pyproject.toml allows in a throw-away venv and pin them, then check that
# every pin has wheels for Python 3.11-3.13 on Linux, macOS and Windows (scripts/lockfile.py).
# torch stays at the version this course is tested with; CUDA-only packages are never pinned.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet "$$(grep '^torch==' requirements.lock)" -e ".[test]"
	.lock-venv/bin/python -m pip freeze --exclude-editable > .lock-venv/freeze.txt
	.lock-venv/bin/python scripts/lockfile.py merge .lock-venv/freeze.txt > requirements.lock.new
	mv requirements.lock.new requirements.lock
	.lock-venv/bin/python scripts/lockfile.py check
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) lessons/artifacts quizzes/artifacts .pytest_cache _site
