"""Run a source notebook's code in this process, to test what its demo cells claim.

Demo cells (locked, ungraded) make claims in their text ("the in-place version gives
an error far above 1e-6"). A test reads the values a demo computed from the
namespace of the executed reference notebook and asserts the claim. Executing in
process (not in a kernel) takes a second or two and happens once per assignment
per test session.
"""

import contextlib
import functools
import os
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def _python(source):
    """A cell's code without nbgrader markers and IPython magics (%matplotlib, !pip)."""
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in _MARKERS and not line.lstrip().startswith(("%", "!")))


@contextlib.contextmanager
def _inside(folder):
    old_cwd, old_path = os.getcwd(), list(sys.path)
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


@functools.lru_cache(maxsize=None)
def reference_namespace(assignment):
    """(namespace, printed) after running every code cell of source/<assignment>/<assignment>.ipynb,
    solutions and hidden tests included: the globals, and {grade_id: what the cell printed}.
    Raises the first cell's error, naming the cell."""
    import io
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = REPO / "source" / assignment
    nb = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
    namespace = {"__name__": "__main__"}
    printed = {}
    with _inside(folder):
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            buffer = io.StringIO()
            try:
                with contextlib.redirect_stdout(buffer):
                    exec(compile(_python(cell.source), f"<{grade_id(cell)}>", "exec"), namespace)
            except Exception as err:
                raise RuntimeError(f"{assignment}: cell {grade_id(cell)} raised {err!r}") from err
            finally:
                plt.close("all")
            printed[grade_id(cell)] = buffer.getvalue()
    return namespace, printed
