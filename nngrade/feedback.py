"""Feedback pages as the real gradebook sees them: hand-graded parts shown as pending.

The worker generates a student's feedback in its scratch course, whose gradebook knows
nothing of hand grading: a written answer not graded yet shows "Score: 0.0 / 2.0" and the
notebook's total counts it as 0. When the pipeline copies the page into ``feedback/``,
:func:`mark_scores` rewrites the scores on it from the real gradebook: a part still to
be graded by hand reads "pending (graded by hand)", one graded by hand shows its manual
score, and a note at the top says how many points are still to come.

The scores are found by the structure of nbgrader 0.9.6's feedback template (the table of
contents links ``href="#<grade_id>"``, the cell anchors ``name="<grade_id>"``); the note
at the top needs only ``<body>``, so it is there even if the template changes. Marking a
marked page again gives the same page as marking the original (the pipeline re-marks the
pages of unchanged submissions on every run, so hand grading done since shows).
"""
import html
import re

SCORE = r"(?:[-\d.]+|pending, graded by hand)"   # as nbgrader writes it, or as marked before
NOTE = re.compile(r'<div class="alert alert-info nngrade-pending"[^>]*>.*?</div>', re.S)


def _number(value):
    return f"{round(float(value), 2)}"


def mark_scores(page, cells, totals):
    """The feedback HTML ``page`` with the scores of ``cells`` (``{grade_id: (score or None
    when pending, max_score)}``) and the notebook's ``totals`` (``(score so far, max_score,
    pending points)``), as :func:`nngrade.gradebook.cell_scores` returns them."""
    score, max_score, pending = totals
    for grade_id, (value, points) in cells.items():
        shown = (f"pending, graded by hand / {_number(points)}" if value is None
                 else f"{_number(value)} / {_number(points)}")
        gid = re.escape(html.escape(grade_id))
        # table of contents: <a href="#id">Written response</a> (Score: 0.0 / 2.0)
        page = re.sub(rf'(<a href="#{gid}">[^<]*</a> \(Score: ){SCORE} / [-\d.]+(\))',
                      lambda m, shown=shown: f"{m.group(1)}{shown}{m.group(2)}", page)
        # the cell's own heading: <a name="id"></a> ... Score: 0.0 / 2.0 <a href="#top">
        page = re.sub(rf'(<a name="{gid}"></a>(?:(?!<a name=)[\s\S])*?Score: ){SCORE} / [-\d.]+(\s*<a href="#top">)',
                      lambda m, shown=shown: f"{m.group(1)}{shown}{m.group(2)}", page, count=1)
    if score is not None:
        total = f"{_number(score)} / {_number(max_score)}"
        if pending:
            total = f"{_number(score)} / {_number(max_score)} so far, {_number(pending)} points pending"
        page = re.sub(r"(<h4>[^<]*\(Score: )[-\d.]+ / [-\d.]+(?: so far, [-\d.]+ points pending)?(\)</h4>)",
                      lambda m: f"{m.group(1)}{total}{m.group(2)}", page, count=1)
    page = NOTE.sub("", page)
    if pending:
        note = (f'<div class="alert alert-info nngrade-pending" style="margin: 1em">'
                f"<b>Not final yet:</b> {_number(pending)} points of this notebook are still to be "
                "graded by hand (marked <i>pending</i> below). The score shown counts only the "
                "points given so far.</div>")
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + note, page, count=1)
    return page


def mark_file(path, cells, totals):
    """Rewrite the feedback page at ``path`` in place (see :func:`mark_scores`)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    path.write_text(mark_scores(text, cells, totals), encoding="utf-8")
