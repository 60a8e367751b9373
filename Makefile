# The course's commands. `make book` and `make test` set up .venv on first use, so on a
# fresh machine either one is all the set-up. See README.md.
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
JOBS    ?= $(shell nproc)

.PHONY: setup vendor book book-zip book-pdf check test lab exercises grade bench clean

setup: $(STAMP)

# Re-install only when the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# The book's JavaScript, served from the build so that it reads offline (no CDN): MathJax 3,
# require.js and the Jupyter widget manager, fetched from npm once into _vendor/ (git-ignored).
# axe-core (the accessibility checker) is used only by the book's tests: it goes to
# _vendor_tests/, which is never copied into the book.
VENDOR        := _vendor
VENDOR_TESTS  := _vendor_tests
VENDOR_STAMP  := $(VENDOR)/.installed
NPM_PACKAGES  := mathjax@3.2.2 @jupyter-widgets/html-manager@1.0.15 requirejs@2.3.7 axe-core@4.14.1

vendor: $(VENDOR_STAMP)

$(VENDOR_STAMP): Makefile
	@command -v npm >/dev/null || { echo "make vendor needs npm (Debian: apt-get install npm)"; exit 1; }
	rm -rf $(VENDOR) $(VENDOR_TESTS) && mkdir -p $(VENDOR)/.npm $(VENDOR)/mathjax $(VENDOR)/html-manager $(VENDOR_TESTS)
	cd $(VENDOR)/.npm && npm pack --silent $(NPM_PACKAGES) >/dev/null
	cd $(VENDOR)/.npm && for t in *.tgz; do mkdir -p "$${t%.tgz}" && tar xzf "$$t" -C "$${t%.tgz}" || exit 1; done
	# MathJax: the component the pages load plus what it loads on demand (fonts, extensions).
	cd $(VENDOR)/.npm/mathjax-3.2.2/package/es5 && \
	  cp -r tex-mml-chtml.js input output ui a11y sre adaptors ../LICENSE $(CURDIR)/$(VENDOR)/mathjax/
	# Widget manager: the AMD bundle and the fonts/images it references (no source maps).
	cp $(VENDOR)/.npm/jupyter-widgets-html-manager-1.0.15/package/dist/embed-amd.js $(VENDOR)/html-manager/
	find $(VENDOR)/.npm/jupyter-widgets-html-manager-1.0.15/package/dist -maxdepth 1 -type f \
	  ! -name '*.js' ! -name '*.map' -exec cp {} $(VENDOR)/html-manager/ \;
	cp $(VENDOR)/.npm/requirejs-2.3.7/package/require.js $(VENDOR)/
	cp $(VENDOR)/.npm/axe-core-4.14.1/package/axe.min.js $(VENDOR)/.npm/axe-core-4.14.1/package/LICENSE $(VENDOR_TESTS)/
	rm -rf $(VENDOR)/.npm
	touch $@

# Strict build: any warning (including an unresolved reference) fails it. Executed pages are
# cached in _build/.jupyter_cache, so a rebuild without changes takes seconds. The HTML is
# written afresh each time, so that a page removed from _toc.yml does not linger in it.
book: setup vendor
	rm -rf _build/html
	$(BIN)/jupyter-book build --warningiserror --nitpick .
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# An offline copy of the book to hand out: unzip and open index.html. It includes the
# whole-book PDF (course-book/book.pdf) when `make book-pdf` has built it.
book-zip: book
	rm -f _build/book.zip
	rm -rf _build/course-book && cp -r _build/html _build/course-book
	if [ -f _build/latex/book.pdf ]; then cp _build/latex/book.pdf _build/course-book/book.pdf; fi
	cd _build && $(CURDIR)/$(PY) -m zipfile -c book.zip course-book && rm -rf course-book
	@echo "Offline book: $(CURDIR)/_build/book.zip"

# Before a commit: the linter and the fast unit tests (nnref and the grading helpers), in
# well under a minute. CI runs it before `make test`.
check: setup
	$(BIN)/ruff check .
	$(PY) -m pytest -q tests/nnref tests/grading/test_grading_helpers.py
# The whole book as one PDF, through Jupyter Book's LaTeX builder (XeLaTeX). Needs TeX Live:
# on Debian, apt-get install texlive-latex-recommended texlive-latex-extra
# texlive-fonts-recommended texlive-xetex latexmk fonts-freefont-otf tex-gyre (.ci/run does).
# Uses the same execution cache as `make book`; tested by tests/book/test_book_pdf.py.
book-pdf: setup vendor
	@command -v latexmk >/dev/null && command -v xelatex >/dev/null || { echo "make book-pdf needs TeX Live: see the Makefile"; exit 1; }
	$(BIN)/jupyter-book build --builder pdflatex .
	@echo "The PDF is at $(CURDIR)/_build/latex/book.pdf"

# vendor first: the browser tests look for _vendor_tests/axe.min.js when they are collected.
test: setup vendor
	$(PY) -m pytest -n 2 --dist loadgroup

# JupyterLab refuses to run as root unless told (containers and CI machines often are root).
lab: setup
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) exercises

# `make exercises` regenerates every assignment, `make exercises A=ch02-activations` one.
# nbgrader runs `alembic` from PATH, hence the PATH.
exercises: setup
	for a in $(or $(A),$(notdir $(wildcard solutions/*))); do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/nbgrader generate_assignment $$a --force || exit 1; \
	done

# `make grade A=ch02-activations [JOBS=n]`, or on a Dask cluster: `... CLUSTER=tcp://host:8786`.
grade: setup
	@test -n "$(A)" || (echo "usage: make grade A=<assignment> [JOBS=n] [CLUSTER=tcp://scheduler:8786]"; exit 2)
	$(PY) -m nngrade $(A) --jobs $(JOBS) $(if $(CLUSTER),--cluster $(CLUSTER))

# nnref's training speed against hand-written NumPy and scikit-learn (writes
# benchmarks/RESULTS.md), then the class grader (its section of RESULTS.md): python -m nngrade
# --jobs 1 against plain nbgrader autograde in one run, per stage, JOBS=1/2/4, and SCALE (300)
# submissions at JOBS=2 and on a local Dask cluster (long on a small machine: SCALE=40 for less).
bench: setup
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_grading.py --repeats 3 --scale-students $(or $(SCALE),300)

clean:
	rm -rf _build
