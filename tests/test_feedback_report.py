"""Student feedback hides hidden tests; the instructor's item analysis reads the grades.

A tiny assignment of its own (one exercise, a test cell whose hidden part
catches a bug the visible part misses, and one whose exercise raises an error
with HTML in its message), graded for a handful of students through the real
pipeline, once for the module.
"""

import html
import re
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.admin.results import feedback, grades, report, report_data
from course.nbgrader_plugins import feedback_filters
from course.admin.grading import pipeline, status
from course.admin.authoring import samples
from conftest import REPO

A = "fb_demo"
SECRET_SEED = 271828  # occurs only in the hidden tests
HIDDEN_LINES = [
    "rng = np.random.default_rng(271828)",
    "x2 = rng.standard_normal((4, 3))",
    "dout2 = rng.standard_normal((4, 3))",
    "hidden_only_name = scale_backward(dout2, x2)",
]


def _cell(kind, grade_id, source, points=None):
    meta = {"schema_version": 3, "grade_id": grade_id, "grade": kind == "test",
            "solution": kind == "solution", "locked": kind != "solution"}
    if points:
        meta["points"] = points
    cell = new_code_cell(source) if kind != "markdown" else new_markdown_cell(source)
    cell.metadata["nbgrader"] = meta
    return cell


def _source_notebook():
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        _cell("markdown", "intro", "# Scaling\n\n$y = 3x$, so $dx = 3\\,dout$ (any shape)."),
        _cell("readonly", "imports", "import numpy as np\n"
              "from course.gradcheck import eval_numerical_gradient_array, assert_gradients_close"),
        _cell("solution", "scale_backward",
              "def scale_forward(x):\n    return 3 * x\n\n\ndef scale_backward(dout, x):\n"
              "    ### BEGIN SOLUTION\n    return 3 * dout\n    ### END SOLUTION"),
        _cell("test", "test_scale_backward",
              "x = np.linspace(-1, 1, 5)\ndout = np.ones(5)\n"
              "num = eval_numerical_gradient_array(scale_forward, x, dout)\n"
              "assert_gradients_close('dx of scale_backward', scale_backward(dout, x), num)\n"
              "print('visible check passed')\n\n"
              "### BEGIN HIDDEN TESTS\nimport numpy as np\n"
              "from course.gradcheck import eval_numerical_gradient_array, assert_gradients_close\n"
              + "\n".join(HIDDEN_LINES) + "\n"
              "num2 = eval_numerical_gradient_array(scale_forward, x2, dout2)\n"
              "_ = assert_gradients_close('dx of scale_backward on a 2-D input', hidden_only_name, num2)\n"
              "### END HIDDEN TESTS", points=2),
        _cell("solution", "shout", "def shout(word):\n    ### BEGIN SOLUTION\n"
              "    return word.upper()\n    ### END SOLUTION"),
        _cell("test", "test_shout",
              "assert shout('a') == 'A', 'shout should upper-case its word'\n"
              "### BEGIN HIDDEN TESTS\nassert shout('hidden-shout-check') == 'HIDDEN-SHOUT-CHECK'\n"
              "### END HIDDEN TESTS", points=1),
    ]
    return nb


STUDENTS = {
    "reference": [],
    # right on the 1-D visible check, a third of the right gradient on the hidden 2-D one
    "bug-2d": [("scale_backward", "return 3 * dout", "return 3 * dout if dout.ndim == 1 else dout")],
    "bug-html": [("shout", "return word.upper()",
                  "raise ValueError('<script>alert(1)</script> & friends')")],
    "crashes": [("shout", "return word.upper()", "import os\n    os._exit(1)")],
}


# A student's own cells that try to run script in their feedback page (issue 16)
STUDENT_HTML = (
    "from IPython.display import HTML, SVG, Javascript, display\n"
    "display(HTML('<b>kept bold</b><script>window.__pwned_out = 1</script>'\n"
    "             '<img src=x onerror=\"window.__pwned_img = 1\">'))\n"
    "display(Javascript('window.__pwned_js = 1'))\n"
    "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\"><script>window.__pwned_svg = 1</script></svg>'))")
STUDENT_MARKDOWN = ("My notes <script>window.__pwned_md = 1</script> "
                    "<a href=\"javascript:window.__pwned_href = 1\">a link</a>")
# A folder under submitted/ whose name is HTML: refused, and shown escaped in the report
HOSTILE_ID = "<img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def small_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("fbcourse")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "source" / A).mkdir(parents=True)
    nbformat.write(_source_notebook(), root / "source" / A / f"{A}.ipynb")
    pipeline.generate(root, A)
    for student, edits in STUDENTS.items():
        samples.write_submission(root, A, student, samples.submission_notebooks(root, A, edits))
    nbs = samples.submission_notebooks(root, A)
    for nb in nbs.values():
        nb.cells[1:1] = [new_code_cell(STUDENT_HTML), new_markdown_cell(STUDENT_MARKDOWN)]
    samples.write_submission(root, A, "html-output", nbs)
    samples.write_submission(root, A, HOSTILE_ID, samples.submission_notebooks(root, A))
    results = {r.student: r for r in pipeline.grade(root, A, workers=2, progress=False)}
    return root, results


def _text(path):
    """What a reader sees of an HTML page: scripts, styles and tags removed, entities decoded."""
    raw = path.read_text(encoding="utf-8")
    shown = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", raw, flags=re.S | re.I)
    return raw, html.unescape(re.sub(r"<[^>]+>", "", shown))


def test_grading_went_as_planned(small_course):
    root, results = small_course
    rows = {r["student"]: r for r in grades.scores(root, [A])}
    assert rows["reference"]["total"] == 3, rows["reference"]
    assert rows["bug-2d"]["scores"] == {"test_scale_backward": 0, "test_shout": 1}
    assert rows["bug-html"]["scores"] == {"test_scale_backward": 2, "test_shout": 0}
    assert results["crashes"].status != "graded", results["crashes"]


def test_feedback_shows_the_message_and_hides_the_hidden_tests(small_course):
    root, _ = small_course
    feedback.generate(root, A)  # what `python -m course feedback` runs
    page = root / "feedback" / "bug-2d" / A / f"{A}.html"
    raw, text = _text(page)
    # the teaching message of the hidden test, with its likely cause
    assert "dx of scale_backward on a 2-D input is wrong" in text
    assert "Likely cause: your gradient is 0.333333 times the right one" in text
    # the score per problem, in the summary at the top
    assert "test_scale_backward" in text and "0 / 2" in text and "1 / 1" in text
    # the visible test is there; nothing of the hidden tests, nor their traceback lines
    assert "visible check passed" in text and "x = np.linspace(-1, 1, 5)" in text
    for line in HIDDEN_LINES + ["BEGIN HIDDEN TESTS", "hidden-shout-check", str(SECRET_SEED)]:
        assert line not in text, f"hidden-test text {line!r} reached the feedback page"
    assert "Traceback (most recent call last)" not in text


def plain_nbgrader_feedback(root, folder):
    """nbgrader's API with nbgrader's own feedback (its preprocessors, its page) writing
    to `folder`: what the course's configuration replaces."""
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    return pipeline.open_api(root, CourseDirectory={"feedback_directory": str(folder)},
                             GenerateFeedback={"preprocessors": [GetGrades, CSSHTMLHeaderPreprocessor],
                                               "exporter_class": HTMLExporter})


def test_the_leak_check_can_fail(small_course, tmp_path):
    """nbgrader's plain feedback shows the hidden tests: the check above would see them."""
    root, _ = small_course
    api = plain_nbgrader_feedback(root, tmp_path / "plain")
    assert api.generate_feedback(A, "bug-2d", force=True)["success"]
    _, text = _text(tmp_path / "plain" / "bug-2d" / A / f"{A}.html")
    assert HIDDEN_LINES[0] in text and str(SECRET_SEED) in text


def test_feedback_escapes_submission_text_and_keeps_the_students_frame(small_course):
    root, _ = small_course
    feedback.generate(root, A, "bug-html")
    raw, text = _text(root / "feedback" / "bug-html" / A / f"{A}.html")
    assert "<script>alert(1)</script>" not in raw
    assert "ValueError: <script>alert(1)</script> & friends" in text
    # the frame in the student's own cell stays: it says where *their* code failed
    assert "in your code" in text and "in shout(word)" in text


def test_strip_hidden_and_reduce_error_units():
    assert feedback_filters.strip_hidden("a\n### BEGIN HIDDEN TESTS\nsecret\n### END HIDDEN TESTS\nb") == "a\nb"
    assert feedback_filters.strip_hidden("a\n### BEGIN HIDDEN TESTS\nsecret") == "a"  # unterminated: hide the rest
    out = {"output_type": "error", "ename": "AssertionError", "evalue": "msg",
           "traceback": ["---", "AssertionError  Traceback (most recent call last)",
                         "\x1b[36mCell In[7], line 30\x1b[39m\n---> 30 secret_hidden_call()",
                         "File /x/gradcheck.py:238, in assert_gradients_close\n raise",
                         "Cell In[3], line 2, in mine(x)\n----> 2 return x[9]",
                         "AssertionError: msg"]}
    feedback_filters.reduce_error(out, {7})
    joined = "\n".join(out["traceback"])
    assert "secret_hidden_call" not in joined and "gradcheck.py" not in joined
    assert "Cell In[3], line 2, in mine(x)" in joined and joined.endswith("AssertionError\x1b[39m: msg")
    # a student cell that ran into a helper defined in a test cell keeps its own frames only
    student = {"traceback": ["---", "Cell In[9], line 1\n----> 1 mine(x)",
                             "Cell In[7], line 40, in hidden_helper\n secret_line()", "NameError: x"]}
    joined = "\n".join(feedback_filters.drop_hidden_frames(student, {7})["traceback"])
    assert "secret_line" not in joined and "mine(x)" in joined and joined.endswith("NameError: x")


def test_failure_groups_blank_numbers_and_name_the_cause():
    a = ("db of affine_backward is wrong: max relative error 0.82 (tolerance 1e-06) at index (2,).\n"
         "yours: 0.27357   numeric: 2.7357\nLikely cause: your gradient is 0.1 times the right one "
         "everywhere. A constant factor: divided by 10 once too often, or dropped one of the paths")
    b = a.replace("0.82", "0.5").replace("(2,)", "(7,)").replace("10 once", "4 once")
    assert report_data.failure_key("AssertionError", a) == report_data.failure_key("AssertionError", b)
    msg, cause = report_data.failure_key("AssertionError", a)
    assert msg == ("AssertionError: db of affine_backward is wrong: max relative error # "
                   "(tolerance #) at index (…).")
    assert cause.startswith("constant factor: divided once too often")
    n = report_data.failure_key("AssertionError", "dW1 is wrong: x\nLikely cause: your gradient is 50 "
                                "times the right one everywhere. A constant factor: a missing 1/N (N = 50?)")
    assert n == ("AssertionError: dW1 is wrong: x", "constant factor: missing 1/N (or a path counted twice)")


def test_report_pages(small_course):
    root, _ = small_course
    index = report.write_all(root)
    page = root / "reports" / A / "index.html"
    assert index == root / "reports" / "index.html" and index.is_file() and page.is_file()
    for png in ["scores.png", "problems.png", "failures.png"]:
        data = (root / "reports" / A / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000, png
    assert (root / "reports" / "overview.png").read_bytes()[:4] == b"\x89PNG"
    raw, text = _text(page)
    # escaped submission text, never raw HTML from a submission
    assert "<script>alert(1)" not in raw and "&lt;script&gt;alert(1)" in raw
    # grouped failure with its cause; per-problem share of students who lost points
    assert "dx of scale_backward on a 2-D input is wrong: max relative error #" in text
    assert "constant factor: divided once too often" in text
    values = [r["scores"]["test_scale_backward"] for r in grades.scores(root, [A])]
    mean, lost = sum(values) / len(values), sum(v < 2 for v in values) / len(values)
    assert re.search(rf"test_scale_backward\s*2\s*{mean:.2f}\s*{lost:.0%}", text), (mean, lost, text[:3000])
    # the submission whose kernel died is listed with the status grading gave it
    recorded = status.load(root, A)["crashes"]["status"]
    assert recorded != "graded"
    assert re.search(rf"crashes\s*{re.escape(recorded)}", text)
    # a sortable students table, one row per student
    assert 'class="sortable" id="students"' in raw and "addEventListener" in raw
    for student in STUDENTS:
        assert f"<td>{student}" in raw
    _, overview = _text(index)
    assert A in overview and "overview.png" in index.read_text()


def test_report_command(small_course):
    import subprocess
    import sys

    root, _ = small_course
    out = subprocess.run([sys.executable, "-m", "course", "--root", str(root), "report", A],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert str(root / "reports" / A / "index.html") in out.stdout


def _active_payloads(raw):
    """The student's script payloads that would run in a browser: <script> elements
    holding one (an HTML, JavaScript or SVG output), event handlers, javascript: links.
    (The payloads also appear in the cell's source code, escaped: that is only text.)"""
    found = re.findall(r"<script[^>]*>[^<]*__pwned_\w*", raw)
    found += re.findall(r"<img[^>]*onerror", raw) + re.findall(r"href=[\"']?javascript:", raw)
    return found


def test_feedback_runs_none_of_the_students_scripts(small_course, tmp_path):
    from course.admin import cli

    root, results = small_course
    assert results["html-output"].status == "graded", results["html-output"]
    assert cli.main(["--root", str(root), "feedback", A]) == 0
    raw = (root / "feedback" / "html-output" / A / f"{A}.html").read_text(encoding="utf-8")
    assert _active_payloads(raw) == [], _active_payloads(raw)
    assert "<b>kept bold</b>" in raw, "harmless HTML should survive sanitising"
    assert "window.__pwned_out" in raw and "window.__pwned_md" in raw, "shown as text, not dropped"
    # the autograded notebook itself holds nothing active (what the formgrader shows)
    graded = nbformat.read(root / "autograded" / "html-output" / A / f"{A}.ipynb", as_version=4)
    kept = {key for cell in graded.cells for o in cell.get("outputs", []) for key in o.get("data", {})}
    assert kept <= {"text/plain", "text/html", "image/png"}, kept
    assert "<b>kept bold</b>" in nbformat.writes(graded)
    assert _active_payloads(nbconvert_html(graded)) == []
    # the same outputs unsanitized, through nbconvert's plain exporter, run: the check can fail
    assert len(_active_payloads(nbconvert_html(unsanitized_payloads()))) >= 4


def nbconvert_html(nb):
    """`nb` as nbconvert's HTMLExporter renders it without any configuration."""
    from nbconvert.exporters import HTMLExporter

    return HTMLExporter().from_notebook_node(nb)[0]


def unsanitized_payloads():
    """A notebook holding STUDENT_HTML's outputs and STUDENT_MARKDOWN as a kernel and a
    student would leave them."""
    from nbformat.v4 import new_output

    code = new_code_cell(STUDENT_HTML, outputs=[
        new_output("display_data", {"text/html": "<b>kept bold</b><script>window.__pwned_out = 1</script>"
                                                 '<img src=x onerror="window.__pwned_img = 1">'}),
        new_output("display_data", {"application/javascript": "window.__pwned_js = 1"}),
        new_output("display_data", {"image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg">'
                                                     "<script>window.__pwned_svg = 1</script></svg>"})])
    return new_notebook(cells=[code, new_markdown_cell(STUDENT_MARKDOWN)])


def test_report_shows_a_hostile_student_id_escaped(small_course):
    import subprocess
    import sys

    root, results = small_course
    assert results[HOSTILE_ID].status == "not graded", results[HOSTILE_ID]
    assert any("is not a valid id" in n for n in results[HOSTILE_ID].notes)
    out = subprocess.run([sys.executable, "-m", "course", "--root", str(root), "report", A],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    raw = (root / "reports" / A / "index.html").read_text(encoding="utf-8")
    assert "<img src=x onerror" not in raw
    assert html.escape(HOSTILE_ID) in raw, "the refused submission should be listed, escaped"
