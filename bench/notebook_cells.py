"""Run chosen cells of a source notebook (solutions with their markers removed) in a fresh
namespace, as the benchmarks measure what the notebooks teach; no copy of a solution here."""

import contextlib
import io
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


def namespace(assignment, cell_ids):
    """{name: value} after executing the cells `cell_ids` of source/<assignment>/<assignment>.ipynb
    in order, with that folder first on sys.path (for its shipped layers.py and friends)."""
    sys.path.insert(0, str(REPO))
    from course.admin.authoring.samples import strip_markers

    folder = REPO / "source" / assignment
    sys.path.insert(0, str(folder))
    nb = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    missing = [gid for gid in cell_ids if gid not in by_id]
    if missing:
        raise SystemExit(f"{folder} has no cells {missing}: update the benchmark's list of cells.")
    ns = {"__name__": f"{assignment}_reference"}
    for gid in cell_ids:
        code = strip_markers(by_id[gid].source)
        with contextlib.redirect_stdout(io.StringIO()):  # the cells' own prints are not figures
            exec(compile(code, f"<{assignment}:{gid}>", "exec"), ns)
    return ns
