"""nbgrader configuration of the course. The course directory is the repository root.

    solutions/<assignment>/<assignment>.ipynb   instructor notebooks (source: solutions, hidden tests)
    exercises/<assignment>/<assignment>.ipynb   student notebooks, generated (`make exercises`)
    submitted/<student>/<assignment>/           what students hand in (git-ignored, like the rest below)
    autograded/, feedback/, gradebook.db        written by `nbgrader autograde` / `generate_feedback`

How grading works (which preprocessors run, the sandbox, the trusted tests) is defined once,
in nngrade/preprocessors.py; `make grade` uses the same settings. See ARCHITECTURE.md,
"The grading trust model".
"""
import os
import sys

# nbgrader loads this file from the course directory; the course's own packages live here too.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nngrade.preprocessors import course_settings  # noqa: E402

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "nn-training"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Seconds one cell (or one call of a student's function by a test) may run when grading. The
# course's cells run in well under a second; this leaves room for a slow machine and stops
# an endless loop (the cell scores 0).
c.merge(course_settings(cell_timeout=60))
