"""The sandboxed grading kernel and the grading limits, end to end with real nbgrader.

One scratch course under /tmp with a two-test assignment; one `nbgrader autograde` run
(in one process, as the pipeline runs it) grades ten students, each of whom tries one
thing: read the reference solution and the gradebook, reach the network, allocate past
the memory cap, swallow the timeout's KeyboardInterrupt, ignore SIGINT altogether, kill
the kernel, print 10 MB on one line, write into matplotlib's shared font list, look for
the debugger. The tests read the autograded notebooks and the gradebook.

Tests that need the sandbox skip, saying why, where `course.sandbox_kernel.host.available()` says the
machine cannot provide it (CI installs bubblewrap with scripts/install-system-deps.sh and
runs as root, so there they run). The limits tests run either way.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from course.nbgrader_plugins import grading_config
from course.sandbox_kernel import host as sandbox
from course.nbgrader_plugins.execute import grading_report
from course.sandbox_kernel import launch

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
NBGRADER = [sys.executable, "-m", "nbgrader"]
ASSIGNMENT = "ps1"
CELL_TIMEOUT = 4

SANDBOX_OK, SANDBOX_WHY = sandbox.available()
needs_sandbox = pytest.mark.skipif(not SANDBOX_OK, reason="no sandbox on this machine: " + SANDBOX_WHY)


def _meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    md = {"schema_version": 3, "grade_id": grade_id, "solution": solution, "grade": grade,
          "locked": locked}
    if points is not None:
        md["points"] = points
    return {"nbgrader": md}


def _source_notebook():
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell("# Two small functions", metadata=_meta("intro", locked=True)),
        v4.new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
                         metadata=_meta("add", solution=True)),
        v4.new_code_cell("assert add(1, 2) == 3, 'add(1, 2) should be 3'",
                         metadata=_meta("test_add", grade=True, locked=True, points=1)),
        v4.new_code_cell("def mul(a, b):\n    ### BEGIN SOLUTION\n    return a * b\n    ### END SOLUTION",
                         metadata=_meta("mul", solution=True)),
        v4.new_code_cell("assert mul(2, 3) == 6, 'mul(2, 3) should be 6'",
                         metadata=_meta("test_mul", grade=True, locked=True, points=1)),
    ]
    nb = v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                              "language": "python"}
    nb.metadata.language_info = {"name": "python"}
    return nb


def _submission(release_nb, extra_after_test_add=None, extra_first=None):
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    cells = []
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "add":
            cell.source = "def add(a, b):\n    return a + b"
        if gid == "mul":
            cell.source = "def mul(a, b):\n    return a * b"
        if gid == "add" and extra_first:
            cells.append(nbformat.v4.new_code_cell(extra_first))
        cells.append(cell)
        if gid == "test_add" and extra_after_test_add:
            cells.append(nbformat.v4.new_code_cell(extra_after_test_add))
    nb.cells = cells
    return nb


def _config(root, sandboxed):
    text = (REPO / "nbgrader_config.py").read_text()
    text += "\n# --- added by tests/test_sandbox.py ---\n"
    if sandboxed:
        text += grading_config.NBGRADER_CONFIG
    else:
        text += textwrap.dedent("""\
            c.Execute.extra_arguments = ["--ext=course.sandbox_kernel.guard"]
            c.GuardedExecute.kernel_name = ""
            c.GuardedExecute.require_sandbox = False
            from course.nbgrader_plugins.grading_config import AUTOGRADE_PREPROCESSORS
            c.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS
            c.CappedOutput.max_bytes = 65536
            """)
    text += f"c.Execute.timeout = {CELL_TIMEOUT}\nc.GuardedExecute.interrupt_grace = 3\n"
    (root / "nbgrader_config.py").write_text(text)


def make_course(root, sandboxed):
    """A scratch course root with ps1 generated; returns the release notebook."""
    root.mkdir(parents=True, exist_ok=True)
    _config(root, sandboxed)
    src = root / "source" / ASSIGNMENT
    src.mkdir(parents=True)
    nbformat.write(_source_notebook(), src / f"{ASSIGNMENT}.ipynb")
    run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    return nbformat.read(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def submit(root, student, nb):
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")


def run_nbgrader(root, *args, timeout=600):
    # nbgrader runs alembic (the gradebook's migrations) from PATH: use the venv's.
    env = dict(os.environ, PATH=os.path.join(sys.prefix, "bin") + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run(NBGRADER + list(args), cwd=root, capture_output=True, text=True,
                          timeout=timeout, env=env)
    if proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def scores(root):
    from nbgrader.api import Gradebook

    out = {}
    url = "sqlite:///" + str(root / "gradebook.db")
    with Gradebook(url) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            nb = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, sub.student.id)
            out[sub.student.id] = {g.name: g.score for g in nb.grades}
    return out


def autograded(root, student):
    return nbformat.read(root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                         as_version=4)


def cell_text(nb, needle):
    """All output text of the first code cell whose source contains ``needle``."""
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            parts = []
            for o in cell.outputs:
                if o.output_type == "stream":
                    parts.append(o.text)
                elif o.output_type == "error":
                    parts.append(f"{o.ename}: {o.evalue}")
            return "\n".join(parts)
    raise AssertionError(f"no cell containing {needle!r}")


# --- the hostile students ---------------------------------------------------------------

def snoop_code(root):
    return textwrap.dedent(f"""\
        import os
        found = {{}}
        for label, path in [("source", {str(root / 'source' / ASSIGNMENT / (ASSIGNMENT + '.ipynb'))!r}),
                            ("source_rel", "../../../source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"),
                            ("gradebook", {str(root / 'gradebook.db')!r}),
                            ("gradebook_rel", "../../../gradebook.db"),
                            ("submitted", {str(root / 'submitted')!r}),
                            ("config", {str(root / 'nbgrader_config.py')!r}),
                            ("own_notebook", "{ASSIGNMENT}.ipynb")]:
            try:
                with open(path, "rb") as f:
                    found[label] = len(f.read())
            except OSError as e:
                found[label] = type(e).__name__
        try:
            with open({str(root / 'gradebook.db')!r}, "ab") as f:
                f.write(b"garbage")
            found["gradebook_write"] = "WROTE"
        except OSError as e:
            found["gradebook_write"] = type(e).__name__
        found["others"] = sorted(os.listdir("../.."))
        found["uid"] = os.getuid()
        print("SNOOP", found)
        """)


def net_code(port):
    return textwrap.dedent(f"""\
        import socket
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
            print("NET connected")
        except OSError as e:
            print("NET refused", type(e).__name__)
        """)


HOG_CODE = textwrap.dedent("""\
    import numpy as np
    try:
        big = np.ones(6 * 2**30 // 8)   # 6 GiB, past the 4 GiB cap
        print("HOG allocated", big.nbytes)
    except MemoryError:
        print("HOG MemoryError")
    """)

SWALLOW_CODE = textwrap.dedent("""\
    import time
    while True:
        try:
            time.sleep(0.1)
        except KeyboardInterrupt:
            pass
    """)

CRASH_CODE = "import os\nos._exit(3)"
# Replaces the SIGINT handler, so the kernel-side guard never hears the interrupt:
# the grader must stop the kernel itself after the grace period.
STUBBORN_CODE = textwrap.dedent("""\
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
    """)
FLOOD_CODE = "print('x' * 10_000_000)"
DEBUGGER_CODE = "import sys\nprint('DEBUGGER', repr(sys.modules.get('debugpy', 'absent')), '' in sys.path)"
# Draws with text (so fonts are looked up), then tries to write into matplotlib's font list.
PLOTS_CODE = textwrap.dedent("""\
    import os
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    cache = matplotlib.get_cachedir()
    lists = sorted(n for n in os.listdir(cache) if n.startswith("fontlist-"))
    fig, ax = plt.subplots()
    ax.set_title("a title needs a font")
    fig.canvas.draw()
    try:
        with open(os.path.join(cache, lists[0]), "a") as f:
            f.write("poison")
        wrote = "WROTE"
    except (OSError, IndexError) as e:
        wrote = type(e).__name__
    print("PLOTS", {"lists": lists, "write": wrote, "font": os.path.basename(font_manager.findfont("DejaVu Sans"))})
    """)


@pytest.fixture(scope="module")
def listener():
    """A TCP server on the host's loopback: reachable from an unsandboxed kernel only."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    yield srv.getsockname()[1]
    srv.close()


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory, listener):
    """Seven students graded by one `nbgrader autograde` run with the course's grading config."""
    root = tmp_path_factory.mktemp("sandbox") / "course"
    if SANDBOX_OK:
        sandbox.install_kernelspec()
    release = make_course(root, sandboxed=SANDBOX_OK)
    students = {
        "good": _submission(release),
        "snoop": _submission(release, extra_first=snoop_code(root)),
        "net": _submission(release, extra_first=net_code(listener)),
        "hog": _submission(release, extra_first=HOG_CODE),
        "swallow": _submission(release, extra_after_test_add=SWALLOW_CODE),
        "crash": _submission(release, extra_after_test_add=CRASH_CODE),
        "flood": _submission(release, extra_after_test_add=FLOOD_CODE),
        "stubborn": _submission(release, extra_after_test_add=STUBBORN_CODE),
        "plots": _submission(release, extra_first=PLOTS_CODE),
        "debugger": _submission(release, extra_first=DEBUGGER_CODE),
    }
    for student, nb in students.items():
        submit(root, student, nb)
    good_db_before = (root / "gradebook.db").stat().st_size
    t0 = time.monotonic()
    proc = run_nbgrader(root, "autograde", ASSIGNMENT, "--force")
    elapsed = time.monotonic() - t0
    return {"root": root, "scores": scores(root), "log": proc.stdout + proc.stderr,
            "elapsed": elapsed, "db_before": good_db_before}


# --- sandbox ----------------------------------------------------------------------------

@needs_sandbox
def test_kernel_cannot_read_source_gradebook_or_other_students(graded_course):
    nb = autograded(graded_course["root"], "snoop")
    text = cell_text(nb, "SNOOP")
    assert "SNOOP" in text, f"the snoop cell did not run: {text!r}"
    found = eval(text.split("SNOOP", 1)[1].strip())  # a dict printed by the student cell
    for label in ("source", "source_rel", "gradebook", "gradebook_rel", "submitted", "config"):
        assert isinstance(found[label], str), (
            f"student code read {label} ({found[label]} bytes) from inside the sandbox: "
            "the sandbox must hide everything but the submission folder")
    assert found["own_notebook"] in (0, "PermissionError", "FileNotFoundError"), (
        "the notebook in the submission folder (it holds the hidden tests while grading) "
        f"must be masked inside the sandbox, but {found['own_notebook']} bytes were read")
    assert found["gradebook_write"] != "WROTE", "student code wrote into the gradebook"
    assert found["others"] == ["snoop"], (
        f"student code listed other submissions: {found['others']}")
    assert launch.UID_BASE <= found["uid"] < launch.UID_BASE + launch.UID_SLOTS, (
        f"kernel ran as uid {found['uid']}, not one of the sandbox's own uids")
    assert graded_course["scores"]["snoop"] == {"test_add": 1.0, "test_mul": 1.0}


@needs_sandbox
def test_kernel_has_no_network(graded_course):
    text = cell_text(autograded(graded_course["root"], "net"), "NET")
    assert "NET refused" in text, (
        "a sandboxed kernel reached a server on the grading machine's loopback: "
        f"it should have a network namespace of its own. Output: {text!r}")


@needs_sandbox
def test_allocation_past_the_cap_is_a_memory_error(graded_course):
    text = cell_text(autograded(graded_course["root"], "hog"), "HOG")
    assert "HOG MemoryError" in text, f"a 6 GiB allocation under a 4 GiB cap gave {text!r}"
    assert graded_course["scores"]["hog"] == {"test_add": 1.0, "test_mul": 1.0}


@needs_sandbox
def test_kernels_share_a_read_only_font_list(graded_course):
    """matplotlib's font list is built once on the grading machine and shown to every kernel
    read-only: no kernel rebuilds it (a quarter of a CPU second per notebook), and none can
    change it for the next student's plots."""
    text = cell_text(autograded(graded_course["root"], "plots"), "PLOTS")
    assert text.startswith("PLOTS") and text.count("\n") <= 1, (
        f"drawing in the sandbox printed more than its own line (a cache warning?): {text!r}")
    found = eval(text.split("PLOTS", 1)[1].strip())  # a dict printed by the student cell
    assert len(found["lists"]) == 1 and found["write"] != "WROTE", (
        f"the kernel's font list is not the grader's read-only one: {found}")
    assert found["font"] == "DejaVuSans.ttf", found
    assert graded_course["scores"]["plots"] == {"test_add": 1.0, "test_mul": 1.0}


@needs_sandbox
def test_grading_kernel_starts_without_the_debugger(graded_course):
    """ipykernel imports debugpy at start-up when it is installed (a quarter of a kernel's
    start); the grading kernel leaves it out, and its notebook still finds modules in the
    submission folder ('' on sys.path), as under `python -m ipykernel_launcher`."""
    text = cell_text(autograded(graded_course["root"], "debugger"), "DEBUGGER")
    assert text.startswith("DEBUGGER None True"), (
        f"the grading kernel loaded the debugger, or the submission folder is not on sys.path: {text!r}")
    assert graded_course["scores"]["debugger"] == {"test_add": 1.0, "test_mul": 1.0}


@needs_sandbox
def test_grading_used_the_sandbox(graded_course):
    report = grading_report(autograded(graded_course["root"], "good"))
    assert report["sandboxed"] and report["kernel"] == sandbox.KERNEL_NAME, report


@needs_sandbox
def test_kernel_dies_with_its_wrapper(tmp_path):
    """Kill -9 the process Jupyter started (bwrap): every process of the kernel goes too."""
    from jupyter_client.manager import KernelManager

    sandbox.install_kernelspec()
    work = tmp_path / "autograded" / "s" / "a"
    work.mkdir(parents=True)
    km = KernelManager(kernel_name=sandbox.KERNEL_NAME, transport="ipc",
                       ip=sandbox.ipc_path())
    km.start_kernel(cwd=str(work))
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive("import subprocess; p = subprocess.Popen(['sleep', '600'])",
                                       timeout=30)
        assert reply["content"]["status"] == "ok"
        wrapper = km.provisioner.process.pid

        def descendants(pid):
            out, todo = [], [pid]
            while todo:
                p = todo.pop()
                try:
                    kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
                except OSError:
                    kids = []
                out += [int(k) for k in kids]
                todo += [int(k) for k in kids]
            return out

        inside = descendants(wrapper)
        assert len(inside) >= 2, f"expected the kernel and its sleep below bwrap, got {inside}"
        os.kill(wrapper, signal.SIGKILL)
        deadline = time.monotonic() + 10
        alive = inside
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = [p for p in inside if Path(f"/proc/{p}").exists()
                     and "State:\tZ" not in Path(f"/proc/{p}/status").read_text()]
        assert not alive, f"processes {alive} outlived the killed wrapper {wrapper}"
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)


@needs_sandbox
def test_available_reports_a_working_sandbox():
    ok, reason, facts = sandbox.check()
    assert ok, reason
    assert facts["interfaces"] == ["lo"] and not facts["env_writable"]
    assert launch.UID_BASE <= facts["uid"] < launch.UID_BASE + launch.UID_SLOTS, facts


# --- limits (sandboxed or not) ------------------------------------------------------------

def test_swallowed_keyboard_interrupt_loses_only_its_cell(graded_course):
    nb = autograded(graded_course["root"], "swallow")
    text = cell_text(nb, "except KeyboardInterrupt")
    assert "CellTimeoutError" in text and f"{CELL_TIMEOUT} s" in text, (
        f"the looping cell should end in a CellTimeoutError naming the limit; got {text!r}")
    assert graded_course["scores"]["swallow"] == {"test_add": 1.0, "test_mul": 1.0}, (
        "the cells after the loop (mul and its test) must still run in the same kernel: "
        f"scores {graded_course['scores']['swallow']}")
    report = grading_report(nb)
    assert report["status"] == "timed_out" and not report["crashed"], report
    assert [c["index"] for c in report["timed_out_cells"]] == [3], report


def test_os_exit_keeps_grades_before_the_crash(graded_course):
    root = graded_course["root"]
    nb = autograded(root, "crash")
    assert graded_course["scores"]["crash"] == {"test_add": 1.0, "test_mul": 0.0}, (
        f"test_add ran before os._exit and passed; test_mul never ran: "
        f"{graded_course['scores']['crash']}")
    report = grading_report(nb)
    assert report["crashed"] and report["status"] == "crashed", report
    assert report["stopped_at"]["index"] == 3 and "status 3" in report["stopped_at"]["reason"], report
    assert {c["grade_id"] for c in report["not_run_cells"]} == {"mul", "test_mul"}, report
    assert "DeadKernelError" in cell_text(nb, "os._exit")
    assert "CellNotRun" in cell_text(nb, "assert mul")


def test_unstoppable_cell_stops_the_kernel_and_keeps_earlier_grades(graded_course):
    nb = autograded(graded_course["root"], "stubborn")
    assert graded_course["scores"]["stubborn"] == {"test_add": 1.0, "test_mul": 0.0}, (
        "a cell that ignores the interrupt costs the cells after it (its kernel is "
        f"stopped), never the ones before: {graded_course['scores']['stubborn']}")
    report = grading_report(nb)
    assert report["status"] == "timed_out" and report["stopped_at"]["index"] == 3, report
    assert "did not stop" in report["stopped_at"]["reason"], report
    assert "CellTimeoutError" in cell_text(nb, "SIG_IGN")
    assert "CellNotRun" in cell_text(nb, "assert mul")


def test_ten_megabyte_line_is_capped(graded_course):
    nb = autograded(graded_course["root"], "flood")
    text = cell_text(nb, "10_000_000")
    assert len(text.encode()) < 70_000, f"{len(text.encode())} bytes of output were kept"
    assert "output cut by the grader" in text
    assert graded_course["scores"]["flood"] == {"test_add": 1.0, "test_mul": 1.0}


def test_good_submission_full_marks_and_clean_report(graded_course):
    assert graded_course["scores"]["good"] == {"test_add": 1.0, "test_mul": 1.0}
    report = grading_report(autograded(graded_course["root"], "good"))
    assert report["status"] == "ok" and not report["timed_out_cells"], report


def test_every_student_has_an_autograded_notebook(graded_course):
    root = graded_course["root"]
    missing = [s for s in ("good", "snoop", "net", "hog", "swallow", "crash", "flood", "stubborn")
               if not (root / "autograded" / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()]
    assert not missing, f"no autograded notebook for {missing}:\n{graded_course['log'][-3000:]}"


# --- launcher refusals (no kernel needed) -----------------------------------------------------

def test_launcher_refuses_tcp_and_relative_ipc(tmp_path):
    conn = tmp_path / "c.json"
    conn.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1"}))
    with pytest.raises(launch.SandboxError, match="transport = 'ipc'"):
        launch.read_connection(str(conn))
    conn.write_text(json.dumps({"transport": "ipc", "ip": "kernel-ipc"}))
    with pytest.raises(launch.SandboxError, match="relative"):
        launch.read_connection(str(conn))


def test_launcher_refuses_a_course_root_as_working_folder(tmp_path):
    (tmp_path / "gradebook.db").write_text("")
    with pytest.raises(launch.SandboxError, match="course root"):
        launch.check_workdir(str(tmp_path), [])
    with pytest.raises(launch.SandboxError, match="contains"):
        launch.check_workdir("/work", ["/work/main/.venv"])


def test_sizes_and_environment_overrides():
    assert launch.parse_size("4G") == 4 * 2**30 and launch.parse_size("512M") == 512 * 2**20
    s = launch.settings_from({"memory": "2G"}, environ={"COURSE_SANDBOX_CPU": "60"})
    assert s["memory"] == 2 * 2**30 and s["cpu"] == 60 and s["nproc"] == 256


def test_install_kernelspec_writes_into_a_prefix(tmp_path):
    folder = sandbox.install_kernelspec(prefix=str(tmp_path), memory="2G", cpu=120)
    spec = json.loads((Path(folder) / "kernel.json").read_text())
    assert spec["argv"][-2:] == ["-f", "{connection_file}"]
    assert spec["argv"][2].endswith("course/sandbox_kernel/launch.py"), spec["argv"]
    assert ["--memory", "2G"] == spec["argv"][3:5] and spec["interrupt_mode"] == "signal"



def test_install_kernelspec_from_several_graders_at_once(tmp_path):
    """Two test modules (or two graders) installing the spec at once: each writes a temporary
    file of its own, so none renames another's away (FileNotFoundError before)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        folders = set(pool.map(lambda _: sandbox.install_kernelspec(prefix=str(tmp_path)), range(200)))
    (folder,) = folders
    assert sorted(p.name for p in Path(folder).iterdir()) == ["kernel.json"], "temporary files left behind"
    assert json.loads((Path(folder) / "kernel.json").read_text())["interrupt_mode"] == "signal"

@needs_sandbox
def test_grading_keeps_the_kernelspec_in_the_course_folder(tmp_path_factory, tmp_path):
    """`grade` writes the sandbox's kernelspec into <course>/grading/kernels and starts it
    from there: it neither rewrites the venv's nor takes another `course-sandbox` found first
    on the Jupyter path (another course folder's launcher, here a decoy that cannot start).
    Before, both courses on one venv shared, and rewrote, the venv's kernelspec."""
    import hostile
    import tiny_course as tc

    venv_spec = Path(sandbox.kernelspec_dir()) / "kernel.json"
    before = venv_spec.read_bytes() if venv_spec.exists() else None
    decoy = tmp_path / "other-course" / "kernels" / sandbox.KERNEL_NAME
    decoy.mkdir(parents=True)
    (decoy / "kernel.json").write_text(json.dumps(
        {"argv": ["/bin/false", "{connection_file}"], "display_name": "another course's", "language": "python"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    env["JUPYTER_PATH"] = str(tmp_path / "other-course")
    for name in ("a", "b"):
        root = tc.copy_course(tc.template(tmp_path_factory), tmp_path / name)
        hostile.write_tiny(root, "alice", hostile.answered_tiny(root))
        out = subprocess.run([sys.executable, "-m", "course", "--root", str(root), "grade", "hw"],
                             env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0 and "1 graded" in out.stdout, out.stdout + out.stderr
        spec = json.loads((root / "grading" / "kernels" / sandbox.KERNEL_NAME / "kernel.json").read_text())
        assert spec["argv"][:3] == sandbox.kernelspec()["argv"][:3], spec
        nb = nbformat.read(root / "autograded" / "alice" / "hw" / "hw.ipynb", as_version=4)
        assert grading_report(nb)["sandboxed"], grading_report(nb)
    after = venv_spec.read_bytes() if venv_spec.exists() else None
    assert after == before, "grading rewrote the venv's kernelspec"
