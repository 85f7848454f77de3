"""Damaged notebooks, mended before nbgrader reads them, so that correct code is graded.

Students copy, paste, drag and convert cells. nbgrader 0.9.6 handles edited, unlocked
and deleted test cells itself (OverwriteCells puts the gradebook's version back), but:

- two cells with the same grade id make DeduplicateIds empty the metadata of the
  earlier one, and OverwriteCells.add_missing_task_cells then stops the whole notebook
  with ``KeyError: 'grade_id'``: "not graded", although the code may be right;
  nbgrader metadata with a grade id this assignment does not have (a cell pasted from
  another notebook) ends the same way, after OverwriteCells drops the unknown id;
- a test cell dragged above the function it tests runs first and scores 0;
- a deleted test cell: nbgrader restores it next to the cell before it in the gradebook's
  cell order, which PostgreSQL does not keep (KeyError, "not graded");
- a notebook of a newer nbformat than the one installed is refused.

``mend`` fixes exactly these and says what it did, one note per kind of change, and
leaves the rest (the test cells' code, cell types, points) to nbgrader. A changed cell
type gets a note; OverwriteCells turns it back.
"""

import copy
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import nbformat

from course.nbgrader_plugins.cells import grade_id, has_nbgrader_meta, is_solution, is_test


def load(text):
    """The JSON object of a submitted file's text; raises ValueError (or json's error)
    for text that is not a notebook. Cheap: nothing is validated yet, so that a limit on
    the cell count can be checked before nbformat's validation, which takes seconds for
    tens of thousands of cells."""
    raw = json.loads(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", []), list):
        raise ValueError("not a notebook: the top level is not a notebook object")
    return raw


def parse(raw):
    """(notebook as nbformat v4, notes) from load()'s object.

    A version newer than the installed nbformat knows is read as the newest it knows
    (nbformat 4 has been the format since 2015), an older one is converted, each with
    a note. Raises ValueError for an object that is not a notebook.
    """
    major, minor = raw.get("nbformat"), raw.get("nbformat_minor", 0)
    if not isinstance(major, int) or not isinstance(minor, int):
        raise ValueError(f"no nbformat version (nbformat={major!r})")
    notes = []
    newest = nbformat.v4.nbformat_minor
    if major > 4 or (major == 4 and minor > newest):
        notes.append(f"nbformat {major}.{minor} is newer than this grader knows: read as 4.{newest}")
        raw["nbformat"], raw["nbformat_minor"] = 4, newest
    elif major < 4:
        notes.append(f"nbformat {major}.{minor} is old: converted to 4")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate or missing cell ids: nbformat mends them
        nb = nbformat.reads(json.dumps(raw), as_version=4)
    return nb, notes


def _strip_metadata(cells, known):
    """Drop later copies of a grade id (a solution's copy stays, as an ordinary cell: it
    is the student's code and ran after the first); ordinary cells for nbgrader metadata
    naming no cell of the assignment. Returns (cells, notes)."""
    seen, kept = set(), []
    dropped, demoted, unknown = {}, {}, []
    for cell in cells:
        if not has_nbgrader_meta(cell):
            kept.append(cell)
            continue
        gid = grade_id(cell)
        if gid not in known:
            del cell.metadata["nbgrader"]
            unknown.append(str(gid))
            kept.append(cell)
        elif gid not in seen:
            seen.add(gid)
            kept.append(cell)
        elif is_solution(known[gid]):
            del cell.metadata["nbgrader"]
            demoted[gid] = demoted.get(gid, 0) + 1
            kept.append(cell)
        else:
            dropped[gid] = dropped.get(gid, 0) + 1
    notes = []
    for gid, n in dropped.items():
        notes.append(f"grade id {gid!r} was on {n + 1} cells: kept the first, dropped {n} "
                     "later copy(ies); test cells are restored from the gradebook")
    for gid, n in demoted.items():
        notes.append(f"grade id {gid!r} was on {n + 1} solution cells: the first is graded, "
                     f"the later {n} run(s) as ordinary cells, in the student's order")
    if unknown:
        notes.append("nbgrader metadata removed from cell(s) whose grade id this assignment does "
                     f"not have ({', '.join(map(repr, unknown[:5]))}): they ran as ordinary cells")
    return kept, notes


def _type_notes(cells, known):
    return [f"cell {grade_id(c)!r} was changed from {known[grade_id(c)].cell_type} to "
            f"{c.cell_type}: graded as {known[grade_id(c)].cell_type}, its original type"
            for c in cells if grade_id(c) in known and c.cell_type != known[grade_id(c)].cell_type]


def _reorder(cells, source_cells):
    """Move each test cell below every code cell that comes before it in the assignment
    (solutions, imports), and below the student's own cells that follow those.
    Returns (cells, notes)."""
    order = [(grade_id(c), is_test(c) and c.cell_type == "code", c.cell_type == "code")
             for c in source_cells if grade_id(c)]
    notes = []
    for k, (gid, test, _) in enumerate(order):
        if not test:
            continue
        pos = {grade_id(c): i for i, c in enumerate(cells) if grade_id(c)}
        deps = [(pos[g], g) for g, test, code in order[:k] if code and not test and g in pos]
        if gid not in pos or not deps or pos[gid] > max(deps)[0]:
            continue
        last, last_gid = max(deps)
        cell = cells.pop(pos[gid])
        j = last  # `last` moved up by one with the pop: j is the cell just after it
        while j < len(cells) and not grade_id(cells[j]):
            j += 1
        cells.insert(j, cell)
        notes.append(f"test {gid!r} was above {last_gid!r}, which it needs: moved below it, "
                     "so that it tests the student's code")
    return cells, notes


def _restore_deleted_tests(cells, source_cells):
    """Put back each test cell the student deleted, a copy of the released one, below the
    graded or solution cell before it there. nbgrader's own restore (OverwriteCells) finds
    that neighbour in the gradebook's cells, whose order PostgreSQL does not keep: there it
    failed with a KeyError. nbgrader still overwrites the cell's code from the gradebook.
    Returns (cells, notes)."""
    present = {grade_id(c) for c in cells if grade_id(c)}
    previous, notes = None, []
    for cell in source_cells:
        gid = grade_id(cell)
        if not gid or not (is_test(cell) or is_solution(cell)):
            continue
        if is_test(cell) and cell.cell_type == "code" and gid not in present:
            at = next((i + 1 for i, c in enumerate(cells) if previous and grade_id(c) == previous), 0)
            cells.insert(at, copy.deepcopy(cell))
            present.add(gid)
            notes.append(f"test cell {gid!r} was deleted: restored from the release")
        if gid in present:
            previous = gid
    return cells, notes


def mend(nb, source_nb):
    """Mend a submitted notebook in place against its source notebook; the notes say
    what changed ([] when nothing did)."""
    known = {grade_id(c): c for c in source_nb.cells if grade_id(c)}
    cells, notes = _strip_metadata(list(nb.cells), known)
    cells, restored = _restore_deleted_tests(cells, source_nb.cells)
    notes += restored
    notes += _type_notes(cells, known)
    cells, moved = _reorder(cells, source_nb.cells)
    nb.cells = cells
    return notes + moved


def replace_whole(path, data, scratch):
    """Replace the file `path` with the bytes `data` so that it is never seen cut: they are
    written to a temporary file in the folder `scratch` (on the same file system) and
    renamed over `path`. A grader killed halfway (a dead worker, the OOM killer) leaves the
    old file whole and, at worst, a partial temporary file in `scratch`."""
    path, scratch = Path(path), Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".partial", dir=scratch)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def mend_file(path, released, aside, max_cells):
    """Parse one submitted notebook, check its cell count, and mend it in place against the
    released notebook `released` (it has the cells students got, including answer cells that
    the build made manually graded), keeping the student's file as <aside>/original/<name>.
    Returns (notes, fatal): fatal is a reason not to grade it (unreadable, over `max_cells`).

    The notes of a mend are kept in <aside>/mended.json with the mended file's hash, so that
    grading the same file again reports them again."""
    path, aside = Path(path), Path(aside)
    data = path.read_bytes()
    record_path = aside / "mended.json"
    try:
        records = json.loads(record_path.read_text()) if record_path.is_file() else {}
    except ValueError:
        records = {}  # a damaged record only costs mending again
    known = records.get(path.name)
    try:
        raw = load(data.decode("utf-8"))
        n_cells = len(raw.get("cells", []))
        if n_cells > max_cells:
            return [], (f"{path.name} has {n_cells} cells, over the limit of {max_cells} "
                        "(SubmissionLimits.max_cells): not graded, no kernel started")
        nb, notes = parse(raw)
    except (ValueError, UnicodeDecodeError, TypeError, AttributeError,
            KeyError, IndexError, RecursionError, nbformat.ValidationError) as err:  # ways a file is no notebook
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        return [], f"{path.name} is not a readable notebook ({first})"
    if known and known["sha256"] == hashlib.sha256(data).hexdigest():
        return known["notes"], None
    if Path(released).is_file():
        notes += mend(nb, nbformat.read(released, as_version=4))
    if notes:
        (aside / "original").mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, aside / "original" / path.name)
        # Rewritten whole or not at all: the next attempt reads the student's file, never a cut one.
        text = nbformat.writes(nb)
        replace_whole(path, (text if text.endswith("\n") else text + "\n").encode("utf-8"), aside)
        records[path.name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "notes": notes}
        replace_whole(record_path, json.dumps(records, indent=1).encode("utf-8"), aside)
    return notes, None
