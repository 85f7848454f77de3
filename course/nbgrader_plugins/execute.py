"""Grading limits on the nbgrader side: a notebook is graded up to a crash, timeouts cost one
cell, output is capped by bytes.

Wire them into ``nbgrader autograde`` with ``course.nbgrader_plugins.grading_config.configure_nbgrader(c)`` or the
lines in ``course.nbgrader_plugins.grading_config.NBGRADER_CONFIG``:

``GuardedExecute`` (replaces nbgrader's ``Execute``; reads the same ``c.Execute.*`` settings)
    * A cell that runs past ``c.Execute.timeout`` is interrupted; the kernel-side guard
      (``course.sandbox_kernel.guard``, loaded through ``c.Execute.extra_arguments``) makes
      the interrupt stick even when student code catches ``KeyboardInterrupt``, so only that
      cell is lost and the kernel keeps everything defined before it. The cell's error says
      how long the limit was.
    * If the kernel still has not stopped ``interrupt_grace`` seconds after the interrupt
      (student code replaced the SIGINT handler, or one C call runs for minutes), the kernel
      is stopped and the notebook is graded up to that cell.
    * If the kernel dies (``os._exit``, the memory or CPU cap, a segfault), nbgrader 0.9.6
      raises ``DeadKernelError`` and writes no autograded notebook at all. Here the cell that
      killed it gets an error saying so, every later code cell gets a "not run" error (so
      that its tests score 0 instead of counting as passed, which an empty test cell would),
      and grading goes on with the cells before the crash scored normally.
    * A locked, ungraded cell (an instructor's demonstration: a comparison of optimisers, a
      long plot) tagged ``skip-when-grading`` is not run by the autograder: it scores
      nothing, and for 500 submissions its seconds add up. Students still run it. A test
      cell or a student's solution cell is always run, whatever its tags.
    * The outcome is stored in the autograded notebook's metadata under
      ``course_grading`` (read it with :func:`grading_report`): status ``ok``, ``timed_out``
      or ``crashed``, which cells timed out or were skipped, where and why the kernel
      stopped, whether the kernel was sandboxed.
    * A whole notebook gets ``time_budget`` seconds of wall clock (its cells together,
      kernel start not counted). Each cell's timeout is cut to what is left; once it is
      spent, the remaining code cells are not run (their tests score 0) and the status is
      ``time_budget``.
    * With ``require_sandbox`` (the course's setting unless the sandbox is turned off), a
      kernel other than the sandboxed one is refused before any cell runs.
    * A kernel that dies or never answers before any cell ran is the grader's failure,
      not the student's: :class:`KernelStartFailure` is raised (nbgrader then records no
      grade, and course.admin.grading.pipeline retries the submission). Messages the grader cannot read
      (a forked kernel writing to the same sockets) stop the kernel like a crash.

``CappedOutput`` (replaces nbgrader's ``LimitOutput``; reads ``c.LimitOutput.*`` too)
    nbgrader counts lines only, so one 10 MB line stays. This also cuts each cell's
    output after ``max_bytes`` bytes, and never drops a stderr output entirely (nbgrader's
    LimitOutput drops whole outputs past ``max_lines``, which could remove the stderr
    output that makes a test cell score 0).
"""

import contextlib
import math
import os
import signal
import time
import uuid

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, LimitOutput
from traitlets import Bool, Integer, Unicode, default

from course.nbgrader_plugins import cells
from course.sandbox_kernel.host import course_kernels, ensure_kernelspec, ipc_path, kernel_spec_manager
from course.sandbox_kernel.launch import log_tail
from course.sandbox_kernel.names import GUARD_EXTENSION, KERNEL_NAME as SANDBOX_KERNEL

REPORT_KEY = "course_grading"


class KernelStartFailure(RuntimeError):
    """The kernel died or did not answer before any student cell ran: the grader's fault.

    The name is looked for in nbgrader's log (course.admin.grading.autograde.autograde_one)."""


class SandboxRequired(RuntimeError):
    """Grading was asked to run student code outside the sandbox without an explicit opt-out."""


def grading_report(nb):
    """The ``course_grading`` record GuardedExecute left in an autograded notebook (or None)."""
    return nb.get("metadata", {}).get(REPORT_KEY)


def skipped_when_grading(cell, tag="skip-when-grading"):
    """True for a locked, ungraded code cell carrying `tag`: the autograder does not run it.

    nbgrader's OverwriteCells runs first: it restores each cell's locked flag from the
    gradebook and the source of locked cells, and refuses a test cell whose grade flag was
    changed. So a student can add the tag to a test cell or a solution, but not skip it."""
    return (cell.get("cell_type") == "code" and tag in cell.get("metadata", {}).get("tags", [])
            and cells.is_locked(cell) and not cells.is_graded(cell) and not cells.is_solution(cell))


def _error(ename, evalue):
    out = NotebookNode(output_type="error")
    out.ename = ename
    out.evalue = evalue
    out.traceback = [f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]
    return out


def _describe_exit(code):
    """Words for a kernel process's exit status (bwrap reports 128+N for signal N)."""
    if code is None:
        return "the kernel process stopped answering"
    sig = None
    if code < 0:
        sig = -code
    elif code > 128 and code - 128 < 65:
        sig = code - 128
    if sig is not None:
        name = {
            signal.SIGKILL: "SIGKILL: it was killed, usually by the memory or CPU-time cap",
            signal.SIGXCPU: "SIGXCPU: the notebook used up its CPU-time cap",
            signal.SIGSEGV: "SIGSEGV: a crash inside compiled code",
            signal.SIGABRT: "SIGABRT: a crash inside compiled code",
            signal.SIGXFSZ: "SIGXFSZ: a file grew past the size cap",
        }.get(sig, f"signal {sig}")
        return f"the kernel process was stopped by {name}"
    return (f"the kernel process exited with status {code} "
            "(a call such as os._exit() or sys.exit() from a thread ends the whole kernel)")


class GuardedExecute(Execute):
    """nbgrader's Execute that grades up to a crash and loses only the cells that time out."""

    interrupt_grace = Integer(
        10,
        help="Seconds a timed-out cell gets to stop after the interrupt before its kernel "
             "is stopped and the notebook is graded up to that cell.",
    ).tag(config=True)

    skip_tag = Unicode(
        "skip-when-grading",
        help="Locked, ungraded code cells with this tag are not run when autograding.",
    ).tag(config=True)

    time_budget = Integer(
        300,
        help="Seconds of wall clock for all the cells of one notebook together (0: no "
             "budget). Past it the remaining cells are not run and score 0.",
    ).tag(config=True)

    require_sandbox = Bool(
        False,
        help="Refuse to run any cell unless the kernel is the sandboxed one.",
    ).tag(config=True)

    _budget_start = None
    _budget_cut = False

    @default("shutdown_kernel")
    def _stop_at_once(self):
        # Every cell has run and its outputs are in; nothing in the kernel is kept. A graceful
        # stop waited about half a second per notebook (04 reference graded 6 times, idle:
        # median 3.39 s a submission before, 2.75 s after).
        return "immediate"

    def _budget_left(self):
        if not self.time_budget or self.time_budget <= 0 or self._budget_start is None:
            return None
        return self.time_budget - (time.monotonic() - self._budget_start)

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        left = self._budget_left()
        if left is None:
            return timeout
        # nbclient reads 0 as "no timeout": never hand it less than one second.
        cut = max(1, math.ceil(left))
        self._budget_cut = timeout is None or cut < timeout
        return cut if self._budget_cut else timeout

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if self.kernel_name == SANDBOX_KERNEL:
            # Plain `nbgrader autograde` too: the kernelspec exists and starts this Python.
            # It lives in the course folder, not the venv: two courses on one venv each
            # start their own launcher.
            kernels = course_kernels(self.config.CourseDirectory.get("root") or os.getcwd())
            ensure_kernelspec(kernels)
            km.kernel_spec_manager = kernel_spec_manager(kernels)
        if km.transport == "ipc":
            # One socket prefix per kernel, under this process's folder: grading workers
            # forked from one parent (same configured ip) can never pick the same sockets.
            km.ip = os.path.join(os.path.dirname(ipc_path()), "k" + uuid.uuid4().hex[:10])
        return km

    def _kernel_exit_code(self):
        km = getattr(self, "km", None)
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        if proc is None:
            return None
        try:
            return proc.wait(timeout=2)
        except Exception:
            return proc.poll()

    async def _async_check_alive(self):
        # nbclient's liveness poll can outlive a cell that raised (unreadable replies):
        # once the kernel client is gone there is nothing to poll, and its assertion
        # would print "Task exception was never retrieved" into the grading output.
        if self.kc is None:
            raise DeadKernelError("the kernel client is closed")
        await super()._async_check_alive()

    def _kernel_log_tail(self):
        """The end of the sandboxed kernel's log (its stderr), '' if none."""
        proc = getattr(getattr(getattr(self, "km", None), "provisioner", None), "process", None)
        if proc is None or getattr(self.km, "kernel_name", None) != SANDBOX_KERNEL:
            return ""
        return log_tail(proc.pid).replace("\n", " | ")[-400:]

    async def _async_handle_timeout(self, timeout, cell=None):
        self._timed_out.append(cell)
        return await super()._async_handle_timeout(timeout, cell)

    def _timeout_message(self):
        if self._budget_cut:
            return (f"the notebook's time budget ({self.time_budget} s for all its cells) ran "
                    "out while this cell ran, so it was stopped and the cells after it were not "
                    "run. Look for cells that wait (sleep) or do far more work than the task "
                    "needs. The cells before it were graded normally.")
        return (f"this cell ran longer than the {self.timeout} s allowed for one cell and "
                "was stopped. Look for a loop that never ends, or work far larger than the "
                "task needs. The cells before it were graded normally.")

    def _mark_timed_out(self, cell):
        msg = self._timeout_message()
        errors = [o for o in cell.outputs if o.output_type == "error"]
        for out in errors:
            if out.ename in ("CellTimeoutError", "KeyboardInterrupt"):
                out.ename = "CellTimeoutError"
                out.evalue = msg
        if not errors:
            cell.outputs.append(_error("CellTimeoutError", msg))

    def _start(self, stack):
        """Start the kernel and wait for kernel_info; KernelStartFailure if that fails."""
        try:
            stack.enter_context(self.setup_kernel())
            info_msg = self.wait_for_reply(self.kc.kernel_info())
            if not info_msg:
                raise RuntimeError("no reply to kernel_info")
        except Exception as err:
            code = self._kernel_exit_code()
            tail = self._kernel_log_tail()
            raise KernelStartFailure(
                f"the grading kernel ({self.kernel_name or 'default'}) did not start: "
                f"{type(err).__name__}: {err}"
                + ("" if code is None else f" (kernel process exit status {code})")
                + (f"; its log ends: {tail!r}" if tail else "")
                + ". No student code had run: this is the grading machine's failure "
                "(check it with `python -m course.sandbox_kernel.host check`).") from err
        return info_msg

    def preprocess(self, nb, resources=None, km=None):
        # Same steps as nbconvert's ExecutePreprocessor.preprocess, with each cell guarded.
        from nbclient.client import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.iopub_timeout = max(self.iopub_timeout, self.interrupt_grace)
        self._timed_out = []
        self._budget_start = None
        self._budget_cut = False
        report = {
            "status": "ok",
            "crashed": False,
            "kernel": None,
            "sandboxed": False,
            "timed_out_cells": [],
            "stopped_at": None,
            "not_run_cells": [],
            "skipped_cells": [],
            "time_budget": self.time_budget,
            "seconds": None,
        }
        stopped = None  # (index, grade_id, reason) once no more cells may run
        if self.require_sandbox and (self.kernel_name or self.nb.metadata.get("kernelspec", {}).get("name")) != SANDBOX_KERNEL:
            raise SandboxRequired(
                f"refusing to run student code in the kernel {self.kernel_name!r}: grading "
                f"requires the sandboxed kernel {SANDBOX_KERNEL!r} (COURSE_SANDBOX=off turns it off)")

        with contextlib.ExitStack() as stack:
            info_msg = self._start(stack)
            report["kernel"] = self.km.kernel_name
            report["sandboxed"] = self.km.kernel_name == SANDBOX_KERNEL
            self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
            self._budget_start = time.monotonic()
            for index, cell in enumerate(self.nb.cells):
                if stopped is None and cell.cell_type == "code" and cell.source.strip() \
                        and not skipped_when_grading(cell, self.skip_tag):
                    left = self._budget_left()
                    if left is not None and left < 1:
                        stopped = (index, cells.grade_id(cell),
                                   f"the notebook's time budget of {self.time_budget} s ran out "
                                   "before it")
                        report["status"] = "time_budget"
                if stopped is not None:
                    if cell.cell_type == "code" and cell.source.strip():
                        cell.outputs = [_error(
                            "CellNotRun",
                            f"not run: grading stopped at cell {stopped[0]}"
                            + (f" ({stopped[1]})" if stopped[1] else "")
                            + f" because {stopped[2]}.",
                        )]
                        cell.execution_count = None
                        report["not_run_cells"].append({"index": index, "grade_id": cells.grade_id(cell)})
                    continue
                if skipped_when_grading(cell, self.skip_tag):
                    cell.outputs = [NotebookNode(
                        output_type="stream", name="stdout",
                        text="(a demonstration: not run when grading, nothing in it is graded)\n")]
                    cell.execution_count = None
                    report["skipped_cells"].append({"index": index, "grade_id": cells.grade_id(cell)})
                    continue
                self._budget_cut = False
                try:
                    self.preprocess_cell(cell, resources, index)
                except DeadKernelError:
                    reason = _describe_exit(self._kernel_exit_code())
                    cell.outputs.append(_error(
                        "DeadKernelError",
                        f"the kernel died while running this cell: {reason}. "
                        "The cells after it were not run.",
                    ))
                    stopped = (index, cells.grade_id(cell), "the kernel died in it: " + reason)
                    report["crashed"] = True
                    report["status"] = "crashed"
                except CellTimeoutError:
                    # Interrupted, but the kernel never went idle: give up on this kernel.
                    budget = self._budget_cut
                    self._mark_timed_out(cell)
                    report["timed_out_cells"].append({"index": index, "grade_id": cells.grade_id(cell)})
                    if budget:
                        reason = (f"the notebook's time budget of {self.time_budget} s ran out in it "
                                  "and it did not stop when interrupted, so its kernel was stopped")
                        report["status"] = "time_budget"
                    else:
                        reason = (f"it ran past the {self.timeout} s limit and did not stop when "
                                  "interrupted, so its kernel was stopped")
                        if report["status"] == "ok":
                            report["status"] = "timed_out"
                    stopped = (index, cells.grade_id(cell), reason)
                    self.shutdown_kernel = "immediate"
                except Exception as err:  # noqa: BLE001 - garbage on the kernel's channels
                    # A forked copy of the kernel writing to the same sockets, or a student
                    # sending raw bytes on them: the grader cannot trust this kernel's
                    # replies any more. Grade up to here, like a crash.
                    text = f"{type(err).__name__}: {err}"[:300]
                    cell.outputs.append(_error(
                        "KernelChannelError",
                        f"the grader could not read this kernel's replies ({text}); student code "
                        "that forks the kernel or writes to its sockets does this. The kernel "
                        "was stopped and the cells after it were not run.",
                    ))
                    stopped = (index, cells.grade_id(cell), "the kernel's replies became unreadable "
                               f"in it ({text})")
                    report["crashed"] = True
                    report["status"] = "crashed"
                    self.shutdown_kernel = "immediate"
                else:
                    if any(c is cell for c in self._timed_out):
                        budget = self._budget_cut
                        self._mark_timed_out(cell)
                        report["timed_out_cells"].append({"index": index, "grade_id": cells.grade_id(cell)})
                        if budget:
                            stopped = (index, cells.grade_id(cell),
                                       f"the notebook's time budget of {self.time_budget} s ran out in it")
                            report["status"] = "time_budget"
                        elif report["status"] == "ok":
                            report["status"] = "timed_out"
            report["seconds"] = round(time.monotonic() - self._budget_start, 2)
            if stopped is not None:
                report["stopped_at"] = {"index": stopped[0], "grade_id": stopped[1],
                                        "reason": stopped[2]}
        self.set_widgets_metadata()
        self.nb.metadata[REPORT_KEY] = report
        return self.nb, self.resources


def _utf8_len(text):
    return len(text.encode("utf-8", "replace"))


def _cut(text, limit):
    """First ``limit`` bytes of text, whole characters only."""
    return text.encode("utf-8", "replace")[: max(0, limit)].decode("utf-8", "ignore")


class CappedOutput(LimitOutput):
    """nbgrader's LimitOutput, plus a cap on bytes per cell and stderr outputs always kept."""

    max_bytes = Integer(
        65536,
        help="Maximum bytes of output kept per code cell (-1: no limit). Error outputs are "
             "always kept (shortened), so a failing test cell still scores 0.",
    ).tag(config=True)

    max_error_bytes = Integer(
        8192,
        help="Each error output's message and traceback lines are shortened to this many bytes.",
    ).tag(config=True)

    def _limit_stream_output(self, cell):
        if self.max_lines == -1 or cell.cell_type != "code":
            return cell
        length = 0
        new_outputs = []
        for output in cell.outputs:
            if output.output_type == "stream":
                if length >= self.max_lines:
                    if output.name == "stderr":
                        output.text = "... Output truncated ...\n"
                        new_outputs.append(output)
                    continue
                text = output.text.split("\n")
                if len(text) + length > self.max_lines:
                    text = text[: max(0, self.max_lines - length - 1)]
                    text.append("... Output truncated ...")
                length += len(text)
                output.text = "\n".join(text)
            new_outputs.append(output)
        cell.outputs = new_outputs
        return cell

    def _limit_bytes(self, cell):
        if cell.cell_type != "code":
            return cell
        budget = self.max_bytes
        kept = []
        for output in cell.outputs:
            kind = output.output_type
            if kind == "error":
                if _utf8_len(output.get("evalue", "")) > self.max_error_bytes:
                    output.evalue = _cut(output.evalue, self.max_error_bytes) + " ... [cut]"
                output.traceback = [
                    line if _utf8_len(line) <= self.max_error_bytes
                    else _cut(line, self.max_error_bytes) + " ... [cut]"
                    for line in output.get("traceback", [])
                ]
                kept.append(output)
                continue
            if budget < 0:  # no byte limit
                kept.append(output)
                continue
            if kind == "stream":
                size = _utf8_len(output.text)
                if size <= budget:
                    budget -= size
                    kept.append(output)
                elif budget > 0 or output.name == "stderr":
                    output.text = (_cut(output.text, budget)
                                   + f"\n... [output cut by the grader: {size - budget} more bytes] ...\n")
                    budget = 0
                    kept.append(output)
                # stdout past the budget: dropped
            elif kind in ("execute_result", "display_data", "update_display_data"):
                data = output.get("data", {})
                size = sum(_utf8_len(v if isinstance(v, str) else "".join(v) if isinstance(v, list) else str(v))
                           for v in data.values())
                if size <= budget:
                    budget -= size
                    kept.append(output)
                    continue
                text = data.get("text/plain", "")
                if isinstance(text, list):
                    text = "".join(text)
                output.data = {"text/plain": _cut(text, budget)
                               + f" ... [output cut by the grader: {size} bytes] ..."}
                output.metadata = {}
                budget = 0
                kept.append(output)
            else:
                kept.append(output)
        cell.outputs = kept
        return cell

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        cell = self._limit_bytes(cell)
        return cell, resources


__all__ = ["GuardedExecute", "CappedOutput", "grading_report", "GUARD_EXTENSION",
           "SANDBOX_KERNEL", "REPORT_KEY"]
