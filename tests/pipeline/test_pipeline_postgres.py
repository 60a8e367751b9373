"""The pipeline with a PostgreSQL gradebook (any SQLAlchemy URL works; this one is tested).

The fixture starts a throwaway PostgreSQL server (Debian package ``postgresql``) on a unix
socket in a temporary folder, as the ``postgres`` user when we are root; the test is
skipped, with the reason, when the server programs are not installed.
"""
import csv
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from test_pipeline import A, make_course, submit

from nngrade.config import Settings
from nngrade.pipeline import grade_class

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]


@pytest.fixture(scope="module")
def postgres_url():
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdb:
        pytest.skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; "
                    "Debian: apt-get install postgresql)")
    bin_dir = Path(initdb[-1]).parent
    as_user = []
    folder = Path(tempfile.mkdtemp(prefix="nngrade-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, socket_dir = folder / "data", folder

    def run(*command):
        subprocess.run([*as_user, *command], check=True, capture_output=True, text=True)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
        "-o", f"-k {socket_dir} -c listen_addresses=''", "start")
    try:
        run(str(bin_dir / "createdb"), "-h", str(socket_dir), "-U", "postgres", "gradebook")
        yield f"postgresql+psycopg2://postgres@/gradebook?host={socket_dir}"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_grades_land_in_postgresql_and_csv_agrees(tmp_path, postgres_url):
    course = tmp_path / "course"
    released = make_course(course)
    submit(course, released, "pat")
    submit(course, released, "quinn", square="    return x + x")
    settings = Settings(course_dir=course, assignment=A, jobs=2, cell_timeout=10,
                        db_url=postgres_url, progress=False)
    run = grade_class(settings)
    assert {o.student: o.score for o in run.outcomes} == {"pat": 5, "quinn": 2}
    assert not (course / "gradebook.db").exists()  # nothing went to SQLite
    with Gradebook(postgres_url) as gb:
        truth = {s.student.id: s.score for s in gb.find_assignment(A).submissions}
    assert truth == {"pat": 5, "quinn": 2}
    rows = csv.DictReader(open(course / "reports" / A / "grades.csv"))
    assert {r["student_id"]: float(r["score"]) for r in rows} == truth
    again = grade_class(settings)  # resumable against PostgreSQL too
    assert {o.status for o in again.outcomes} == {"unchanged"}
