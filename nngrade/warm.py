"""What a grading process sets up once, before it grades, so that each submission costs little.

The pipeline forks one process per submission (:mod:`nngrade.worker`) from a fork server
that imported this module (:class:`nngrade.pipeline.Workers`). Importing it there

- :func:`setup_process`: makes the scratch gradebooks fast (SQLite without ``fsync`` and
  with its journal in memory: a scratch gradebook is thrown away when its worker fails, so
  durability buys nothing), caches the compiled Jinja templates of the feedback page for
  every later exporter (by template source, so an edited template is compiled again), and
  times the stages (:mod:`nngrade.timing`);
- :func:`warm_up`: when the pipeline named a warm-up file (``$NNGRADE_WARMUP``), waits for
  the job the pipeline writes there once the assignment's template is built (the released
  notebook handed in by no one, in its own scratch course: see
  :meth:`nngrade.scratch.Scratch.warmup_job`) and grades it once, so that every forked
  worker starts with nbgrader's, nbconvert's, Pygments' and the tests' modules imported
  and their caches filled. The warm-up's result is thrown away; a failure of the warm-up
  only costs speed. The gradebook engines it opened are closed before any worker is forked.

Every worker is still a fresh process (forked from the warm one): nothing of one
submission's grading reaches another's.
"""
import contextlib
import gc
import os
import shutil
import sys
import time
from pathlib import Path

from nngrade.engines import WARMUP_ENV  # noqa: E402

_done = []


def setup_process():
    """Fast scratch gradebooks, cached feedback templates, stage timing. Only ever called in
    grading processes (never in the pipeline, which writes the real gradebook)."""
    if _done:
        return
    scratch_gradebooks("/")  # a grading process opens no other gradebook
    _cache_templates()
    _reuse_gradebook_engines()
    _cache_metadata_validator()
    from nngrade import timing

    timing.instrument()
    _done.append(True)


_scratch_roots = []


def scratch_gradebooks(root):
    """SQLite gradebooks under the folder ``root`` are scratch: no ``fsync``, journal in memory
    (a scratch gradebook is thrown away when anything fails, so durability buys nothing;
    each commit would otherwise wait for the disk). Any other gradebook is left as it is."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not _scratch_roots:
        @event.listens_for(Engine, "connect")
        def _scratch_sqlite(connection, record):
            if not isinstance(connection, sqlite3.Connection):
                return
            cursor = connection.cursor()
            try:
                files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"]
                if files and files[0] and any(os.path.realpath(files[0]).startswith(r)
                                              for r in _scratch_roots):
                    cursor.execute("PRAGMA synchronous=OFF")
                    cursor.execute("PRAGMA journal_mode=MEMORY")
            finally:
                cursor.close()
    root = os.path.realpath(root)
    _scratch_roots.append(root if root.endswith(os.sep) else root + os.sep)


def _cache_templates():
    import jinja2
    from nbconvert.exporters.templateexporter import TemplateExporter

    class MemoryBytecodeCache(jinja2.BytecodeCache):
        """Compiled templates kept in memory, checked against the template's source."""

        def __init__(self):
            self.store = {}

        def load_bytecode(self, bucket):
            code = self.store.get(bucket.key)
            if code is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket):
            self.store[bucket.key] = bucket.bytecode_to_string()

    cache = MemoryBytecodeCache()
    create = TemplateExporter._create_environment

    def _create_environment(self):
        environment = create(self)
        environment.bytecode_cache = cache
        return environment

    TemplateExporter._create_environment = _create_environment


_engines = {}


def _reuse_gradebook_engines():
    """One SQLAlchemy engine per gradebook URL in this process, not one per ``Gradebook()``.

    nbgrader opens the scratch gradebook a dozen times per submission, each time with a new
    engine that inspects the schema again (``create_all``) and compiles every statement
    again. The first opening does all that; the next ones reuse its engine (its compiled
    statements included) and only start a new session, as nbgrader's own code would."""
    from nbgrader import api
    from sqlalchemy.orm import scoped_session, sessionmaker

    init = api.Gradebook.__init__

    def __init__(self, db_url, course_id="default_course", authenticator=None):
        engine = _engines.get(db_url)
        if engine is None:
            init(self, db_url, course_id, authenticator)
            _engines[db_url] = self.engine
            return
        self.engine = engine
        self.db = scoped_session(sessionmaker(autoflush=True, bind=engine, future=True))
        self.check_course(course_id=course_id)
        self.course_id = course_id
        self.authenticator = authenticator

    def close(self):
        self.db.remove()   # the engine stays for the next Gradebook of this URL

    api.Gradebook.__init__, api.Gradebook.close = __init__, close


def forget_engines():
    """Close the reused engines (before forking workers: no connection is shared)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def _cache_metadata_validator():
    """nbgrader checks every cell's metadata with ``jsonschema.validate``, which checks the
    (constant) schema itself again each time; check it once, validate as before."""
    import types

    import jsonschema
    from jsonschema.exceptions import best_match
    from nbgrader.nbgraderformat import common

    validators = {}

    def validate(instance, schema):
        known = validators.get(id(schema))
        if known is None or known[0] is not schema:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            known = validators[id(schema)] = (schema, cls(schema))
        error = best_match(known[1].iter_errors(instance))
        if error is not None:
            raise error

    common.jsonschema = types.SimpleNamespace(validate=validate)


@contextlib.contextmanager
def _quiet():
    """Send this process's output (nbgrader's log, the kernel's prints) nowhere for a while."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def warm_up(job_path):
    """Grade the warm-up job once (its result is not used); never raises."""
    try:
        from nngrade import records, sandbox, worker

        setup_process()
        box = _sandbox_ahead(Path(job_path).parent / "sandbox")
        try:
            if not _wait_for(job_path):
                return
            with _quiet():
                worker.grade(records.read(records.Job, job_path))
        finally:  # nothing of it may reach the workers forked later
            sandbox.hand_over([])
            if box is not None:
                box.close()
                shutil.rmtree(box.folder, ignore_errors=True)
    except Exception:  # only speed is lost
        if os.environ.get("NNGRADE_DEBUG_WARMUP"):
            import traceback

            traceback.print_exc()


def _sandbox_ahead(folder):
    """Start the warm-up's sandbox while the pipeline builds the assignment's template (it takes
    a few tenths of a second: bubblewrap, then the harness importing NumPy and IPython), with
    the default limits; the warm-up's notebook takes it if its limits are the defaults (the
    usual case), else it is closed unused. Returns the sandbox, or None."""
    from nngrade import sandbox

    try:
        box = sandbox.start_ahead(sandbox.Policy(), folder)
    except Exception:
        return None
    box.folder = folder
    sandbox.hand_over([sandbox.Ready(box.sock, str(folder), sandbox.Policy())])
    return box


def _wait_for(path, limit=300):
    """The pipeline writes the warm-up job once the assignment's template is built (this
    process imports meanwhile); an empty file, or its run folder gone, means no warm-up."""
    path = Path(path)
    deadline = time.monotonic() + limit
    while not path.exists() and path.parent.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return path.is_file() and path.stat().st_size > 0


import nngrade.worker  # noqa: E402,F401  (what the workers run: imported once, here)

if os.environ.get(WARMUP_ENV):
    try:
        warm_up(os.environ[WARMUP_ENV])
    finally:
        forget_engines()
# Everything the fork server holds now is shared by every worker forked from it. Frozen, the
# garbage collector never walks it in a worker: a full collection there would otherwise visit
# (and, writing to each object, copy page by page) the whole inherited heap, measured at 0.1 s
# per submission whenever one fell inside a worker's life.
gc.collect()
gc.freeze()
