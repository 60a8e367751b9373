"""Fast checks of the book's configuration (no build): run them after editing _toc.yml."""

import pkgutil
import re
from pathlib import Path

import yaml

import nnref

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def test_every_uncommented_toc_entry_exists():
    from test_book import toc_files  # the same reading of _toc.yml as the build test

    missing = [f for f in toc_files() if not any((ROOT / f"{f}{ext}").is_file() for ext in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml names files that do not exist (comment them out): {missing}"


def test_toc_names_each_file_once():
    from test_book import toc_files

    files = toc_files()
    assert len(files) == len(set(files)), "a file appears twice in _toc.yml"


def test_instructor_and_class_data_are_never_built():
    excluded = set(CONFIG["exclude_patterns"])
    for folder in ("solutions", "submitted", "autograded", "feedback", "reports", ".venv", "tests",
                   "benchmarks", "_vendor", "node_modules"):
        assert folder in excluded, f"{folder}/ is not excluded from the book"
    assert CONFIG["only_build_toc_files"] is True


def test_the_book_loads_its_javascript_from_the_build():
    sphinx = CONFIG["sphinx"]["config"]
    assert not re.match(r"https?:", sphinx["mathjax_path"])
    assert all(not re.match(r"https?:", path) for path in sphinx["nb_ipywidgets_js"])
    assert "sphinx.ext.intersphinx" not in CONFIG["sphinx"]["extra_extensions"]
    assert CONFIG["execute"]["execute_notebooks"] == "cache"
    assert "exercises/*/*.ipynb" in CONFIG["execute"]["exclude_patterns"]


def test_api_appendix_documents_every_nnref_module():
    page = (ROOT / "book" / "appendix-api.md").read_text()
    documented = set(re.findall(r"automodule:: nnref\.(\w+)", page))
    public = {m.name for m in pkgutil.iter_modules(nnref.__path__) if not m.name.startswith("_")}
    assert public - documented == set(), f"add these nnref modules to book/appendix-api.md: {public - documented}"
    assert documented - public == set(), f"book/appendix-api.md documents missing modules: {documented - public}"
