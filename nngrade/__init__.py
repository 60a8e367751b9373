"""nngrade: the instructor pipeline of the course.

One command grades a whole class (``python -m nngrade <assignment> --jobs n``):

- :mod:`nngrade.records`   the typed Job and Result records of a run, and their one JSON form;
- :mod:`nngrade.collect`   finds submissions (collecting an LMS zip download first, names validated);
- :mod:`nngrade.intake`    checks and copies submissions without following links, with size caps;
- :mod:`nngrade.scratch`   builds the throwaway courses: the assignment's template, one per submission;
- :mod:`nngrade.gradebook` merges results into the one real gradebook; what is pending hand grading;
- :mod:`nngrade.worker`    autogrades ONE submission in its own throwaway course directory;
- :mod:`nngrade.trusted`   runs a notebook: the tests here, the student's code in the sandbox;
- :mod:`nngrade.sandbox`   the bubblewrap sandbox of one notebook; :mod:`nngrade.harness` runs inside it;
- :mod:`nngrade.preprocessors` the nbgrader settings and preprocessors of the course;
- :mod:`nngrade.feedback`  shows the real gradebook's scores (pending hand grading) on feedback pages;
- :mod:`nngrade.pipeline`  runs the workers in parallel and is the only writer of the gradebook;
- :mod:`nngrade.export` and :mod:`nngrade.report` write ``reports/<assignment>/``.

It may use nbgrader; nnref never imports it.
"""
import sys

# nbformat imports jsonschema, which imports rfc3987_syntax when it is installed (jupyter-events
# asks for it); that module builds its IRI parsers at import, a second of start-up in every
# grading process. Nothing here validates IRIs, so nngrade's processes do without it: with the
# import refused, jsonschema simply has no "iri" format check (its documented fallback).
sys.modules.setdefault("rfc3987_syntax", None)

