"""Where a grading worker's time goes: wall-clock seconds per stage of one submission.

:func:`instrument` wraps, in the worker process only, the steps that matter (it changes
no behaviour, it only times): each nbgrader preprocessor by class, the wait for the
sandboxed kernel, the student's cells, the trusted test cells, the feedback HTML export.
:func:`collect` gives one submission's stages; the worker puts them in
:attr:`nngrade.records.Result.stages` and the pipeline adds its own (``merge``).

Stage names (``make bench`` prints them in this order):

``worker start``     from the pipeline starting the worker to the worker running (pipeline side)
``sandbox start``    waiting for the sandboxed kernel to say it is ready
``cell execution``   the student's cells (and locked cells) running in the sandbox
``trusted tests``    test and locked cells running in the trusted process
``gradebook``        nbgrader's gradebook preprocessors (SaveAutoGrades, AssignLatePenalties,
                     GetGrades) and the other preprocessors
``feedback HTML``    exporting the feedback page: its preprocessors (GetGrades, hiding the
                     hidden tests) and the rendering (nbconvert's template exporter)
``nbgrader other``   the rest of the worker: nbgrader's apps, notebook reading and writing,
                     the gradebook rows of the submission
``merge``            the pipeline merging the result into the real gradebook and the course
"""
import contextlib
import functools
import time

ORDER = ("worker start", "sandbox start", "cell execution", "trusted tests", "gradebook",
         "feedback HTML", "nbgrader other", "merge")

_stages = {}
_depth = [0]   # nested timed calls count once, in the outermost stage
_installed = []


def add(name, seconds):
    _stages[name] = _stages.get(name, 0.0) + seconds


@contextlib.contextmanager
def collect():
    """Time one submission: yields the dict that fills up with its stages."""
    _stages.clear()
    stages = {}
    start = time.perf_counter()
    try:
        yield stages
    finally:
        total = time.perf_counter() - start
        stages.update({k: round(v, 4) for k, v in _stages.items()})
        stages["nbgrader other"] = round(max(0.0, total - sum(_stages.values())), 4)
        _stages.clear()


def _timed(name, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if _depth[0]:
            return function(*args, **kwargs)
        _depth[0] += 1
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _depth[0] -= 1
            add(name(args) if callable(name) else name, time.perf_counter() - start)
    return wrapper


def _time_preprocessor(call):
    """Preprocessors count as ``gradebook``; TrustedExecute is timed by its parts instead."""
    timed = _timed("gradebook", call)

    @functools.wraps(call)
    def wrapper(self, *args, **kwargs):
        if type(self).__name__ == "TrustedExecute":
            return _execute(call, self, *args, **kwargs)
        return timed(self, *args, **kwargs)
    return wrapper


def _execute(call, *args, **kwargs):
    """TrustedExecute: its parts are stages; what is left of it (binding the student's names,
    compiling the cells) counts as ``trusted tests``."""
    before = sum(_stages.values())
    start = time.perf_counter()
    try:
        return call(*args, **kwargs)
    finally:
        inner = sum(_stages.values()) - before
        add("trusted tests", max(0.0, time.perf_counter() - start - inner))


def instrument():
    """Wrap the timed steps (once per process; the worker and the fork server call it)."""
    if _installed:
        return
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.preprocessors import Preprocessor

    from nngrade import trusted

    Preprocessor.__call__ = _time_preprocessor(Preprocessor.__call__)
    TemplateExporter.from_notebook_node = _timed("feedback HTML", TemplateExporter.from_notebook_node)
    trusted.Kernel.__init__ = _timed("sandbox start", trusted.Kernel.__init__)
    trusted.TrustedExecute._run_in_kernel = _timed("cell execution", trusted.TrustedExecute._run_in_kernel)
    trusted.TrustedExecute._run_trusted = _timed("trusted tests", trusted.TrustedExecute._run_trusted)
    _installed.append(True)
