"""Student content made inert: nothing a student wrote or displayed runs in a browser.

A submission is shown to the instructor (nbgrader's formgrader, in a tab or in JupyterLab's
formgrader panel, same origin as the Jupyter server: a script there could read the API
and the ``_xsrf`` cookie) and to the student (the feedback page). Both render HTML that
the student controls: the raw HTML in markdown and raw cells, and every rich output their
code displayed while it was graded (``IPython.display.HTML``, ``Javascript``, ``SVG``,
widgets).

``SanitizeStudentHTML`` is nbconvert's SanitizeHTML (bleach) with a short allow-list:
HTML outputs and markdown keep plain layout and tables (a DataFrame still reads as one),
lose every script, event handler, style and ``javascript:`` link; JavaScript, SVG, widget
views and every other active output type are dropped, text/plain and PNG/JPEG images kept;
the notebook's widget state is dropped too. The instructor's locked markdown cells, which
nbgrader's OverwriteCells restored from the gradebook, are left as they are (their math
and layout are the course's own).

nbgrader_config.py runs it in three places: after autograding (so the autograded notebook
holds nothing active), in the HTML exporter the formgrader renders a submission with
(notebooks graded before it existed), and in GenerateFeedback (the feedback page).
"""

from nbconvert.preprocessors.sanitize import SanitizeHTML
from traitlets import Any, Bool, List, Unicode

from course.nbgrader_plugins import cells

# What a student's HTML may keep (bleach's default, plus tables and plain layout); no
# attributes but links' href (http, https, mailto: bleach's protocols) and titles: no
# style, no event handlers.
SAFE_TAGS = sorted({"a", "abbr", "acronym", "b", "blockquote", "code", "em", "i", "li", "ol",
                    "strong", "ul", "p", "br", "hr", "pre", "span", "div", "sub", "sup",
                    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"})
SAFE_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "acronym": ["title"]}


def is_instructors_text(cell):
    """True for a locked markdown cell of the assignment (not a written answer): OverwriteCells
    put it back from the gradebook, so the student cannot have changed it."""
    return (cell.get("cell_type") == "markdown" and cells.is_locked(cell)
            and bool(cells.grade_id(cell)) and not cells.is_solution(cell))


class SanitizeStudentHTML(SanitizeHTML):
    """nbconvert's SanitizeHTML over everything a student wrote or displayed."""

    # nbconvert's preprocessors are off unless enabled; this one is on wherever it is listed.
    enabled = Bool(True).tag(config=True)
    tags = List(Unicode(), default_value=SAFE_TAGS).tag(config=True)
    attributes = Any(default_value=SAFE_ATTRIBUTES).tag(config=True)

    def preprocess(self, nb, resources):
        # Widget state in the notebook's metadata makes nbconvert load the widget manager
        # and hand it the student's state: nothing of it is needed to read a submission.
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if is_instructors_text(cell):
            return cell, resources
        return super().preprocess_cell(cell, resources, index)
