"""Mending a submission never loses it: a grader killed while rewriting a student's notebook
leaves the student's file whole (course.nbgrader_plugins.repair.replace_whole).

Found by test_scale's killed Dask worker: the worker died while writing the mended notebook
over the submitted one, and the retry found half a notebook ("not a readable notebook"),
so a student with a deleted test cell lost the whole assignment. Here the grader is a real
process stopped by the kernel in the middle of that write: its file-size limit lets it copy
the student's file aside but not write the (longer) mended one.
"""

import json
import signal
import subprocess
import sys

import nbformat
from nbformat import v4

from course.nbgrader_plugins import repair

TEST_SOURCE = "assert add(2, 3) == 5, 'add(2, 3) should be 5'\n" + "# a long test cell\n" * 200


def _meta(grade_id, **flags):
    return {"nbgrader": {"schema_version": 3, "grade_id": grade_id, "solution": False, "grade": False,
                         "locked": False, **flags}}


def _notebooks(tmp_path):
    """(released path, submitted path): the submission deleted the test cell."""
    released = v4.new_notebook(cells=[
        v4.new_code_cell("def add(a, b):\n    raise NotImplementedError()", metadata=_meta("add", solution=True)),
        v4.new_code_cell(TEST_SOURCE, metadata=_meta("test_add", grade=True, locked=True, points=1)),
    ])
    submitted = v4.new_notebook(cells=[
        v4.new_code_cell("def add(a, b):\n    return a + b", metadata=_meta("add", solution=True)),
    ])
    (tmp_path / "release").mkdir()
    folder = tmp_path / "submitted" / "alice" / "hw"
    folder.mkdir(parents=True)
    nbformat.write(released, tmp_path / "release" / "hw.ipynb")
    nbformat.write(submitted, folder / "hw.ipynb")
    return tmp_path / "release" / "hw.ipynb", folder / "hw.ipynb"


def test_a_grader_killed_while_mending_leaves_the_submission_whole(tmp_path):
    released, path = _notebooks(tmp_path)
    aside = path.parent.parent / ".set-aside-hw"
    original = path.read_bytes()
    # Room for the copy of the student's file, not for the mended notebook (the restored test is long).
    limit = len(original) + 1000
    grader = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; the kernel's default kills\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "from course.nbgrader_plugins import repair\n"
        f"print(repair.mend_file({str(path)!r}, {str(released)!r}, {str(aside)!r}, 1000))\n"
    )
    proc = subprocess.run([sys.executable, "-c", grader], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGXFSZ, (
        "the grader was meant to die while writing the mended notebook, but it "
        f"{'finished' if proc.returncode == 0 else f'exited {proc.returncode}'}:\n{proc.stdout}{proc.stderr}")
    assert path.read_bytes() == original, (
        "a grader killed while mending left the student's notebook changed: "
        f"{len(path.read_bytes())} bytes instead of {len(original)} (a cut file is 'not a readable notebook')")
    assert (aside / "original" / "hw.ipynb").read_bytes() == original

    notes, fatal = repair.mend_file(path, released, aside, 1000)
    assert fatal is None and any("restored" in n for n in notes), (notes, fatal)
    mended = nbformat.read(path, as_version=4)
    assert [c.metadata["nbgrader"]["grade_id"] for c in mended.cells] == ["add", "test_add"]
    assert json.loads((aside / "mended.json").read_text())["hw.ipynb"]["notes"] == notes


def test_replace_whole_keeps_the_mode_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "hw.ipynb"
    target.write_text("old")
    target.chmod(0o640)
    repair.replace_whole(target, b"new", tmp_path / "aside")
    assert target.read_bytes() == b"new" and (target.stat().st_mode & 0o777) == 0o640
    assert list((tmp_path / "aside").iterdir()) == []
