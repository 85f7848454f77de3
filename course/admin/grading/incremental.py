"""Incremental grading: a submission graded before, with nothing changed since, is not graded again.

What grading reads is the submission folder, the release of the assignment and the
configuration (nbgrader_config.py, the settings a run adds, the sandbox choice).
:func:`fingerprint` hashes them, before grading, without following a link or opening
anything but a regular file (a named pipe would block). The status file keeps the
fingerprint of each grading (``fingerprint`` in the submission's record); a submission whose
fingerprint is unchanged, whose last status was not ``failed`` and whose grades are still in
the gradebook is skipped. ``grade --force`` grades every submission again.

A submission that intake changes (a mended notebook, a file set aside) is graded once more
the next time, since its folder changed; after that it is skipped too.
"""

import hashlib
import os
import stat
from pathlib import Path

from nbgrader.api import MissingEntry

from course.admin.course_dir import CONFIG_FILE, open_gradebook
from course.nbgrader_plugins import statuses


def _hash_tree(h, folder):
    """Feed every entry under `folder` (names, kinds, regular files' bytes) to `h`, in order."""
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        h.update(f"missing-or-link {os.path.lexists(folder)}\0".encode())
        return
    for top, dirs, files in os.walk(folder):  # never descends into a link
        dirs.sort()
        for name in sorted(dirs + files):
            path = os.path.join(top, name)
            mode = os.lstat(path).st_mode
            h.update(f"{os.path.relpath(path, folder)}\0{stat.S_IFMT(mode)}\0".encode())
            if stat.S_ISREG(mode):
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
            elif stat.S_ISLNK(mode):
                h.update(os.readlink(path).encode(errors="surrogateescape"))


def config_fingerprint(root, settings=""):
    """A hash of what configures grading: nbgrader_config.py and `settings` (a string of the
    run's own settings: the sandbox choice, overrides)."""
    h = hashlib.sha256(Path(root, CONFIG_FILE).read_bytes())
    h.update(settings.encode())
    return h.hexdigest()


def fingerprint(submission, release, config):
    """sha256 of a submission folder, its assignment's release folder and `config`
    (config_fingerprint's), as hex."""
    h = hashlib.sha256(config.encode())
    _hash_tree(h, release)
    h.update(b"\0submission\0")
    _hash_tree(h, submission)
    return h.hexdigest()


def unchanged(root, assignment, prints, db_url=None):
    """The students of `prints` ({student: fingerprint}) graded before with the same
    fingerprint, whose last status was not `failed`, and whose grades are still in the
    gradebook (a refused submission has none, and needs none)."""
    recorded = statuses.load(root, assignment)
    same = [s for s, fp in prints.items()
            if recorded.get(s, {}).get("fingerprint") == fp and recorded[s].get("status") != statuses.FAILED]
    kept = []
    with open_gradebook(root, db_url=db_url) as gb:
        for student in same:
            if recorded[student]["status"] == statuses.NOT_GRADED:
                kept.append(student)
                continue
            try:
                gb.find_submission(assignment, student)
            except MissingEntry:
                continue  # the gradebook lost it (reset, removed): grade again
            kept.append(student)
    return kept
