"""nngrade: the instructor pipeline of the course.

One command grades a whole class (``python -m nngrade <assignment> --jobs n``):

- :mod:`nngrade.collect`   finds submissions (collecting an LMS zip download first);
- :mod:`nngrade.gradebook` builds the assignment's metadata and merges results into the one real gradebook;
- :mod:`nngrade.worker`    autogrades ONE submission in its own throwaway course directory;
- :mod:`nngrade.sandbox`   the kernel launcher that confines the student's code;
- :mod:`nngrade.scan`      a static scan of submissions for tampering with NumPy or the grading helpers;
- :mod:`nngrade.pipeline`  runs the workers in parallel and is the only writer of the gradebook;
- :mod:`nngrade.export` and :mod:`nngrade.report` write ``reports/<assignment>/``.

It may use nbgrader; nnref never imports it.
"""
