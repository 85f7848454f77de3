"""Grading fails closed, isolates every kernel from every other, and bounds each notebook.

On the tiny course of tests/tiny_course.py (two tests, three points), through the real
command line and real sandboxed kernels:

- without a working sandbox `grade` refuses before touching any grade, and says why and
  how to fix it; `--no-sandbox` grades, and every status and the export say so;
- a fork bomb graded with `--workers 2` beside correct and buggy submissions leaves their
  grades identical to a serial run without it, and is itself graded up to the bomb and
  flagged;
- a notebook that sleeps past its time budget loses the cells after the budget ran out
  ("time budget exhausted"); a kernel that writes past its disk quota gets "no space"
  and nothing reaches autograded/;
- a kernel that never starts is the grader's failure: retried, then `failed`;
- a killed grading run leaves no worker and no kernel behind;
- the sandbox works with a venv outside the course and with a course checkout whose
  venv would import another copy of the package.

Everything here needs the sandbox; without it the tests skip, saying why.
"""

import csv
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

import tiny_course as tiny
from course.admin.results import grades
from course.admin.grading import pipeline, status
from course.admin.grading.result import FAILED
from course.sandbox_kernel import host as sandbox
from course.sandbox_kernel import launch

pytestmark = pytest.mark.e2e

SANDBOX_OK, SANDBOX_WHY = sandbox.available()
needs_sandbox = pytest.mark.skipif(not SANDBOX_OK, reason="no sandbox on this machine: " + SANDBOX_WHY)

REPO = tiny.REPO
PYTHON = sys.executable
TIME_BUDGET = 8

# Forks until the kernel's own process limit stops it; each child waits, then leaves.
# While they live, the kernel's uid has no process left, which used to be every
# kernel's uid. The next cell holds the kernel so that others are graded meanwhile.
BOMB = textwrap.dedent("""\
    import os, time
    children = 0
    try:
        for _ in range(100000):
            if os.fork() == 0:
                time.sleep(5)
                os._exit(0)
            children += 1
    except OSError as err:
        print("fork failed after", children, "children:", type(err).__name__)
    """)
HOLD = "import time\ntime.sleep(3)"
# Signs the kernel's messages with a wrong key: garbage on the channels for the grader.
GARBLE = textwrap.dedent("""\
    import hashlib, hmac
    get_ipython().kernel.session.auth = hmac.HMAC(b"not-the-key", digestmod=hashlib.sha256)
    print("from here on the grader cannot read this kernel")
    """)
SLEEP = "import time\ntime.sleep(5)"
DISK = textwrap.dedent("""\
    import os
    for where in ("big.bin", "/tmp/big.bin"):
        try:
            with open(where, "wb") as f:
                for _ in range(40):
                    f.write(b"x" * 2**20)
            print("DISK wrote 40 MiB to", where)
        except OSError as err:
            print("DISK", where, type(err).__name__, err.errno)
    """)


def submit(root, student, edits=(), after=None):
    """A student's copy of hw with the reference answers (plus `edits`); `after` maps a
    grade id to code cells inserted after that cell."""
    folder = Path(root) / "submitted" / student / tiny.ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{tiny.ASSIGNMENT}.ipynb"
    shutil.copy2(Path(root) / "release" / tiny.ASSIGNMENT / path.name, path)
    tiny.answer(path, root, edits)
    if after:
        nb = nbformat.read(path, as_version=4)
        cells = []
        for cell in nb.cells:
            cells.append(cell)
            for code in after.get(cell.metadata.get("nbgrader", {}).get("grade_id"), []):
                cells.append(nbformat.v4.new_code_cell(code))
        nb.cells = cells
        nbformat.write(nb, path)


def scores(root):
    return {r["student"]: r["scores"] for r in grades.scores(root, [tiny.ASSIGNMENT])}


def cli(root, *args, env=None, timeout=600):
    """`python -m course --root ROOT ARGS` in a process of its own: (exit code, output)."""
    proc = subprocess.run([PYTHON, "-m", "course", "--root", str(root), *args], cwd=root,
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))
    return proc.returncode, proc.stdout + proc.stderr


INNOCENT = {"good1": (), "good2": (), "buggy": tiny.BUG_MUL}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return tiny.template(tmp_path_factory)


@pytest.fixture(scope="module")
def serial(template, tmp_path_factory):
    """The innocent submissions graded one after another, alone: the reference."""
    root = tiny.copy_course(template, tmp_path_factory.mktemp("serial") / "course")
    tiny.add_config(root, f"c.GuardedExecute.time_budget = {TIME_BUDGET}")
    for student, edits in INNOCENT.items():
        submit(root, student, edits)
    results = pipeline.grade(root, tiny.ASSIGNMENT, workers=1, progress=False)
    return {"status": {r.student: r.status for r in results}, "scores": scores(root)}


@pytest.fixture(scope="module")
def crowded(template, tmp_path_factory):
    """The same submissions graded with --workers 2 beside a fork bomb, a notebook that
    sleeps past its time budget, one that fills its disk quota and one that garbles its
    kernel's messages."""
    root = tiny.copy_course(template, tmp_path_factory.mktemp("crowded") / "course")
    tiny.add_config(root, f"c.GuardedExecute.time_budget = {TIME_BUDGET}")
    submit(root, "bomb", after={"test_add": [BOMB, HOLD]})
    submit(root, "sleepy", after={"test_add": [SLEEP, SLEEP]})
    submit(root, "disk", after={"test_add": [DISK]})
    submit(root, "garble", after={"test_add": [GARBLE]})
    for student, edits in INNOCENT.items():
        submit(root, student, edits)
    start = time.monotonic()
    code, out = cli(root, "grade", tiny.ASSIGNMENT, "--workers", "2",
                    env={"COURSE_SANDBOX_WORK_SIZE": "16M", "COURSE_SANDBOX_TMP_SIZE": "16M"})
    return {"root": root, "code": code, "out": out, "seconds": time.monotonic() - start,
            "status": {s: v["status"] for s, v in status.load(root, tiny.ASSIGNMENT).items()},
            "notes": {s: v["notes"] for s, v in status.load(root, tiny.ASSIGNMENT).items()},
            "scores": scores(root)}


def output_of(root, student, needle):
    nb = nbformat.read(Path(root) / "autograded" / student / tiny.ASSIGNMENT / f"{tiny.ASSIGNMENT}.ipynb",
                       as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            return "".join(o.get("text", "") + o.get("evalue", "") for o in cell.outputs)
    raise AssertionError(f"no cell with {needle!r} in {student}'s autograded notebook")


# --- fail closed ---------------------------------------------------------------------

@needs_sandbox
def test_without_a_sandbox_grade_refuses_and_touches_nothing(template, tmp_path, monkeypatch, capsys):
    root = tiny.copy_course(template, tmp_path / "course")
    submit(root, "good1")
    monkeypatch.setenv("COURSE_SANDBOX", "on")  # restored after the test (--no-sandbox sets "off")
    monkeypatch.setenv("COURSE_SANDBOX_BWRAP", str(tmp_path / "no-such-bwrap"))
    monkeypatch.setattr(sandbox, "_cache", {})
    code, out = tiny.run_cli(capsys, root, "grade", tiny.ASSIGNMENT)
    assert code != 0, f"grade ran without a sandbox (exit {code}):\n{out}"
    for words in ("refusing to grade", "bwrap", "install-system-deps.sh", "--no-sandbox"):
        assert words in out, f"the refusal should say {words!r} (why, and how to fix it); it said:\n{out}"
    assert scores(root) == {}, f"a refused run left grades: {scores(root)}"
    assert not (root / "autograded" / "good1").exists(), "a refused run wrote autograded/"
    assert not status.status_file(root, tiny.ASSIGNMENT).exists(), "a refused run wrote statuses"

    # The explicit opt-out grades, and says so in the status and the export.
    code, out = tiny.run_cli(capsys, root, "grade", tiny.ASSIGNMENT, "--no-sandbox")
    assert code == 0, out
    assert "WITHOUT the sandbox" in out, f"--no-sandbox must be said in the terminal:\n{out}"
    st = status.load(root, tiny.ASSIGNMENT)["good1"]
    assert st["sandboxed"] is False and "graded WITHOUT the sandbox" in st["notes"], st
    assert scores(root)["good1"] == {"test_add": 1.0, "test_mul": 2.0}
    code, out = tiny.run_cli(capsys, root, "export", "--out", str(tmp_path / "g.csv"))
    rows = list(csv.DictReader(open(tmp_path / "g.csv")))
    assert any("WITHOUT the sandbox" in (r.get("notes") or "") for r in rows), rows


def test_an_unknown_sandbox_setting_is_refused(monkeypatch):
    monkeypatch.setenv("COURSE_SANDBOX", "maybe")
    with pytest.raises(sandbox.SandboxUnavailable, match="not understood"):
        sandbox.require()
    monkeypatch.setenv("COURSE_SANDBOX", "off")
    assert sandbox.require()[0] is False


# --- every kernel isolated from every other ----------------------------------------------

@needs_sandbox
def test_fork_bomb_leaves_every_other_grade_as_serial(serial, crowded):
    assert crowded["code"] == 0, crowded["out"][-3000:]
    for student in INNOCENT:
        assert crowded["scores"].get(student) == serial["scores"][student], (
            f"{student}: {crowded['scores'].get(student)} graded beside a fork bomb, "
            f"{serial['scores'][student]} alone: one kernel's processes reached another's")
        assert crowded["status"][student] == serial["status"][student], (student, crowded["notes"][student])


@needs_sandbox
def test_fork_bomb_is_graded_up_to_the_bomb_and_flagged(crowded):
    assert crowded["status"]["bomb"] == "flagged", (crowded["status"]["bomb"], crowded["notes"]["bomb"])
    assert any("fork" in n for n in crowded["notes"]["bomb"]), crowded["notes"]["bomb"]
    assert crowded["scores"]["bomb"]["test_add"] == 1.0, (
        f"the test before the bomb must keep its point: {crowded['scores']['bomb']}")
    text = output_of(crowded["root"], "bomb", "os.fork")
    assert "fork failed after" in text, f"the bomb should have hit its own process limit: {text!r}"


def test_kernels_get_distinct_uids(tmp_path):
    """Two kernels starting at once never share a uid; a dead holder frees its uid."""
    root = tmp_path / "state"
    root.mkdir()
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        first = launch.allocate_uid(str(root), pid=sleeper.pid)
        second = launch.allocate_uid(str(root), pid=os.getpid())
        assert first != second and all(
            launch.UID_BASE <= u < launch.UID_BASE + launch.UID_SLOTS for u in (first, second))
    finally:
        sleeper.kill()
        sleeper.wait()
    launch.release_uids(str(root))
    assert launch.allocate_uid(str(root), pid=os.getpid()) == first, "the dead kernel's uid was not reused"


@needs_sandbox
def test_garbage_on_the_kernel_channels_is_graded_as_a_crash(crowded):
    assert crowded["status"]["garble"] == "crashed", crowded["notes"]["garble"]
    assert crowded["scores"]["garble"] == {"test_add": 1.0, "test_mul": 0.0}, crowded["scores"]["garble"]
    assert any("unreadable" in n and "Invalid Signature" in n for n in crowded["notes"]["garble"]), (
        crowded["notes"]["garble"])


# --- time budget and disk quota -----------------------------------------------------------

@needs_sandbox
def test_time_budget_stops_a_sleeping_notebook(crowded):
    assert crowded["status"]["sleepy"] == "time budget exhausted", crowded["notes"]["sleepy"]
    assert crowded["scores"]["sleepy"] == {"test_add": 1.0, "test_mul": 0.0}, (
        f"the test before the budget ran out keeps its point, the one after scores 0: "
        f"{crowded['scores']['sleepy']}")
    assert any(f"{TIME_BUDGET} s" in n for n in crowded["notes"]["sleepy"]), crowded["notes"]["sleepy"]


@needs_sandbox
def test_disk_quota_on_the_working_folder_and_tmp(crowded):
    text = output_of(crowded["root"], "disk", "DISK")
    assert "DISK big.bin OSError 28" in text and "DISK /tmp/big.bin OSError 28" in text, (
        f"40 MiB written under a 16 MiB quota should end in ENOSPC (28): {text!r}")
    assert not (crowded["root"] / "autograded" / "disk" / tiny.ASSIGNMENT / "big.bin").exists(), (
        "a file the kernel wrote reached autograded/")
    assert crowded["scores"]["disk"] == {"test_add": 1.0, "test_mul": 2.0}


@needs_sandbox
def test_grading_output_is_clean(crowded):
    for noise in ("Fontconfig", "attempted to send message from fork", "Traceback"):
        assert noise not in crowded["out"], f"{noise!r} in the grading output:\n{crowded['out'][-3000:]}"


# --- infrastructure failures ---------------------------------------------------------------

@needs_sandbox
def test_kernel_that_never_starts_is_retried_then_failed(template, tmp_path, monkeypatch):
    """One process per kernel: ipykernel cannot start its threads, so it dies before
    kernel_info. Not the student's fault: no grade, status `failed`, never `crashed`."""
    root = tiny.copy_course(template, tmp_path / "course")
    submit(root, "good1")
    monkeypatch.setenv("COURSE_SANDBOX_NPROC", "1")
    results = pipeline.grade(root, tiny.ASSIGNMENT, retries=1, progress=False)
    assert [r.status for r in results] == [FAILED], results
    assert "did not start" in results[0].notes[0], results[0].notes
    assert scores(root) == {}, "a submission whose kernel never started kept a grade"


# --- a killed run ------------------------------------------------------------------------

def _descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(k) for k in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


def _is_bwrap(pid):
    try:
        return "bwrap" in Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return False


def _parent(pid):
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _sandboxes(pids):
    """The outermost bwrap of each sandbox among `pids`: bubblewrap may run as one process
    or as two (a parent and the namespace's init), so its processes are not counted."""
    return [p for p in pids if _is_bwrap(p) and not _is_bwrap(_parent(p))]


def _alive(pid):
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@needs_sandbox
def test_killed_run_leaves_nothing_running(template, tmp_path):
    root = tiny.copy_course(template, tmp_path / "course")
    for student in ("a", "b", "c"):
        submit(root, student, after={"test_add": ["import time\ntime.sleep(60)"]})
    proc = subprocess.Popen([PYTHON, "-m", "course", "--root", str(root), "grade", tiny.ASSIGNMENT,
                             "--workers", "2"], cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        kernels = []
        while time.monotonic() < deadline and len(kernels) < 2:
            time.sleep(0.5)
            kernels = _sandboxes(_descendants(proc.pid))
        assert len(kernels) == 2, f"two sandboxed kernels should be running; found {kernels}"
        before = _descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        alive = before
        while alive and time.monotonic() < deadline:
            time.sleep(0.5)
            alive = [p for p in before if _alive(p)]
        names = {p: Path(f"/proc/{p}/cmdline").read_text().replace("\0", " ")[:80] for p in alive if _alive(p)}
        assert not alive, f"{len(alive)} processes outlived the killed grading run: {names}"
    finally:
        if proc.poll() is None:
            proc.kill()


# --- sound installs ---------------------------------------------------------------------------

def _check(python, cwd):
    proc = subprocess.run([python, "-m", "course.sandbox_kernel.host", "check"], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


@needs_sandbox
def test_sandbox_works_from_a_venv_outside_the_course(tmp_path):
    """A venv elsewhere, whose packages (course included, through its editable finder) come
    from another environment's site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    import sysconfig

    site_dir = sysconfig.get_paths()["purelib"]
    (tmp_path / "venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
     / "site-packages" / "elsewhere.pth").write_text(f"import site; site.addsitedir({site_dir!r})\n")
    code, out = _check(str(tmp_path / "venv" / "bin" / "python"), tmp_path)
    assert code == 0 and "SANDBOX AVAILABLE" in out, out


@needs_sandbox
def test_kernel_imports_the_course_copy_the_grader_runs(tmp_path):
    """A checkout with its own course/ whose venv's editable install points elsewhere (the
    case of a .venv linked from another checkout): the kernel gets the checkout's copy."""
    clone = tmp_path / "clone"
    shutil.copytree(REPO / "course", clone / "course", ignore=shutil.ignore_patterns("__pycache__"))
    (clone / "nbgrader_config.py").write_text("")
    code, out = _check(PYTHON, clone)
    assert code == 0 and "SANDBOX AVAILABLE" in out, out
    found = subprocess.run([PYTHON, "-c", "from course.sandbox_kernel import launch; "
                            "print(launch.course_package_dir())"], cwd=clone, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert found == str((clone / "course").resolve()), f"the launcher would bind {found}"
    paths, _ = launch.readonly_paths()
    assert not any(p == str(REPO) or str(REPO).startswith(p + "/") for p in paths), paths
    assert not any(p.startswith(str(REPO / "source")) or p.startswith(str(REPO / "tests")) for p in paths), paths


# --- an instructor who is not root -------------------------------------------------------

NONROOT_UID = 1_899_990_000  # no account: the test needs none, and adds none to /etc/passwd


def _as_user(uid, argv, **kw):
    return subprocess.run(argv, user=uid, group=uid, extra_groups=[], capture_output=True,
                          text=True, **kw)


def _python_for(uid):
    """An interpreter of this version that the user can run (this one may live under /root)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for python in (os.path.realpath(sys.executable), f"/usr/bin/python{version}",
                   f"/usr/local/bin/python{version}"):
        try:
            found = _as_user(uid, [python, "-c", "import sys; print(sys.version_info[:2])"], timeout=60)
        except OSError:  # not there, or not reachable by that user
            continue
        if found.stdout.strip() == str(sys.version_info[:2]):
            return python
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as an unprivileged instructor")
@needs_sandbox
def test_non_root_instructor_grades_in_a_user_namespace_like_root(serial, template):
    """As an unprivileged uid, with a venv of its own whose packages come from this
    environment: the sandbox (user-namespace mode) works and the grades equal root's."""
    import tempfile

    # Not under pytest's tmp_path: that is private to root.
    home = Path(tempfile.mkdtemp(prefix="course-nonroot-"))
    try:
        _grade_as_non_root(serial, template, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _closed_to(uid, path):
    """The first folder on the way to `path` that `uid` may not enter, or None."""
    for folder in [*reversed(Path(path).parents), Path(path)]:
        if _as_user(uid, ["test", "-x", str(folder)], timeout=60).returncode != 0:
            return folder
    return None


def _grade_as_non_root(serial, template, home):
    os.chmod(home, 0o755)
    python = _python_for(NONROOT_UID)
    if python is None:
        pytest.skip(f"no Python {sys.version_info[:2]} that an unprivileged user can run on this machine")
    import sysconfig

    # The user imports course (and its dependencies) from this checkout and this venv. A
    # checkout inside a private folder (mode 700, as `mktemp -d` and many homes make
    # them) is closed to other users: nothing to test there, so say so.
    for needed in (launch.course_package_dir(), sysconfig.get_paths()["purelib"]):
        closed = _closed_to(NONROOT_UID, needed)
        if closed is not None:
            pytest.skip(f"an unprivileged user cannot enter {closed} (mode {closed.stat().st_mode & 0o777:o}), "
                        f"so it cannot import {needed}: clone the course into a folder others may read "
                        "to run this test")
    venv = home / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (venv / "lib" / version / "site-packages" / "elsewhere.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    root = tiny.copy_course(template, home / "course")
    tiny.add_config(root, f"c.GuardedExecute.time_budget = {TIME_BUDGET}")
    for student, edits in INNOCENT.items():
        submit(root, student, edits)
    subprocess.run(["chown", "-R", f"{NONROOT_UID}:{NONROOT_UID}", str(home)], check=True)
    env = {"HOME": str(home), "USER": "instructor", "LOGNAME": "instructor", "LANG": "C.UTF-8",
           "PATH": f"{venv / 'bin'}:/usr/bin:/bin"}
    check = _as_user(NONROOT_UID, [str(venv / "bin" / "python"), "-m", "course.sandbox_kernel.host", "check"],
                     cwd=home, env=env, timeout=120)
    if "user namespace" in check.stdout + check.stderr and check.returncode != 0:
        pytest.skip("this machine forbids unprivileged user namespaces: " + check.stdout.strip())
    assert check.returncode == 0 and "user namespace" in check.stdout, check.stdout + check.stderr
    proc = _as_user(NONROOT_UID, [str(venv / "bin" / "python"), "-m", "course", "--root", str(root),
                                  "grade", tiny.ASSIGNMENT, "--workers", "2"],
                    cwd=root, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    saved = status.load(root, tiny.ASSIGNMENT)
    assert all(saved[s]["sandboxed"] for s in INNOCENT), saved
    assert {s: saved[s]["status"] for s in INNOCENT} == serial["status"], saved
    assert scores(root) == serial["scores"], (
        f"graded as an unprivileged user: {scores(root)}; as root: {serial['scores']}")
