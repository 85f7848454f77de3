# Two commands do everything (see README.md):
#   make demo   install, build the release, grade sample submissions, print the gradebook
#   make test   the whole test suite (budget: 15 minutes of pytest on 2 cores)
# and one is run before each commit:
#   make check  lint and the tests not marked slow (budget: 3 minutes)
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: demo test check lint venv system-deps clean

# The environment is rebuilt when the lock (requirements.txt) or the package
# metadata change; the stamp file records the last successful install.
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

venv: $(VENV)/.installed

# Debian packages: the grading sandbox (bubblewrap), the browser test
# (chromium) and the PostgreSQL gradebook test (postgresql). Each script installs
# only what is missing and, when not root or not on Debian, says so and skips:
# grading then runs unsandboxed (and says so), and those tests skip with a reason.
system-deps:
	@for script in scripts/install-*.sh; do bash "$$script" || exit 1; done

demo: venv system-deps
	$(PY) -m course demo

lint: venv
	$(VENV)/bin/ruff check --quiet .

# Three xdist workers on two cores: grading waits on kernels, and a third worker keeps both
# cores busy (measured 98% of CPU time busy, against 77% with two). The tests of one
# assignment of the graded real course share a worker, each other module keeps to one
# (tests/conftest.py). A run over its budget prints a warning.
test: venv system-deps lint
	$(PY) -m pytest -n 3 --dist loadfile --time-budget 900

check: venv lint
	$(PY) -m pytest -q -m "not slow" -n 2 --dist loadfile --time-budget 180

clean:
	rm -rf submitted autograded/*/ feedback gradebook.db grades.csv grading reports
