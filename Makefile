# The course's commands. `make book` and `make test` set up .venv on first use, so on a
# fresh machine either one is all the set-up. See README.md.
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
JOBS    ?= $(shell nproc)

.PHONY: setup book test lab exercises grade bench clean

setup: $(STAMP)

# Re-install only when the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

book: setup
	$(BIN)/jupyter-book build --warningiserror --nitpick --keep-going .
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

test: setup
	$(PY) -m pytest -n 2 --dist loadgroup

lab: setup
	$(BIN)/jupyter lab exercises

exercises: setup
	$(BIN)/nbgrader generate_assignment --all --force --CourseDirectory.create_assignment=True

grade: setup
	@test -n "$(A)" || (echo "usage: make grade A=<assignment> [JOBS=n]"; exit 2)
	$(PY) -m nngrade $(A) --jobs $(JOBS)

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf _build
