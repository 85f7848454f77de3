"""The course's protections inside nbgrader's own Autograde, whatever starts it.

``nbgrader autograde``, the formgrader's *Autograde* button (``NbGraderAPI.autograde``) and
``python -m course grade`` all run nbgrader's ``Autograde`` converter, configured by
nbgrader_config.py and nothing else. nbgrader 0.9.6 hard-codes that class, and its only
configurable hook before it copies a submission's files and adds the student to the
gradebook (``Autograde.init_assignment``) is the exporter it builds once per run, after it
has listed the submissions (``BaseConverter.start``: ``init_notebooks``, then
``exporter_class(parent=converter)``, then ``convert_notebooks``). Its
``pre_convert_hook`` comes later, is given the command's student glob rather than the
submission, and has its exceptions swallowed, so it cannot fail closed.

So ``c.Autograde.exporter_class`` names :class:`GuardedAutogradeExporter`, nbgrader's
NotebookExporter plus:

1. when nbgrader builds it, every listed submission goes through intake
   (course.nbgrader_plugins.intake: the id, links, special files, unsafe names, sizes,
   mending) and the static audit (course.nbgrader_plugins.audit). A refused submission is
   taken off nbgrader's list, so that nbgrader copies nothing of it and never adds its id
   to the gradebook; its status says why, its older grades and autograded copy are removed.
   When the run was for one student (the formgrader's button, ``--student``), the refusal
   also fails the run: NbGraderAPI.autograde returns success False, the command exits 1.
2. when nbgrader's autograde preprocessors have graded a notebook, its status is
   classified (course.nbgrader_plugins.statuses) and recorded in grading/<assignment>.json;
   when they raised, the submission is "not graded" (or "failed" when the kernel never
   started or the sandbox was missing: not the student's fault) and keeps no grade.
"""

import glob
import logging
import os
import re
import shutil
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.converters.base import NbGraderException

from course.nbgrader_plugins import intake, statuses
from course.nbgrader_plugins.audit import audit_submission
from course.nbgrader_plugins.execute import KernelStartFailure, SandboxRequired

# Errors that are the grader's, not the student's: recognised by type, never by log text.
INFRASTRUCTURE = (KernelStartFailure, SandboxRequired)


class GuardedAutogradeExporter(NotebookExporter):
    """nbgrader Autograde's exporter, with intake before nbgrader touches a submission and
    the status recorded after it graded one (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        converter = self.parent
        # Only an Autograde run that has listed its submissions is guarded here.
        if getattr(converter, "assignments", None) and getattr(converter, "coursedir", None):
            admit_submissions(converter, self.log)

    def from_notebook_node(self, nb, resources=None, **kw):
        info = (resources or {}).get("nbgrader")
        # nbgrader sets NBGRADER_EXECUTION for its second pass (the autograde preprocessors).
        if not info or os.environ.get("NBGRADER_EXECUTION") != "autograde":
            return super().from_notebook_node(nb, resources, **kw)
        submission = Submission.from_resources(self.parent, info)
        try:
            output, resources = super().from_notebook_node(nb, resources, **kw)
        except INFRASTRUCTURE as err:
            submission.refuse(statuses.FAILED, f"grading failed, grade it again ({type(err).__name__}: "
                                               f"{str(err).strip()[:300]})", infrastructure=True)
            raise
        except Exception as err:
            first = (str(err).strip().splitlines() or [""])[0][:300]
            submission.refuse(statuses.NOT_GRADED, f"{type(err).__name__}: {first}".strip(": "))
            raise
        submission.graded(info["notebook"], statuses.report_of(nbformat.reads(output, as_version=4)),
                          {Path(path).stem for path in self.parent.notebooks})
        return output, resources


class Submission:
    """One submission on its way through nbgrader: where it lies, and its status record."""

    def __init__(self, converter, student, assignment):
        coursedir = converter.coursedir
        self.coursedir, self.student, self.assignment = coursedir, student, assignment
        self.root = coursedir.root
        self.folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        self.autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        self.released = Path(coursedir.format_path(coursedir.release_directory, ".", assignment))

    @classmethod
    def from_resources(cls, converter, info):
        return cls(converter, info["student"], info["assignment"])

    def current(self):
        return statuses.load(self.root, self.assignment).get(self.student) or {}

    def save(self, rec):
        statuses.save(self.root, self.assignment, {self.student: rec})

    def refuse(self, status, note, notes=None, infrastructure=False):
        """Record that nothing of it is graded (notes: intake's, default those recorded when
        it was admitted), and remove what would look current."""
        if notes is None:
            notes = self.current().get("pending", {}).get("notes", [])
        extra = {"infrastructure": True} if infrastructure else {}
        self.save(statuses.record(status, notes + [note], None, **extra))
        if intake.valid_id(self.student):  # a refused id has no row to remove, and gets none
            statuses.forget_grades(self.coursedir.db_url, self.coursedir.course_id, self.assignment,
                                   self.student)
        if self.autograded.is_dir() and not self.autograded.is_symlink():
            shutil.rmtree(self.autograded, ignore_errors=True)

    def admitted(self, notes):
        """Record it as started: its status says unfinished until nbgrader graded it."""
        self.save(statuses.record(statuses.NOT_GRADED, notes + [statuses.UNFINISHED], None,
                                  pending={"notes": notes, "reports": {}}))

    def graded(self, notebook, report, notebooks):
        """Record one graded notebook; the status covers every notebook graded so far
        (notebooks: the names nbgrader grades in this submission)."""
        pending = self.current().get("pending", {"notes": [], "reports": {}})
        pending["reports"][notebook] = report
        manual = statuses.needs_manual(self.coursedir.db_url, self.coursedir.course_id,
                                       self.assignment, self.student)
        rec = statuses.classify(list(pending["reports"].values()), pending["notes"], manual)
        if set(pending["reports"]) < notebooks:  # more notebooks to come
            rec["pending"] = pending
        self.save(rec)


def submission_pattern(coursedir):
    """A regular expression that reads (student_id, assignment_id) from a submission folder's
    path, built from nbgrader's CourseDirectory.format_path as nbgrader builds its own."""
    return re.compile(coursedir.format_path(coursedir.submitted_directory, "(?P<student_id>.*)",
                                            "(?P<assignment_id>.*)", escape=True) + "$")


def admit_submissions(converter, log=None):
    """Intake and audit every submission the Autograde `converter` listed, before it touches
    any; refused ones leave its list. Raises NbGraderException after recording them when the
    run was for one student, so that the caller sees the refusal."""
    log = log or logging.getLogger(__name__)
    coursedir = converter.coursedir
    pattern = submission_pattern(coursedir)
    limit = intake.SubmissionLimits(parent=converter)
    submitted = coursedir.format_path(coursedir.submitted_directory, ".", ".")
    refused = []
    for folder in sorted(converter.assignments):
        found = pattern.match(folder)
        if found is None:
            continue  # nbgrader stops on it itself ("Could not match ...")
        sub = Submission(converter, found["student_id"], found["assignment_id"])
        notes, fatal = intake.admit(folder, sub.student, submitted, sub.released, limit, sub.root)
        if fatal:
            del converter.assignments[folder]
            sub.refuse(statuses.NOT_GRADED, fatal, notes)
            log.error("Not grading %s: %s", intake.shown(os.path.relpath(folder, coursedir.root)), fatal)
            refused.append(fatal)
            continue
        notes += [f"audit: {finding}" for finding in audit_submission(folder)]
        # intake may have set notebooks aside or given one its expected name
        converter.assignments[folder] = sorted(glob.glob(os.path.join(folder, coursedir.notebook_id + ".ipynb")))
        sub.admitted(notes)
    if refused and not converter.assignments and not glob.has_magic(coursedir.student_id):
        raise NbGraderException("; ".join(refused))
