"""IPython extension: a flush from student code asks for a send and does not wait for it.

ipykernel's ``OutStream.flush()`` hands the text to its IO thread and blocks until that
thread has sent it. ``logging`` flushes after every record, so a student's function that
logs inside a training loop sent one message per line and waited for two thread switches
each time: 250 us a line on an idle machine and about three times that with the cores
busy (``bench/log_lines.py``), enough for 04's training check to run past the grader's
time limit on a loaded machine while the same notebook took 5 s alone.

Here a flush called from anywhere but the kernel's own code (ipykernel, IPython) schedules
one send on the IO thread (none if one is already waiting) and returns; lines written in
the meantime go out together, as printed lines always did. The kernel's own flushes still
wait: it flushes before it sends a display, an error or the cell's reply, and those are
sent without the IO thread's queue, so waiting there is what keeps the output in order.

Loaded in every grading kernel (course.sandbox_kernel.guard) and in every kernel
`nbgrader validate` starts (``c.Execute.extra_arguments`` in nbgrader_config.py), so both
see the same outputs. Standard library only; loading it twice is harmless.
"""

import sys
import threading

EXTENSION = "course.sandbox_kernel.batched_flush"
# Callers whose flush must wait for its send (a display or an error follows it).
KERNEL_MODULES = ("ipykernel.", "IPython.")


def _batched(stream):
    """A flush for ipykernel OutStream `stream` that does not wait when student code calls it."""
    send_and_wait = stream.flush
    pending = threading.Event()

    def send():  # on the IO thread, where the stream's own flush sends at once
        pending.clear()
        send_and_wait()

    def flush():
        if sys._getframe(1).f_globals.get("__name__", "").startswith(KERNEL_MODULES):
            send_and_wait()
        elif not pending.is_set():
            pending.set()
            stream.pub_thread.schedule(send)

    flush.batched = True
    return flush


def load_ipython_extension(ip):
    for stream in {id(s): s for s in (sys.stdout, sys.stderr)}.values():
        if getattr(stream, "pub_thread", None) is None or getattr(stream.flush, "batched", False):
            continue  # not an ipykernel stream, or already batched
        stream.flush = _batched(stream)
