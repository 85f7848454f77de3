"""`nbgrader validate`: the solved source passes, the untouched release fails, and the
verdicts the catalogue tests read from grading runs are those of validate itself."""

import nbformat
import pytest

from catalogue_runs import ExecuteSkippingDemos
from conftest import ASSIGNMENTS, REPO
from course.nbgrader_plugins.execute import skipped_when_grading


def _validate(path, demos=True):
    """nbgrader's Validator on the notebook at `path`; demos=False leaves out the demonstration
    cells (skip-when-grading), as catalogue_runs does for the samples."""
    from nbgrader.preprocessors import Execute
    from nbgrader.validator import Validator

    validator = Validator()
    if not demos:
        validator.preprocessors = [ExecuteSkippingDemos if p is Execute else p for p in validator.preprocessors]
    return validator.validate(str(path))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_passes_validation(assignment):
    for path in sorted((REPO / "source" / assignment).glob("*.ipynb")):
        result = _validate(path)
        assert not result, f"nbgrader validate {path.relative_to(REPO)} found problems: {result}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_fails_validation(assignment):
    # Demonstrations left out: what fails must be a test cell, whatever the demos do.
    for path in sorted((REPO / "release" / assignment).glob("*.ipynb")):
        result = _validate(path, demos=False)
        assert result.get("failed"), (
            f"the untouched release {path.relative_to(REPO)} passes validation: "
            "a test cell does not depend on the student's work")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_validate_prints_whole_messages(real_course, assignment):
    """`nbgrader validate` run by a student in the course folder shows every line of a
    failing visible test's message whole (nbgrader cuts lines at Validator.width)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    failing = {student: cells for student, cells in real_course.validated(assignment).items()
               if student.startswith("bug-") and cells}
    if not failing:
        pytest.fail(f"no catalogued bug of {assignment} fails a visible test")
    student = min(failing, key=lambda s: -max(len(line) for m in failing[s].values()
                                              for line in m.splitlines()))
    course_root = real_course.root
    folder = Path(course_root) / "validate" / student / assignment
    # The student's folder (the notebook and the files shipped beside it), the notebook without
    # its demonstrations (skip-when-grading): they print no test message, and 04's training
    # demos alone took 50 s of the suite's time here.
    whole = Path(course_root) / "validate-whole" / student / assignment
    shutil.rmtree(whole, ignore_errors=True)
    shutil.copytree(folder, whole)
    notebook = next(whole.glob("*.ipynb"))
    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [cell for cell in nb.cells if not skipped_when_grading(cell)]
    nbformat.write(nb, notebook)
    out = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "validate", str(notebook)],
                         cwd=course_root, capture_output=True, text=True, timeout=300)
    printed = out.stdout + out.stderr
    assert "VALIDATION FAILED" in printed, printed[-2000:]
    import re

    from nbconvert.filters import strip_ansi

    # The suite's validate skips the demonstrations tagged skip-when-grading, so the
    # execution counts in a traceback ("Cell In[26]") differ from the real command's.
    def counts_out(text):
        return re.sub(r"In\[\d+\]", "In[_]", text)

    for message in failing[student].values():
        for line in strip_ansi(message).splitlines():
            if line.startswith("AssertionError") or "Likely cause" in line or "first" in line:
                assert counts_out(line.strip()) in counts_out(printed), (
                    f"validate cut this line of {student}'s message:\n{line}")


def test_validate_prints_a_long_line_whole_under_a_short_separator(tmp_path_factory, tmp_path):
    """A 400-character message line comes out whole; the separator before the failed cell
    is 78 "=", not the 10,000 that `Validator.width = 10000` printed (issue 23, item 8)."""
    import subprocess
    import sys
    from pathlib import Path

    import nbformat

    import tiny_course as tc

    root = tc.copy_course(tc.template(tmp_path_factory), tmp_path / "course")
    nb = nbformat.read(root / "release" / "hw" / "hw.ipynb", as_version=4)
    word = "w" * 400
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "add":
            cell.source = f"def add(a, b):\n    return '{word}'"
    nbformat.write(nb, root / "mine.ipynb")
    out = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "validate", "mine.ipynb"],
                         cwd=root, capture_output=True, text=True, timeout=300)
    printed = out.stdout + out.stderr
    assert "VALIDATION FAILED ON 2 CELL(S)" in printed, printed[-2000:]
    assert f"AssertionError: add(1, 2) returned {word}, expected 3" in printed, \
        f"the long line was cut:\n{printed[-3000:]}"
    separators = [line for line in printed.splitlines() if line and set(line) == {"="}]
    assert separators and {len(s) for s in separators} == {78}, \
        f"separator lengths {sorted({len(s) for s in separators})}"
    assert max(len(line) for line in printed.splitlines()) < 600, "a line far longer than any message"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_visible_failures_read_from_grading_are_validates_own(real_course, assignment):
    """For every sample validated for real whose grading run can tell (the reference, the
    untouched release, a caught bug and a passing correct variant at least, and the
    fairness variants whose point is output), the visible test cells that failed in the
    autograded notebooks are those `nbgrader validate` fails."""
    verdicts = real_course.verdicts(assignment)
    real, derived = verdicts["real"], verdicts["derived"]
    both = {s: (set(derived[s]), set(real[s])) for s in real if derived[s] is not None}
    if all(d is None for d in derived.values()):
        pytest.skip(f"{assignment}: hidden lines run before visible code in some test cells, so no "
                    "sample's visible failures are read from grading: all come from real validate")
    assert any(s.startswith("bug-") and d for s, (d, _) in both.items()), (
        f"{assignment}: no caught bug was validated for real to compare with its grading run")
    assert any(s.startswith("variant-") and not d for s, (d, _) in both.items()), (
        f"{assignment}: no passing correct variant was validated for real to compare with its grading run")
    assert any(d for s, (d, _) in both.items() if s == "untouched"), (
        f"{assignment}: the untouched release's grading run shows no visible failure")
    differ = {s: f"from grading {sorted(d)}, from validate {sorted(r)}" for s, (d, r) in both.items() if d != r}
    assert not differ, f"{assignment}: visible failures read from grading differ from validate's: {differ}"
