"""The instructor's and the student's clicks in a real browser: Validate, and the formgrader.

JupyterLab (the pinned one, with nbgrader's extension) serves a graded tiny course
whose written answer is a manually graded answer (c.GradeWrittenAnswers.points),
plus two filled notebooks of a real assignment. In Debian's Chromium:
- *Validate* on the solved release notebook shows nbgrader's success dialog;
- *Validate* on a notebook with a catalogued bug shows the whole teaching message;
- in the formgrader, the written answer gets a score typed by hand, and the
  submission's total in the gradebook includes it.
"""

import shutil

import pytest
from nbconvert.filters import strip_ansi

import test_browser
import tiny_course
from conftest import SHOWCASE
from course.admin.grading import pipeline
from test_browser import JS_PANEL_ID, JS_READY, browser, tools  # noqa: F401 (fixtures)

REAL = SHOWCASE  # its tests go with the real course's SHOWCASE assignment (conftest)


def _graded_tiny_course(root):
    from test_written_answers import graded_answer_course

    root, _release, result = graded_answer_course(root)
    assert result.status == "needs manual grading", (
        f"{result.status}: {result.notes}\n{result.log[-3000:]}")
    return root


@pytest.fixture(scope="module")
def course_lab(tools, real_course, tmp_path_factory):  # noqa: F811
    """JupyterLab on a graded tiny course, with two filled notebooks of a real assignment."""
    home = tmp_path_factory.mktemp("grading-lab")
    root = _graded_tiny_course(home / "course")
    failing = {s: cells for s, cells in real_course.validated(REAL).items() if s.startswith("bug-") and cells}
    assert failing, f"no catalogued bug of {REAL} fails a visible test"
    bug = max(failing, key=lambda s: max(len(line) for m in failing[s].values() for line in m.splitlines()))
    for student in ("reference", bug):
        shutil.copytree(real_course.root / "validate" / student / REAL, root / "checks" / student)
    with test_browser.running_lab(home, root) as (base, token):
        yield {"base": base, "token": token, "root": root, "bug": bug, "failing": failing[bug]}


def _validate_in_lab(page, lab, rel):
    workspace = rel.replace("/", "-").replace(".", "-")  # a fresh workspace: this notebook alone
    page.goto(f"{lab['base']}/lab/workspaces/{workspace}/tree/{rel}?token={lab['token']}", timeout=120_000)
    page.wait_for_function(JS_READY, arg=rel, timeout=180_000, polling=500)
    panel = page.locator(f'[id="{page.evaluate(JS_PANEL_ID, rel)}"]')
    panel.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Validation Results").wait_for(timeout=300_000)
    text = dialog.inner_text()
    shots = test_browser._artifacts()
    page.screenshot(path=str(shots / f"validate-{rel.replace('/', '__')}.png"))
    dialog.get_by_role("button").last.click()
    return text


def test_validate_button_success_and_whole_message(course_lab, browser):  # noqa: F811
    name = next((course_lab["root"] / "checks" / "reference").glob("*.ipynb")).name
    texts = {}
    for student in ("reference", course_lab["bug"]):
        page = browser.new_page()
        try:
            texts[student] = _validate_in_lab(page, course_lab, f"checks/{student}/{name}")
        finally:
            page.close()
    assert "Success! Your notebook passes all the tests." in texts["reference"], texts["reference"][-2000:]
    text = texts[course_lab["bug"]]
    assert "Success" not in text, text[-2000:]
    for message in course_lab["failing"].values():
        for line in strip_ansi(message).splitlines():
            if line.startswith("AssertionError"):
                assert line.strip() in text, f"the dialog does not show this line whole:\n{line}\n---\n{text[-3000:]}"


def _saved_score(api, timeout):
    """(manual score of the written answer, submission total) once a manual score is saved,
    or as they are after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        with api.gradebook as gb:
            grade = gb.find_grade("why_commutative_answer", tiny_course.ASSIGNMENT, tiny_course.ASSIGNMENT, "ada")
            manual, total = grade.manual_score, gb.find_submission(tiny_course.ASSIGNMENT, "ada").score
        if manual is not None or time.monotonic() > deadline:
            return manual, total
        time.sleep(0.5)


def test_formgrader_hand_grade_updates_the_total(course_lab, browser):  # noqa: F811
    root = course_lab["root"]
    api = pipeline.open_api(root)
    with api.gradebook as gb:
        sub = gb.find_submission_notebook(tiny_course.ASSIGNMENT, tiny_course.ASSIGNMENT, "ada")
        sub_id, before = sub.id, sub.score
    page = browser.new_page()
    try:
        test_browser.log_in(page, course_lab["base"], course_lab["token"])
        page.goto(f"{course_lab['base']}/formgrader/submissions/{sub_id}/", timeout=120_000)
        score = page.locator('input.score[id="why_commutative_answer"]')
        score.wait_for(timeout=60_000)
        score.fill("1.5")
        score.press("Enter")
        page.locator('input.score[id="why_commutative_answer"]').blur()
        # The formgrader saves through its API on change; wait for the gradebook (a fixed
        # wait was too short on a loaded machine), with the page still open.
        manual, total = _saved_score(api, timeout=90)
        page.screenshot(path=str(test_browser._artifacts() / "formgrader-hand-grade.png"))
    finally:
        page.close()
    assert manual == 1.5, f"the score typed in the formgrader was not saved within 90 s: {manual}"
    assert total == before + 1.5 == 3 + 1.5, f"total {total}, before {before}"
