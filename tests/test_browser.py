"""The student's view: every release notebook in JupyterLab, in a real browser.

Debian's Chromium (installed by scripts/install-browser-deps.sh) driven by
Playwright, against the pinned JupyterLab of .venv with nbgrader's extension,
serving a copy of the release (as generated from source/) on 127.0.0.1 with a
token. For each notebook the test runs all cells, as a student's *Run All*
does, and checks that

- the markdown is rendered, with its math typeset by MathJax and no math errors;
- nbgrader's extension is loaded (its Validate button is in the toolbar);
- the first cell's environment check passes ("Environment OK");
- every cell before the first exercise runs (imports work), and Run All stops
  with NotImplementedError in an exercise, not with an ImportError or NameError.

Screenshots land in tests/artifacts/browser/ (git-ignored), or in
$COURSE_ARTIFACTS/browser/: <assignment>__<notebook>-top.png (the top of the
notebook after Run All: the environment check's output and the title) and
-stop.png (the cell where Run All stopped). The notebooks together are bounded
by $COURSE_BROWSER_BUDGET seconds (default 900).

A last test clicks the sortable table of an item-analysis page (course.admin.results.report).
"""

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
BUDGET = float(os.environ.get("COURSE_BROWSER_BUDGET", "900"))
ARTIFACTS = Path(os.environ.get("COURSE_ARTIFACTS") or REPO / "tests" / "artifacts") / "browser"
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}

# JupyterLab settings for the test user: every cell attached to the page (so that
# all markdown is rendered and can be checked), and no news or update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


def _missing_tools():
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (run: bash scripts/install-browser-deps.sh, as root)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -r requirements.txt)")
    return missing


@pytest.fixture(scope="module")
def tools():
    missing = _missing_tools()
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing browser is a broken install, not a skip
        pytest.skip(message)


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self, cap=None):
        left = self.end - time.monotonic()
        if left <= 0:
            pytest.fail(f"the browser test ran out of its {BUDGET:.0f} s budget "
                        "(COURSE_BROWSER_BUDGET)")
        return left if cap is None else min(left, cap)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_in(page, base, token):
    """Log in as README tells instructors to: the token typed into the login form, never in a
    URL (a ?token= URL does not authenticate the formgrader's API calls). The browser keeps the
    login cookie for the pages that follow."""
    page.goto(f"{base}/login", timeout=120_000)
    if "/login" not in page.url:
        return  # logged in already: the server sent the browser on
    page.locator("#password_input").fill(token)
    with page.expect_navigation(timeout=120_000):
        page.locator("#password_input").press("Enter")


@contextlib.contextmanager
def running_lab(home, root_dir, timeout=120):
    """JupyterLab serving root_dir, its config, data and settings under home (no news or
    update pop-ups); yields (base URL, token) once it answers, stops it on exit."""
    for name, values in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ,
               PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    env.pop("JUPYTER_PATH", None)
    env.pop("MPLBACKEND", None)  # the student's default: inline figures
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
         "--LabApp.expose_app_in_browser=True",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI runs as root
        cwd=root_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n"
                            + (home / "lab.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() - started > timeout:
                pytest.fail(f"JupyterLab did not answer within {timeout} s:\n"
                            + (home / "lab.log").read_text()[-3000:])
            time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def lab(tools, tmp_path_factory):
    """JupyterLab serving a copy of the committed release (test_release: what source/
    generates); yields (base URL, token, folder, deadline, home)."""
    deadline = Deadline(BUDGET)
    home = tmp_path_factory.mktemp("lab")
    work = home / "student"
    shutil.copytree(REPO / "release", work)
    with running_lab(home, work, timeout=deadline.left(120)) as (base, token):
        yield base, token, work, deadline, home


@pytest.fixture(scope="module")
def browser(tools, tmp_path_factory):
    """Debian's Chromium under Playwright, with a fresh profile."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1280, "height": 1300})
        try:
            yield context
        finally:
            context.close()


def _release_notebooks():
    from course.admin.grading import pipeline

    found = []
    for assignment in pipeline.assignments(REPO):
        # the release notebooks are named like the source ones
        for path in pipeline.notebooks(REPO / "source" / assignment):
            found.append(pytest.param(assignment, path.name, id=f"{assignment}/{path.name}"))
    return found


def _artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ignore = ARTIFACTS.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# screenshots and pages written by the tests\n*\n")
    return ARTIFACTS


# JavaScript run in the page, against JupyterLab's application object (exposed
# by --LabApp.expose_app_in_browser). Each function takes the notebook's path
# and finds its panel among the main area's widgets.
_FIND = """const find = (path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  return Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === path) || null;
};"""
JS_READY = "(path) => {" + _FIND + """
  const w = find(path);
  if (!w || !w.sessionContext || !w.context.isReady || !w.sessionContext.isReady) return false;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""  # synchronous: wait_for_function takes a returned Promise for a truthy value
JS_PANEL_ID = "(path) => {" + _FIND + " return find(path).id; }"
JS_COUNT = "([path, selector, n]) => {" + _FIND + """
  return find(path).node.querySelectorAll(selector).length >= n;
}"""
JS_RUN_ALL = "(path) => {" + _FIND + """
  const w = find(path);
  window.jupyterapp.shell.activateById(w.id);
  window.jupyterapp.commands.execute('notebook:run-all-cells');  // not awaited: the wait below is bounded
  return true;
}"""
JS_IDLE = "(path) => {" + _FIND + """
  const w = find(path);
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  const first = w.content.widgets.find(c => c.model.type === 'code');
  const started = !first || first.model.executionCount !== null;
  const busy = Array.from(w.node.querySelectorAll('.jp-InputPrompt')).some(p => p.textContent.includes('*'));
  return !!k && k.status === 'idle' && started && !busy;
}"""
JS_SAVE = "async (path) => {" + _FIND + " await find(path).context.save(); return true; }"
JS_SCROLL_TO = "async ([path, index]) => {" + _FIND + """
  const nb = find(path).content;
  nb.activeCellIndex = index;
  await nb.scrollToItem(index, 'start');
  nb.widgets[index].node.scrollIntoView({block: 'start'});
  return true;
}"""
JS_CLOSE = "async (path) => {" + _FIND + """
  const w = find(path);
  if (!w || !w.sessionContext) return true;
  const timeout = new Promise(resolve => setTimeout(resolve, 10000));
  await Promise.race([w.sessionContext.shutdown(), timeout]);
  w.dispose();
  return true;
}"""


def _errors(nb):
    """[(cell index, ename, evalue)] of the error outputs in a notebook."""
    return [(i, o.get("ename"), o.get("evalue", "")) for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" for o in cell.get("outputs", [])
            if o.get("output_type") == "error"]


def _first_solution(nb):
    for i, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            return i
    return None


@pytest.mark.parametrize("assignment, name", _release_notebooks())
def test_release_notebook_in_the_browser(lab, browser, assignment, name):
    base, token, work, deadline, _home = lab
    path = work / assignment / name
    assert path.is_file(), f"release/{assignment}/{name} was not generated"
    released = nbformat.read(path, as_version=4)
    shots = _artifacts()
    stem = f"{assignment}__{Path(name).stem}"
    started = time.monotonic()

    page = browser.new_page()
    rel = f"{assignment}/{name}"
    try:
        page.goto(f"{base}/lab/workspaces/{stem}/tree/{rel}?token={token}", timeout=deadline.left(120) * 1000)
        page.wait_for_function(JS_READY, arg=rel, timeout=deadline.left(180) * 1000, polling=500)

        # Everything below looks inside this notebook's panel only.
        panel = page.locator(f'[id="{page.evaluate(JS_PANEL_ID, rel)}"]')

        # nbgrader's lab extension adds a Validate button to the notebook toolbar.
        panel.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate").first.wait_for(
            timeout=deadline.left(30) * 1000)

        # Markdown and math, as the student sees them before running anything.
        markdown_cells = [c for c in released.cells if c.cell_type == "markdown"]
        rendered = panel.locator(".jp-MarkdownCell .jp-RenderedMarkdown")
        page.wait_for_function(JS_COUNT, arg=[rel, ".jp-MarkdownCell .jp-RenderedMarkdown", len(markdown_cells)],
                               timeout=deadline.left(60) * 1000, polling=500)
        with_math = [c for c in markdown_cells if "$" in c.source]
        if with_math:
            page.wait_for_function(JS_COUNT, arg=[rel, "mjx-container", len(with_math)],
                                   timeout=deadline.left(60) * 1000, polling=500)
            page.wait_for_timeout(1000)  # let MathJax finish the rest of the page
        rendered_math = panel.locator("mjx-container").count()
        math_errors = panel.locator("mjx-merror").all_inner_texts()
        title = released.cells[[c.cell_type for c in released.cells].index("markdown")].source
        heading = next((line.lstrip("#").strip() for line in title.splitlines() if line.startswith("#")), None)
        first_markdown = rendered.first.inner_text()

        # Run All, as a student would, and wait for the kernel to settle.
        page.evaluate(JS_RUN_ALL, rel)
        page.wait_for_function(JS_IDLE, arg=rel, timeout=deadline.left(300) * 1000, polling=500)
        page.evaluate(JS_SAVE, rel)
        page.evaluate(JS_SCROLL_TO, [rel, 0])
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots / f"{stem}-top.png"))
        ran = nbformat.read(path, as_version=4)
        errors = _errors(ran)
        stop = errors[0][0] if errors else None
        if stop is not None:
            page.evaluate(JS_SCROLL_TO, [rel, stop])
            page.wait_for_timeout(300)
        page.screenshot(path=str(shots / f"{stem}-stop.png"))
    finally:
        try:
            page.evaluate(JS_CLOSE, rel)  # shut the kernel down, close the tab
        finally:
            page.close()
    print(f"{assignment}/{name}: {time.monotonic() - started:.1f} s in the browser, "
          f"{rendered_math} math elements, screenshots {shots}/{stem}-*.png")

    # Markdown rendered, math typeset without errors.
    if heading:
        words = heading.replace("`", "").replace("*", "")[:30]
        assert words in first_markdown, f"heading {heading!r} not rendered: {first_markdown[:200]!r}"
    if with_math:
        assert rendered_math >= len(with_math), (
            f"{rendered_math} typeset math elements for {len(with_math)} markdown cells with math")
    assert not math_errors, f"MathJax could not typeset: {math_errors[:5]}"

    # The environment check passed.
    first_code = next(c for c in ran.cells if c.cell_type == "code")
    assert "check_environment" in first_code.source, "the first code cell is not the environment check"
    printed = "".join(o.get("text", "") for o in first_code.get("outputs", []) if o.get("output_type") == "stream")
    assert "Environment OK" in printed, f"environment check output: {printed!r}, outputs {first_code.outputs}"

    # Imports work; Run All stops at an unimplemented exercise, with NotImplementedError.
    assert not [e for e in errors if e[1] in IMPORT_ERRORS], f"import errors: {errors}"
    first_solution = _first_solution(ran)
    assert first_solution is not None, "no exercise (solution cell) in the release notebook"
    assert errors, "Run All finished without an error: is every exercise stubbed out?"
    index, ename, evalue = errors[0]
    assert ename == "NotImplementedError", (
        f"Run All stopped in cell {index} with {ename}: {evalue} (expected NotImplementedError)")
    assert index >= first_solution, f"Run All stopped in cell {index}, before the first exercise ({first_solution})"
    before = [i for i, c in enumerate(ran.cells[:index]) if c.cell_type == "code"]
    not_run = [i for i in before if ran.cells[i].get("execution_count") is None]
    assert not not_run, f"cells {not_run} before the stop did not run"



def test_report_table_sorts_in_the_browser(browser, tmp_path):
    from course.admin.results import report_html

    rows = [("carol", "7"), ("alice", "10"), ("bob", ""), ("dave", "2.5")]
    body = ('<table class="sortable"><thead><tr><th>student</th><th>total</th></tr></thead><tbody>'
            + "".join(f'<tr><td>{s}</td><td data-v="{t}">{t}</td></tr>' for s, t in rows)
            + "</tbody></table>")
    page_path = tmp_path / "report.html"
    page_path.write_text(report_html.page("sort test", body))
    page = browser.new_page()
    try:
        page.goto(page_path.as_uri())
        order = lambda: page.locator("tbody tr td:first-child").all_inner_texts()  # noqa: E731
        page.get_by_text("total").click()
        assert order() == ["dave", "carol", "alice", "bob"]  # numbers ascending, blanks last
        page.get_by_text("total").click()
        assert order() == ["alice", "carol", "dave", "bob"]
        page.get_by_text("student").click()
        assert order() == ["alice", "bob", "carol", "dave"]
    finally:
        page.close()
