"""A catalogue of hostile and broken submissions, each with its honest outcome.

Each case builds one submission from the reference or the untouched release
of an assignment and says what grading must make of it:

- ``honest``: the score it deserves, "reference" (full marks) or "zero";
  grading must never give more than that;
- ``exact``: True when the score must equal the honest one, not just stay below;
- ``status``: the statuses grading may give it;
- ``sandbox``: True when only the sandboxed kernel can hold the line.

Code cells a student adds are ordinary code cells without nbgrader metadata.
"""

import copy
import json
from pathlib import Path

import nbformat

from course.admin.authoring import samples


def _code(source):
    return nbformat.v4.new_code_cell(source)


def _insert_after_first_solution(nb, source):
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            nb.cells.insert(i + 1, _code(source))
            return nb
    nb.cells.insert(1, _code(source))
    return nb


def _test_cells(nb):
    return [i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade")
            and c.cell_type == "code"]


def _with_cell(base, source, where="after_first_solution"):
    def build(nb):
        if where == "top":
            nb = copy.deepcopy(nb)
            nb.cells.insert(1, _code(source))
            return nb
        if where == "middle":
            nb = copy.deepcopy(nb)
            tests = _test_cells(nb)
            nb.cells.insert(tests[len(tests) // 2] + 1, _code(source))
            return nb
        return _insert_after_first_solution(nb, source)
    return base, build


def _delete_first_test(nb):
    nb = copy.deepcopy(nb)
    del nb.cells[_test_cells(nb)[0]]
    return nb


def _edit_tests_to_pass(nb):
    nb = copy.deepcopy(nb)
    for i in _test_cells(nb):
        nb.cells[i].source = "pass  # edited by the student"
    return nb


def _raise_points(nb):
    nb = copy.deepcopy(nb)
    for i in _test_cells(nb):
        nb.cells[i].metadata.nbgrader["points"] = 100
    return nb


INFINITE_LOOP = "while True:\n    pass"
SWALLOW_INTERRUPT = """import time
while True:
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass"""
EXIT = "import os\nos._exit(1)"
BIG_ALLOCATION = "hog = bytearray(12_800_000_000)\nhog[::4096] = b'x' * len(hog[::4096])"
LONG_LINE = "print('x' * 10_000_000)"
MANY_LINES = "for i in range(100_000):\n    print(i)"
PATCH_NUMPY = """import numpy as np
np.allclose = lambda *a, **k: True
np.max = lambda *a, **k: 0.0
np.testing.assert_allclose = lambda *a, **k: None"""
PATCH_COURSE = """import course.gradcheck as gc
gc.assert_gradients_close = lambda *a, **k: 0.0
gc.rel_error = lambda x, y: 0.0"""
PATCH_BUILTINS = """import builtins
builtins.isinstance = lambda *a: True
builtins.abs = lambda x: 0"""
READ_SOURCE = """import glob, os
stolen = {}
for path in glob.glob('/**/source/*/*.ipynb', recursive=True)[:20] + glob.glob('../../../source/*/*.ipynb'):
    stolen[path] = open(path).read()
print('stole', len(stolen), 'files')
assert stolen, 'nothing to steal'"""
READ_GRADEBOOK = """import glob
found = glob.glob('../../../gradebook.db') + glob.glob('/**/gradebook.db', recursive=True)[:5]
data = open(found[0], 'rb').read()
print('read', len(data), 'bytes of the gradebook')"""
WRITE_GRADEBOOK = """import glob, sqlite3
found = glob.glob('../../../gradebook.db') + glob.glob('/**/gradebook.db', recursive=True)[:5]
con = sqlite3.connect(found[0])
con.execute('UPDATE grade SET auto_score = 0')
con.execute('UPDATE grade SET auto_score = max_score WHERE id IS NOT NULL')
con.commit()
print('wrote the gradebook')"""
NUMERIC_BACKWARD = """def f_backward(dout, cache):
    from course.gradcheck import eval_numerical_gradient_array
    a, b, c = (np.array(v, dtype=float) for v in cache)
    da = eval_numerical_gradient_array(lambda v: v / b + b / c, a.copy(), dout)
    db = eval_numerical_gradient_array(lambda v: a / v + v / c, b.copy(), dout)
    dc = eval_numerical_gradient_array(lambda v: a / b + b / v, c.copy(), dout)
    return da, db, dc"""
WARNING = "import warnings\nwarnings.warn('a harmless UserWarning from the student')"


CASES = [
    dict(name="infinite-loop", make=_with_cell("reference", INFINITE_LOOP, "top"),
         honest="reference", exact=True, status={"timed out"}),
    dict(name="swallows-interrupt", make=_with_cell("reference", SWALLOW_INTERRUPT, "top"),
         honest="reference", exact=True, status={"timed out"}),
    dict(name="os-exit", make=_with_cell("reference", EXIT, "middle"),
         honest="reference", exact=False, status={"flagged"}),
    dict(name="huge-allocation", make=_with_cell("reference", BIG_ALLOCATION, "top"),
         honest="reference", exact=True, status={"graded", "crashed"}, sandbox=True),
    dict(name="10mb-line", make=_with_cell("reference", LONG_LINE, "top"),
         honest="reference", exact=True, status={"graded"}),
    dict(name="100k-lines", make=_with_cell("reference", MANY_LINES, "top"),
         honest="reference", exact=True, status={"graded"}),
    dict(name="deleted-test-cell", make=("reference", _delete_first_test),
         honest="reference", exact=True, status={"graded"}),
    dict(name="edited-test-cells", make=("untouched", _edit_tests_to_pass),
         honest="zero", exact=True, status={"graded"}),
    dict(name="raised-points", make=("untouched", _raise_points),
         honest="zero", exact=True, status={"graded"}),
    dict(name="patch-numpy", make=_with_cell("untouched", PATCH_NUMPY, "top"),
         honest="zero", exact=True, status={"flagged"}),
    dict(name="patch-course", make=_with_cell("untouched", PATCH_COURSE, "top"),
         honest="zero", exact=True, status={"flagged"}),
    dict(name="patch-builtins", make=_with_cell("untouched", PATCH_BUILTINS, "top"),
         honest="zero", exact=True, status={"flagged"}),
    dict(name="reads-source", make=_with_cell("untouched", READ_SOURCE, "top"),
         honest="zero", exact=True, status={"flagged"}, sandbox=True),
    dict(name="reads-gradebook", make=_with_cell("untouched", READ_GRADEBOOK, "top"),
         honest="zero", exact=True, status={"flagged"}, sandbox=True),
    dict(name="writes-gradebook", make=_with_cell("untouched", WRITE_GRADEBOOK, "top"),
         honest="zero", exact=True, status={"flagged"}, sandbox=True),
    dict(name="numeric-backward", make=("reference", lambda nb: nb), edits=[("f_backward", None, NUMERIC_BACKWARD)],
         honest="reference", exact=False, status={"flagged"}),
    dict(name="stderr-warning", make=_with_cell("reference", WARNING, "top"),
         honest="reference", exact=True, status={"graded"}),
]


def write_case(root, assignment, case):
    """Write the case's submission as submitted/hostile-<name>/<assignment>/."""
    student = f"hostile-{case['name']}"
    base, transform = case["make"]
    nbs = samples.submission_notebooks(root, assignment, case.get("edits", ()),
                                       untouched=(base == "untouched"))
    nbs = {name: transform(nb) for name, nb in nbs.items()}
    samples.write_submission(root, assignment, student, nbs)
    return student


def write_broken_json(root, assignment):
    """A submission whose notebook is cut off mid-file."""
    student = "hostile-broken-json"
    nbs = samples.submission_notebooks(root, assignment)
    folder = samples.write_submission(root, assignment, student, nbs)
    for path in folder.glob("*.ipynb"):
        text = path.read_text()
        path.write_text(text[: len(text) // 2])
    return student


def autograded_size(root, assignment, student):
    folder = Path(root) / "autograded" / student / assignment
    return sum(p.stat().st_size for p in folder.glob("*.ipynb"))


def load_json(path):
    return json.loads(Path(path).read_text())


# -- hostile archives and folders, for the tiny course (tests/tiny_course.py) -----------
def lying_zip(path, name, inflated_bytes, claimed_bytes, good=(), corrupt=()):
    """A zip of the honest members `good` [(name, bytes)], then a member `name` whose
    deflated data inflate to `inflated_bytes` zeros while its local and central headers
    claim `claimed_bytes` (and a CRC of 0). Written by hand, in a second whatever the
    size: the deflate stream is one flushed 1 MiB block of zeros repeated. The members
    named in `corrupt` get their compressed bytes scrambled after their first ten, as
    in a broken download. Returns path."""
    import struct
    import zlib

    def deflate(data):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()

    members = [(n, deflate(d), zlib.crc32(d), len(d)) for n, d in good]
    members = [(n, data[:10] + bytes(b ^ 0x5A for b in data[10:]) if n in corrupt else data, crc, size)
               for n, data, crc, size in members]
    with open(path, "wb") as f:
        central = []
        for n, data, crc, size in members:
            central.append((n, crc, len(data), size, f.tell()))
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size,
                                len(n.encode()), 0) + n.encode() + data)
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
        rest = inflated_bytes % (1 << 20)
        tail = c.compress(bytes(rest)) + c.flush()
        csize = (inflated_bytes >> 20) * len(block) + len(tail)
        offset = f.tell()
        f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, 0, csize, claimed_bytes,
                            len(name.encode()), 0) + name.encode())
        for _ in range(inflated_bytes >> 20):
            f.write(block)
        f.write(tail)
        central.append((name, 0, csize, claimed_bytes, offset))
        start = f.tell()
        for n, crc, cs, size, off in central:
            f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, cs, size,
                                len(n.encode()), 0, 0, 0, 0, 0, off) + n.encode())
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                            f.tell() - start, start, 0))
    return path


def answered_tiny(root, edits=()):
    """The tiny course's (tests/tiny_course.py) release notebook `hw`, answered with the
    reference (plus edits), as a student hands it in."""
    source = nbformat.read(Path(root) / "source" / "hw" / "hw.ipynb", as_version=4)
    answers = samples.apply_edits(samples.reference_answers(source), list(edits))
    return samples.fill_release(nbformat.read(Path(root) / "release" / "hw" / "hw.ipynb", as_version=4),
                                answers)


def write_tiny(root, student, nb=None, text=None):
    """submitted/<student>/hw/hw.ipynb from a notebook or from raw text; returns the folder."""
    folder = Path(root) / "submitted" / student / "hw"
    folder.mkdir(parents=True, exist_ok=True)
    if text is not None:
        (folder / "hw.ipynb").write_text(text)
    else:
        nbformat.write(nb, folder / "hw.ipynb")
    return folder


def _tiny_index(nb, gid):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def duplicate_test(nb):
    """test_add pasted twice, the copy right below the original."""
    nb = copy.deepcopy(nb)
    i = _tiny_index(nb, "test_add")
    nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))
    return nb


def duplicate_solution(nb):
    """The solution cell of add copied; the first copy keeps a bug, the later one (which
    ran last, so the one the student's notebook used) is right."""
    nb = copy.deepcopy(nb)
    i = _tiny_index(nb, "add")
    buggy = copy.deepcopy(nb.cells[i])
    buggy.source = buggy.source.replace("return a + b", "return a - b")
    nb.cells.insert(i, buggy)
    return nb


def move_test_above_solution(nb):
    """test_add dragged above the solution it tests."""
    nb = copy.deepcopy(nb)
    cell = nb.cells.pop(_tiny_index(nb, "test_add"))
    nb.cells.insert(_tiny_index(nb, "add"), cell)
    return nb


def turn_test_into_markdown(nb):
    """test_mul turned into a markdown cell (Esc M in Jupyter)."""
    nb = copy.deepcopy(nb)
    cell = nb.cells[_tiny_index(nb, "test_mul")]
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    return nb


def foreign_metadata(nb):
    """A cell pasted from another assignment's notebook, with its nbgrader metadata."""
    nb = copy.deepcopy(nb)
    cell = nbformat.v4.new_code_cell("helper = 1")
    cell.metadata["nbgrader"] = {"grade_id": "cell-from-elsewhere", "solution": True, "grade": False,
                                 "locked": False, "schema_version": 3}
    nb.cells.insert(1, cell)
    return nb


def nbformat_version(nb, major, minor):
    """The notebook's text with another nbformat version written in it."""
    raw = json.loads(nbformat.writes(nb))
    raw["nbformat"], raw["nbformat_minor"] = major, minor
    return json.dumps(raw)
