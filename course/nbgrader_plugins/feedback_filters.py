"""Feedback pages students may see: scores and teaching messages, no hidden tests.

nbgrader's own ``generate_feedback`` renders the autograded notebook as it is:
the hidden tests that OverwriteCells put back into every test cell, and the full
traceback of every failure, whose context lines quote hidden-test source.
nbgrader_config.py sets ``GenerateFeedback.preprocessors`` to :func:`preprocessors`:
nbgrader's GetGrades (which reads the scores from the gradebook), then

- ``HideHiddenTests``: in every cell, drops the ``### BEGIN HIDDEN TESTS`` ...
  ``### END HIDDEN TESTS`` region from the source; in test cells, reduces each
  error to ``Name: message`` plus the frames of the student's own cells (where
  in *their* code it failed), dropping every frame of the test cell itself and
  of library code; strips the quoted source line from warnings on stderr.
- ``SanitizeStudentHTML`` (course.nbgrader_plugins.student_html): nothing the student
  wrote or displayed runs in the page.
- ``FeedbackSummary``: one row per problem, its score and, for a problem that lost
  points, the teaching message, which the page's template
  (course.nbgrader_plugins.feedback_page) puts at the top.

so that ``nbgrader generate_feedback``, the formgrader's button and
``python -m course feedback`` write the same page, to
``feedback/<student>/<assignment>/<notebook>.html``.
"""

import re

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import NbGraderPreprocessor

from course.nbgrader_plugins import cells
from course.nbgrader_plugins.student_html import SanitizeStudentHTML

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FRAME = re.compile(r"^\s*Cell\s+In\s*\[(\d+)\]")
_WARNING_HEADER = re.compile(r":\d+: \w*Warning\b")


def strip_hidden(source):
    """`source` without its hidden-test regions (marker lines included).

    A BEGIN without its END hides everything after it: when in doubt, show less.
    """
    return cells.without_regions(source, [cells.HIDDEN_TESTS])


def plain(text):
    """Text without ANSI colour codes."""
    return _ANSI.sub("", text or "")


def error_message(output):
    """``Name: message`` of an error output, as the student should read it."""
    name = output.get("ename", "Error")
    value = (output.get("evalue") or "").strip()
    if not value and name == "NotImplementedError":
        value = ("a function this test calls still raises NotImplementedError: "
                 "replace `raise NotImplementedError()` with your code")
    return f"{name}: {value}" if value else name


def _frame_cell(entry):
    """The execution count of a traceback frame in a notebook cell ("Cell In[7], ..."), or None."""
    match = _CELL_FRAME.match(plain(entry))
    return int(match.group(1)) if match else None


def reduce_error(output, hidden_counts):
    """Make a test cell's error output safe to show, in place.

    Keeps the frames of the student's own cells (where the error happened) and
    the final ``Name: message``; drops the frames of every cell whose execution
    count is in `hidden_counts` (the test cells, hidden tests included) and of
    library files.
    """
    frames = [entry for entry in output.get("traceback", [])[2:-1]
              if _frame_cell(entry) is not None and _frame_cell(entry) not in hidden_counts]
    name = output.get("ename", "Error")
    last = f"\x1b[31m{name}\x1b[39m: {output.get('evalue', '')}"
    if frames:
        head = [output["traceback"][0],
                f"\x1b[31m{name}\x1b[39m    in your code (frames of the test cell are not shown)"]
        output["traceback"] = head + frames + [last]
    else:
        output["traceback"] = [last]
    return output


def drop_hidden_frames(output, hidden_counts):
    """In a student cell's error: drop frames of test cells (a helper a hidden
    test defined), keep the rest of the traceback as it is."""
    output["traceback"] = [entry for entry in output.get("traceback", [])
                           if _frame_cell(entry) not in hidden_counts or _frame_cell(entry) is None]
    return output


def strip_warning_sources(text):
    """stderr text without the source line Python prints under each warning."""
    lines, after_header = [], False
    for line in text.split("\n"):
        if after_header and line.startswith(" "):
            after_header = False
            continue
        after_header = bool(_WARNING_HEADER.search(line))
        lines.append(line)
    return "\n".join(lines)


def _has_hidden(cell):
    return cells.has_region(cell.get("source", ""), [cells.HIDDEN_TESTS])


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden-test source and hidden-test traceback lines from a notebook."""

    def preprocess(self, nb, resources):
        # Execution counts of the cells whose frames must not be shown: every
        # test cell and any cell with a hidden region.
        self.hidden_counts = {cell.get("execution_count") for cell in nb.cells
                              if cell.get("cell_type") == "code"
                              and (cells.is_test(cell) or _has_hidden(cell))}
        self.hidden_counts.discard(None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        had_hidden = _has_hidden(cell)
        if had_hidden:
            cell.source = strip_hidden(cell.source)
        if cell.get("cell_type") != "code":
            return cell, resources
        guarded = had_hidden or cells.is_test(cell)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                if guarded:
                    reduce_error(output, self.hidden_counts | {cell.get("execution_count")})
                else:
                    drop_hidden_frames(output, self.hidden_counts)
            elif guarded and output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["text"] = strip_warning_sources(output.get("text", ""))
        return cell, resources


def problem_rows(nb):
    """[(grade_id, score, points, message or None)] for the graded cells of a
    notebook after nbgrader's GetGrades (which puts score and points in the
    cell metadata). message says why points were lost."""
    rows = []
    for cell in nb.cells:
        meta = cells.nbgrader_meta(cell)
        if not cells.is_graded(cell):
            continue
        score, points = meta.get("score"), meta.get("points")
        message = None
        if score is None:
            message = "waiting for manual grading"
        elif points is not None and float(score) < float(points):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            stderr = [o for o in cell.get("outputs", [])
                      if o.get("output_type") == "stream" and o.get("name") == "stderr"]
            if errors:
                message = error_message(errors[-1])
            elif stderr:
                message = ("the cell wrote to stderr, which counts as a failure: "
                           + plain(stderr[0].get("text", "")).strip()[:500])
            elif any(o.get("output_type") == "execute_result" for o in cell.get("outputs", [])):
                message = ("partial credit: nbgrader took the number this cell ends with as its "
                           "score (ask your instructor: the test cell should not end with a value)")
            elif cells.is_solution(cell):
                message = "graded by hand: see the comment at this cell"
            else:
                message = "this test did not pass (no error was recorded: was the cell run?)"
        rows.append((meta.get("grade_id", "?"), score, points, message))
    return rows


def _num(value):
    return "-" if value is None else f"{float(value):g}"


def summary(rows):
    """What the page's summary shows: {"problems": [{grade_id, score, points, message}],
    "passed": how many lost nothing}; scores as text ("-" when not graded yet)."""
    problems = [{"grade_id": grade_id, "score": _num(score), "points": _num(points), "message": message}
                for grade_id, score, points, message in rows]
    return {"problems": problems, "passed": sum(1 for p in problems if not p["message"])}


class FeedbackSummary(NbGraderPreprocessor):
    """The table of problems, scores and teaching messages, for the page's template
    (course.nbgrader_plugins.feedback_page) to put at the top: resources["course_feedback"]."""

    def preprocess(self, nb, resources):
        resources["course_feedback"] = summary(problem_rows(nb))
        return nb, resources


def preprocessors():
    """GenerateFeedback's preprocessor list (nbgrader_config.py sets it): nbgrader's, with
    ours after GetGrades (which reads the scores from the gradebook)."""
    from nbgrader.preprocessors import GetGrades

    return [GetGrades, HideHiddenTests, SanitizeStudentHTML, FeedbackSummary, CSSHTMLHeaderPreprocessor]
