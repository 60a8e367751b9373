"""nngrade: the instructor pipeline of the course.

One command grades a whole class (``python -m nngrade <assignment> --jobs n``):

- :mod:`nngrade.records`   the typed Job and Result records of a run, and their one JSON form;
- :mod:`nngrade.collect`   finds submissions (collecting an LMS zip download first, names validated);
- :mod:`nngrade.intake`    checks and copies submissions without following links, with size caps;
- :mod:`nngrade.scratch`   builds the throwaway courses: the assignment's template, one per submission;
- :mod:`nngrade.gradebook` merges results into the one real gradebook; what is pending hand grading;
- :mod:`nngrade.worker`    autogrades ONE submission in its own throwaway course directory;
- :mod:`nngrade.feedback`  shows the real gradebook's scores (pending hand grading) on feedback pages;
- :mod:`nngrade.sandbox`   the kernel launcher that confines the student's code;
- :mod:`nngrade.scan`      a static scan of submissions for tampering with NumPy or the grading helpers;
- :mod:`nngrade.pipeline`  runs the workers in parallel and is the only writer of the gradebook;
- :mod:`nngrade.export` and :mod:`nngrade.report` write ``reports/<assignment>/``.

It may use nbgrader; nnref never imports it.
"""
