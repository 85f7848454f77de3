"""What student code writes reaches the notebook whole, in order and cheaply, in both kernels
that judge a notebook: the grading kernel (the sandbox with its guard) and the kernel
`nbgrader validate` starts with nbgrader_config.py's extensions.

A function that logs in a training loop used to send one message per line and wait for it
(course.sandbox_kernel.batched_flush): 04 graded in 5 s alone ran past its time limit on a
loaded machine. bench/log_lines.py measures the cost per line.
"""

import sys
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager
from traitlets.config.loader import PyFileConfigLoader

from course.sandbox_kernel import host as sandbox
from course.sandbox_kernel.names import GUARD_EXTENSION

REPO = Path(__file__).resolve().parents[1]
LINES = 3000
LOG_LINE = "WARNING:root:a logged note from a student function\n"


def _validate_arguments():
    """The kernel arguments nbgrader validate uses, as nbgrader_config.py sets them."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    return list(config.Execute.extra_arguments)


def _grading_kernel():
    """(kernel name, extra arguments) of a grading kernel on this machine."""
    ok, _ = sandbox.available()
    if ok:
        sandbox.install_kernelspec()
        return sandbox.KERNEL_NAME, []  # the launcher loads the guard itself
    return "python3", ["--ext=" + GUARD_EXTENSION]  # grading without the sandbox


@pytest.fixture(scope="module", params=["grading", "validate"])
def kernel(request, tmp_path_factory):
    """A started client of one of the two kernels."""
    name, arguments = _grading_kernel() if request.param == "grading" else ("python3", _validate_arguments())
    km = KernelManager(kernel_name=name, transport="ipc", ip=sandbox.ipc_path())
    if name == "python3":
        km.kernel_spec.argv[0] = sys.executable
    km.start_kernel(cwd=str(tmp_path_factory.mktemp("work")), extra_arguments=arguments)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _run(kc, code):
    """[iopub output messages] of one cell, in the order they arrived."""
    outputs = []

    def keep(msg):
        if msg["msg_type"] in ("stream", "display_data", "error"):
            outputs.append(msg)

    kc.execute_interactive(code, timeout=120, output_hook=keep)
    return outputs


def test_logged_lines_arrive_whole_and_batched(kernel):
    outputs = _run(kernel, f"import logging\nfor i in range({LINES}): "
                           "logging.warning('a logged note from a student function')")
    streams = [m["content"] for m in outputs if m["msg_type"] == "stream"]
    text = "".join(s["text"] for s in streams)
    assert text == LOG_LINE * LINES, (
        f"{text.count(LOG_LINE)} of {LINES} logged lines arrived; names: {sorted({s['name'] for s in streams})}")
    # logging flushes after every record; sent one message each, they cost 10-50x more
    assert len(streams) <= LINES // 10, (
        f"{LINES} logged lines came as {len(streams)} stream messages: each flush waited for its own send")


def test_output_keeps_its_order_around_displays_and_errors(kernel):
    outputs = _run(kernel, "import logging, sys\n"
                           "print('first')\nlogging.warning('second')\n"
                           "from IPython.display import display\ndisplay('third')\n"
                           "sys.stdout.write('fourth\\n'); sys.stdout.flush()\n"
                           "print('fifth')\nraise ValueError('sixth')")
    seen = []
    for msg in outputs:
        content = msg["content"]
        if msg["msg_type"] == "stream":
            seen += [line.split(":")[-1] for line in content["text"].splitlines()]
        elif msg["msg_type"] == "display_data":
            seen.append(content["data"]["text/plain"].strip("'"))
        else:
            seen.append(content["evalue"])
    assert seen == ["first", "second", "third", "fourth", "fifth", "sixth"], seen
