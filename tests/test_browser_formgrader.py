"""Student content runs nothing where the instructor or the student reads it (issue 22).

A student of the tiny course submits every payload the formgrader used to run: a markdown
cell with `<img src=x onerror=...>` and `<script>`, and a solution that displays
`IPython.display.HTML("<img onerror>")` and `Javascript(...)` while it is graded. Each
payload sets a marker on `window`, renames the page and fetches `/api/contents` (what a
script with the server's origin would use to act as the instructor). In Debian's Chromium:

- the formgrader's manual-grading page of that submission (graded with the course's
  config: the autograded notebook is sanitized), and of a second one whose autograded
  notebook still holds the raw payloads (graded before the sanitizing existed: the
  formgrader's exporter sanitizes it), in a tab and in JupyterLab's formgrader panel;
- the feedback page, read offline, whose failure messages wrap on a narrow screen;

run no payload and send no such request. The same payloads in nbconvert's plain HTML do
run in the same browser: the checks can fail. The feedback page's math is typeset with the
network cut off (MathJax comes from a package, inlined), and a screenshot is kept. The
formgrader's *Generate feedback* button writes the page `python -m course feedback` wrote.
"""

import shutil

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_output

import test_browser
import tiny_course
from course.admin.grading import pipeline
from course.admin.results import feedback
from test_browser import browser, tools  # noqa: F401 (fixtures)

A = tiny_course.ASSIGNMENT
PLACES = ["md_img", "md_script", "html_output", "js_output"]


def payload_js(place):
    """What each payload does when it runs: a marker, a new title and a same-origin API call."""
    return (f"window.__pwned_{place} = 1; document.title = 'PWNED {place}'; "
            f"fetch('/api/contents?pwned={place}')")


MARKDOWN = (f"My notes <img src=x onerror=\"{payload_js('md_img')}\">\n\n"
            f"<script>{payload_js('md_script')}</script>\n\nand $a^2 + b^2 = c^2$.")
IMG_OUTPUT = '<img src=x onerror="' + payload_js("html_output") + '">'
DISPLAY = ("from IPython.display import HTML, Javascript, display\n"
           f"display(HTML({IMG_OUTPUT!r}))\n"
           f"display(Javascript({payload_js('js_output')!r}))\n")
RAW_OUTPUTS = [new_output("display_data", {"text/html": IMG_OUTPUT,
                                           "text/plain": "<IPython.core.display.HTML object>"}),
               new_output("display_data", {"application/javascript": payload_js("js_output"),
                                           "text/plain": "<IPython.core.display.Javascript object>"})]
# [scroll width, width, text] of each failure message: the summary's and the failed cell's error.
JS_MESSAGE_BOXES = """() => Array.from(document.querySelectorAll('.course-message, .output_error pre'))
  .map(e => [e.scrollWidth, e.clientWidth, e.innerText.slice(0, 80)])"""
JS_MARKERS = "() => Object.keys(window).filter(k => k.startsWith('__pwned_')).concat([document.title])"


def _submit(root, student, edits=()):
    release = root / "release" / A / f"{A}.ipynb"
    folder = root / "submitted" / student / A
    folder.mkdir(parents=True)
    shutil.copy2(release, folder / release.name)
    tiny_course.answer(folder / release.name, root, edits)
    nb = nbformat.read(folder / release.name, as_version=4)
    add = next(i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "add")
    nb.cells[add].source += "\n\n" + DISPLAY
    nb.cells.insert(add, new_markdown_cell(MARKDOWN))
    nbformat.write(nb, folder / release.name)


def _unsanitize(root, student):
    """Put the raw payloads back into an autograded notebook, as grading left it before the
    course sanitized it."""
    path = root / "autograded" / student / A / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "My notes" in cell.source:
            cell.source = MARKDOWN
        if cell.cell_type == "code" and "display(Javascript" in cell.source:
            cell.outputs = [dict(o) for o in RAW_OUTPUTS]
    nbformat.write(nbformat.from_dict(nb), path)
    return nb


@pytest.fixture(scope="module")
def hostile_course(tools, tmp_path_factory):  # noqa: F811
    home = tmp_path_factory.mktemp("formgrader-lab")
    root = tiny_course.copy_course(tiny_course.template(tmp_path_factory), home / "course")
    _submit(root, "mallory", tiny_course.BUG_MUL)  # a failed test: its message is in the feedback
    _submit(root, "legacy")
    results = {r.student: r for r in pipeline.grade(root, A, progress=False)}
    assert {s: r.status for s, r in results.items()} == {"mallory": "graded", "legacy": "graded"}, results
    raw = _unsanitize(root, "legacy")
    feedback.generate(root, A, "mallory")  # what `python -m course feedback` runs
    page = root / "feedback" / "mallory" / A / f"{A}.html"
    by_course = page.read_bytes()
    api = pipeline.open_api(root)
    with api.gradebook as gb:
        ids = {s: gb.find_submission_notebook(A, A, s).id for s in ("mallory", "legacy")}
    with test_browser.running_lab(home, root) as (base, token):
        yield {"root": root, "base": base, "token": token, "ids": ids, "raw": raw, "home": home,
               "by_course": by_course}


def _watch(page):
    """The URLs of the requests a page (and its frames) sends that a payload would send."""
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "pwned=" in request.url else None)
    return sent


def _log_in(page, lab):
    test_browser.log_in(page, lab["base"], lab["token"])


def _wait_for_the_formgraders_script(frame):
    """The formgrader's own scripts still run beside the student's inert content: they
    fetched the grades from its API and put test_add's automatic score (1) in its box."""
    frame.wait_for_function("() => { const box = document.querySelector('input.score[id=\"test_add\"]');"
                            " return box && box.getAttribute('placeholder') === '1'; }",
                            timeout=60_000, polling=500)


def _markers(frame):
    return [m for m in frame.evaluate(JS_MARKERS) if m.startswith("__pwned_") or "PWNED" in m]


def test_the_payloads_run_in_plain_nbconvert_html(hostile_course, browser, tmp_path):  # noqa: F811
    """The check can fail: the raw notebook, as nbconvert renders it unsanitized, runs them."""
    from nbconvert.exporters import HTMLExporter

    page_path = tmp_path / "plain.html"
    page_path.write_text(HTMLExporter().from_notebook_node(hostile_course["raw"])[0], encoding="utf-8")
    page = browser.new_page()
    try:
        page.route("http*://**/*", lambda route: route.abort())  # CDN scripts: not needed for these
        page.goto(page_path.as_uri())
        page.wait_for_timeout(1500)
        markers = _markers(page)
    finally:
        page.close()
    assert {"__pwned_md_img", "__pwned_md_script", "__pwned_html_output"} <= set(markers), markers


@pytest.mark.parametrize("student", ["mallory", "legacy"])
def test_formgrader_submission_page_runs_nothing(hostile_course, browser, student):  # noqa: F811
    lab = hostile_course
    page = browser.new_page()
    sent = _watch(page)
    try:
        _log_in(page, lab)
        page.goto(f"{lab['base']}/formgrader/submissions/{lab['ids'][student]}/", timeout=120_000)
        _wait_for_the_formgraders_script(page)
        page.get_by_text("My notes").first.wait_for(timeout=30_000)
        page.wait_for_timeout(2000)
        page.screenshot(path=str(test_browser._artifacts() / f"formgrader-hostile-{student}.png"))
        markers, title = _markers(page), page.title()
        text = page.locator("body").inner_text()
    finally:
        page.close()
    assert markers == [] and sent == [], f"{student}'s payloads ran in the formgrader: {markers} {sent}"
    assert "PWNED" not in title
    # the student's text is still there to grade, shown as text
    assert "onerror=" in text, "the markdown payload should be shown escaped, not dropped"


def test_formgrader_panel_in_jupyterlab_runs_nothing(hostile_course, browser):  # noqa: F811
    lab = hostile_course
    page = browser.new_page()
    sent = _watch(page)
    try:
        _log_in(page, lab)
        page.goto(f"{lab['base']}/lab", timeout=120_000)
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands"
                               ".hasCommand('nbgrader:open-formgrader')", timeout=120_000, polling=500)
        first = f"{lab['base']}/formgrader/submissions/{lab['ids']['mallory']}/"
        page.evaluate("(url) => window.jupyterapp.commands.execute('nbgrader:open-formgrader', {url})", first)
        frame = None
        for _ in range(120):
            frame = next((f for f in page.frames if f.url.startswith(first)), None)
            if frame is not None:
                break
            page.wait_for_timeout(500)
        assert frame is not None, f"the formgrader panel did not open {first}: {[f.url for f in page.frames]}"
        for student in ("mallory", "legacy"):
            # the panel's frame goes from one submission to the next, as the instructor clicks
            frame.goto(f"{lab['base']}/formgrader/submissions/{lab['ids'][student]}/", timeout=60_000)
            _wait_for_the_formgraders_script(frame)
            frame.get_by_text("My notes").first.wait_for(timeout=30_000)
            page.wait_for_timeout(2000)
            markers = _markers(frame) + [m for m in _markers(page) if m.startswith("__pwned_")]
            assert markers == [] and sent == [], f"{student}'s payloads ran in the panel: {markers} {sent}"
        page.screenshot(path=str(test_browser._artifacts() / "formgrader-panel-hostile.png"))
    finally:
        page.close()


def test_feedback_page_runs_nothing_and_typesets_math_offline(hostile_course, browser):  # noqa: F811
    page_path = hostile_course["root"] / "feedback" / "mallory" / A / f"{A}.html"
    page = browser.new_page()
    fetched = []

    def offline(route):
        fetched.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith("file:"), offline)  # the network is cut off
    try:
        page.goto(page_path.as_uri())
        page.locator("mjx-container").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        typeset = page.locator("mjx-container").count()
        errors = page.locator("mjx-merror").count()
        markers = _markers(page)
        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        page.screenshot(path=str(test_browser._artifacts() / "feedback-offline-math.png"), full_page=True)
        page.set_viewport_size({"width": 480, "height": 900})  # a phone: every message must wrap
        page.wait_for_timeout(500)
        boxes = page.evaluate(JS_MESSAGE_BOXES)
    finally:
        page.close()
    assert typeset >= 1 and errors == 0, f"{typeset} typeset formulas, {errors} MathJax errors"
    assert markers == [], markers
    assert fetched == [], f"the feedback page asked the network for {fetched}"
    assert not wide, "the feedback page scrolls sideways"
    assert len(boxes) >= 2, f"expected the summary's message and the failed cell's error: {boxes}"
    cut = [b for b in boxes if b[0] > b[1] + 1]
    assert not cut, f"messages that scroll sideways instead of wrapping (scroll width, width, text): {cut}"


def test_formgrader_generate_feedback_button_writes_the_course_page(hostile_course, browser):  # noqa: F811
    """The formgrader's *Generate feedback* button (nbgrader's API in the server, reading only
    nbgrader_config.py) writes the page `python -m course feedback` wrote, byte for byte."""
    lab = hostile_course
    path = lab["root"] / "feedback" / "mallory" / A / f"{A}.html"
    path.unlink()
    page = browser.new_page()
    try:
        _log_in(page, lab)
        page.goto(f"{lab['base']}/formgrader/manage_submissions/{A}/", timeout=120_000)
        row = page.locator("tr", has_text="mallory")
        row.locator(".generate-feedback a").click(timeout=60_000)
        page.get_by_text("Successfully generated feedback").wait_for(timeout=120_000)
    finally:
        page.close()
    assert path.is_file(), "the button wrote no feedback page"
    assert path.read_bytes() == lab["by_course"], "the button's page differs from `python -m course feedback`'s"
