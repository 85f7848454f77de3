"""IPython extension loaded into every grading kernel: timeouts that stick, capped output.

Load it with ``--ext=course.sandbox_kernel.guard`` on the kernel's command line (the
sandboxed kernel does this itself; for an unsandboxed kernel the grading configuration
adds it through ``c.Execute.extra_arguments``). Standard library only, so that it costs
the kernel nothing to import.

Per-cell timeout. When a cell runs past the grader's limit, nbclient interrupts the
kernel with SIGINT. Plain Python turns that into ``KeyboardInterrupt``, which student
code can catch (``except KeyboardInterrupt``, ``except BaseException``, a bare
``except:``) and then go on looping: the cell never ends and the whole notebook is lost.
Here the interrupt instead raises :class:`CellTimeoutError` (not a ``KeyboardInterrupt``
and not an ``Exception``, so ``except Exception`` does not catch it either), and keeps
raising it until the cell has ended:

* every ``RERAISE_INTERVAL`` seconds from a SIGALRM timer (this also breaks ``sleep``
  and other blocking calls), and
* on every line the cell's code runs, through ``sys.settrace``, which is what gets the
  exception out of an ``except`` or ``finally`` block that tries to swallow it.

Both only act while the interpreter is inside the cell's code (or code it called), never
in IPython's own machinery, so the kernel reports the error and stays usable: the cell
is lost, its kernel state (everything defined before) is kept.

What it cannot stop: code that replaces the SIGINT handler, or one long call in C that
never returns to Python. The grading client (``course.nbgrader_plugins.execute.GuardedExecute``) then stops
the kernel after a grace period and grades the notebook up to that cell.

Output cap. Each cell's stdout and stderr are cut after ``COURSE_KERNEL_MAX_OUTPUT_BYTES``
bytes (default 2 MiB) inside the kernel, so that a runaway print cannot flood the grading
process with gigabytes before the timeout. The notebook-level cap (smaller, configurable)
is ``course.nbgrader_plugins.execute.CappedOutput``.
"""

import os
import signal
import sys
import threading

RERAISE_INTERVAL = 0.05
DEFAULT_MAX_OUTPUT_BYTES = 2 * 1024 * 1024

MESSAGE = (
    "this cell ran past the grader's time limit for one cell and was stopped. "
    "Look for a loop that never ends or a computation far larger than the task needs; "
    "the cells before it were graded normally."
)


class CellTimeoutError(BaseException):
    """Raised in a cell that the grader stopped because it ran too long.

    Derives from BaseException (like KeyboardInterrupt) so that ``except Exception``
    does not swallow it; it is raised again until the cell ends, so that
    ``except BaseException`` cannot swallow it either.
    """


class _State:
    def __init__(self):
        self.shell = None
        self.run_code = None          # code object of InteractiveShell.run_code
        self.stopping = False         # True from the interrupt until the cell ends
        self.old_alarm = None
        self.lock = threading.Lock()
        self.max_output = DEFAULT_MAX_OUTPUT_BYTES
        self.output_bytes = {}        # stream name -> bytes sent for the current cell
        self.truncated = set()


_state = _State()


# --- timeout ------------------------------------------------------------------------

def _in_cell(frame):
    """True if ``frame`` is the cell's own code or something the cell called."""
    run_code = _state.run_code
    f = frame
    while f is not None:
        back = f.f_back
        if back is not None and back.f_code is run_code:
            # f is what run_code executes: the cell's module code (run_code's own helpers,
            # such as showtraceback, are called from run_code too: exclude them).
            return f.f_code.co_name == "<module>"
        f = back
    return False


def _no_new_frames(frame, event, arg):
    """Global trace function: trace no new frame (keeps IPython's own code fast).

    It only has to be set for the per-frame tracers below to be called at all; the cell's
    newer frames get theirs from the next alarm tick.
    """
    return None


def _raise_on_line(frame, event, arg):
    if not _state.stopping:
        return None
    if event == "line":
        raise CellTimeoutError(MESSAGE)
    return _raise_on_line


def _trace_cell_frames(frame):
    """Raise on the next line run by any frame between ``frame`` and the cell's own."""
    sys.settrace(_no_new_frames)
    f = frame
    while f is not None and f.f_code is not _state.run_code:
        f.f_trace = _raise_on_line
        f.f_trace_lines = True
        f = f.f_back


def _on_alarm(signum, frame):
    if not _state.stopping:
        return
    if not _in_cell(frame):
        # The cell is over: IPython is reporting the error. Stop everything.
        _disarm()
        return
    _trace_cell_frames(frame)
    raise CellTimeoutError(MESSAGE)


def _on_sigint(signum, frame):
    if not _in_cell(frame):
        # Between cells or inside IPython itself: behave like Python's default handler.
        raise KeyboardInterrupt
    if not _state.stopping:
        _state.stopping = True
        try:
            _state.old_alarm = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, RERAISE_INTERVAL, RERAISE_INTERVAL)
        except (ValueError, OSError):  # not the main thread: rely on the tracer alone
            pass
    _trace_cell_frames(frame)
    raise CellTimeoutError(MESSAGE)


def _disarm():
    if not _state.stopping:
        return
    _state.stopping = False
    sys.settrace(None)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        if _state.old_alarm is not None:
            signal.signal(signal.SIGALRM, _state.old_alarm)
    except (ValueError, OSError):
        pass
    _state.old_alarm = None


def _pre_run_cell(info=None):
    _disarm()
    with _state.lock:
        _state.output_bytes = {}
        _state.truncated = set()
    if threading.current_thread() is threading.main_thread():
        # ipykernel sets Python's default handler before each request; take it over for
        # the duration of this cell (ipykernel restores its own handler afterwards).
        signal.signal(signal.SIGINT, _on_sigint)


def _post_run_cell(result=None):
    _disarm()


# --- output cap ---------------------------------------------------------------------

def _cap_stream(msg):
    """ipykernel OutStream hook: cut a cell's stream output after max_output bytes."""
    try:
        content = msg["content"]
        name, text = content["name"], content["text"]
    except (KeyError, TypeError):
        return msg
    limit = _state.max_output
    if limit < 0:
        return msg
    with _state.lock:
        used = _state.output_bytes.get(name, 0)
        if name in _state.truncated:
            return None
        data = text.encode("utf-8", "replace")
        if used + len(data) <= limit:
            _state.output_bytes[name] = used + len(data)
            return msg
        keep = data[: max(0, limit - used)].decode("utf-8", "ignore")
        _state.output_bytes[name] = limit
        _state.truncated.add(name)
    content["text"] = keep + (
        f"\n... [{name} output cut by the grader after {limit} bytes] ...\n"
    )
    return msg


def _install_output_cap():
    try:
        limit = int(os.environ.get("COURSE_KERNEL_MAX_OUTPUT_BYTES", DEFAULT_MAX_OUTPUT_BYTES))
    except ValueError:
        limit = DEFAULT_MAX_OUTPUT_BYTES
    _state.max_output = limit
    for stream in (sys.stdout, sys.stderr):
        register = getattr(stream, "register_hook", None)
        pub_thread = getattr(stream, "pub_thread", None)
        if register is None or pub_thread is None:
            continue
        # ipykernel keeps hooks per thread and sends from its IO thread: register there.
        pub_thread.schedule(lambda register=register: register(_cap_stream))


# --- extension entry point ----------------------------------------------------------

def load_ipython_extension(ip):
    from IPython.core.interactiveshell import InteractiveShell

    if _state.shell is ip:
        return
    _state.shell = ip
    _state.run_code = InteractiveShell.run_code.__code__
    ip.events.register("pre_run_cell", _pre_run_cell)
    ip.events.register("post_run_cell", _post_run_cell)
    _install_output_cap()
    # stderr as stdout, and flushes that do not wait: validate's kernels load the same two,
    # so validate and grading judge a cell by the same outputs
    from course.sandbox_kernel import batched_flush, stderr_to_stdout

    stderr_to_stdout.load_ipython_extension(ip)
    batched_flush.load_ipython_extension(ip)
    # Visible to the grader and to tests: the guard is active in this kernel.
    os.environ["COURSE_KERNEL_GUARD"] = "1"


def unload_ipython_extension(ip):
    """Refuse quietly: the guard stays for the life of the grading kernel."""
