"""What a line of student output costs in the grading kernel: logging (which flushes after
every record) against print, idle and with busy processes competing for the cores.

    .venv/bin/python bench/log_lines.py [--lines 5000] [--busy 0 4] [--repeat 3]

Starts the sandboxed grading kernel (course-sandbox, with its guard) once per load, runs a
cell that writes `--lines` lines with print and then with logging.warning, and prints per
kind the cell's wall time seen by the client, the stream messages that reached it and the
cost per line. `--busy N` runs N pure-Python busy loops meanwhile (a loaded grading machine).
"""

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_client.manager import KernelManager  # noqa: E402

from course.sandbox_kernel import host as sandbox  # noqa: E402

CELLS = {
    "print": "for i in range({n}): print('a note on stdout from a student function')",
    "logging": "import logging\nfor i in range({n}): logging.warning('a logged note from a student function')",
}


def spin():
    while True:
        pass


def run_cell(kc, code, timeout=600):
    """(wall seconds, stream messages) of one cell, every iopub message drained."""
    streams = 0

    def count(msg):
        nonlocal streams
        streams += msg["msg_type"] == "stream"

    start = time.monotonic()
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=count)
    assert reply["content"]["status"] == "ok", reply["content"]
    return time.monotonic() - start, streams


def measure(lines, busy, repeat):
    loops = [multiprocessing.Process(target=spin, daemon=True) for _ in range(busy)]
    for p in loops:
        p.start()
    sandbox.install_kernelspec()
    with tempfile.TemporaryDirectory() as work:
        km = KernelManager(kernel_name=sandbox.KERNEL_NAME, transport="ipc", ip=sandbox.ipc_path())
        km.start_kernel(cwd=work)
        try:
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=120)
            run_cell(kc, "pass")
            for kind, code in CELLS.items():
                runs = [run_cell(kc, code.format(n=lines)) for _ in range(repeat)]
                wall = statistics.median(t for t, _ in runs)
                messages = statistics.median(m for _, m in runs)
                print(f"busy={busy:2d}  {kind:8s} {lines} lines: {wall:7.2f} s  "
                      f"{messages:6.0f} stream messages  {1e6 * wall / lines:8.1f} us/line", flush=True)
            kc.stop_channels()
        finally:
            km.shutdown_kernel(now=True)
            for p in loops:
                p.terminate()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 4])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for busy in args.busy:
        measure(args.lines, busy, args.repeat)


if __name__ == "__main__":
    main()
