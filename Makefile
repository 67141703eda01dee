# The two front-door commands are `make demo` and `make test`; each installs what it needs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(abspath $(VENV)/bin)
STAMP := $(VENV)/.installed
WORKERS ?= 0
export PATH := $(BIN):$(PATH)

.PHONY: install sandbox-tools browser-tools release student-package demo test lint grade export bench bench-grading bench-fast results clean-demo

install: $(STAMP) sandbox-tools

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# bubblewrap isolates student kernels; install it when we can (root on Debian/Ubuntu).
sandbox-tools:
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null) \
	  || echo "WARNING: bubblewrap is not installed: grading will run unisolated"; }

# Debian's Chromium drives tests/test_browser.py (formgrader in a real browser, with Playwright;
# `playwright install` would need the network). Installed when we can, else that test skips.
browser-tools:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "WARNING: chromium is not installed: tests/test_browser.py will be skipped"; }

release: install
	$(BIN)/practicals release

# The wheel students install (published by the course; the release's install cells point at
# c.StudentPackage.url). The course repository itself holds the solutions: keep it private.
student-package: install
	$(BIN)/practicals student-package

demo: install release
	$(BIN)/practicals demo

test: install browser-tools
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests
	# nbval runs a notebook's cells in order in one kernel: no xdist here.
	PRACTICALS_FAST=1 MPLBACKEND=Agg $(BIN)/python -m pytest --nbval-lax -p no:xdist source

lint: install
	$(BIN)/ruff check src tests bench evaluators && $(BIN)/ruff format --check src tests bench evaluators

grade: install
	@test -n "$(ASSIGNMENT)" || { echo "usage: make grade ASSIGNMENT=01_micrograd"; exit 2; }
	$(BIN)/practicals grade $(ASSIGNMENT) $(if $(filter-out 0,$(WORKERS)),--workers $(WORKERS))

export: install
	$(BIN)/practicals export

bench-grading: install
	$(BIN)/python bench/grading.py

# Each notebook top to bottom in fast mode, sandboxed like a submission (the budget is 60 s).
bench-fast: install
	$(BIN)/python bench/results.py --fast

bench: bench-grading bench-fast

results: install
	$(BIN)/python bench/results.py

clean-demo:
	rm -rf submitted autograded feedback gradebook.db grades.csv grades_long.csv .practicals
