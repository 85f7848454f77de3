"""Run a solved notebook's cells in a real kernel and watch what its test cells do to the globals.

For every test cell of source/<assignment> (solutions and hidden tests included, as the
autograder runs them), one at a time in a Jupyter kernel:

- the names of the notebook's globals and the object each is bound to, before and after:
  a test cell may only add the names it offers for inspection (``keep=`` of its test_scope);
  it rebinds, deletes or leaves behind nothing else;
- every stand-in the cell installs through course.trusted (test_scope, references), with
  its signature and the signature of the solution function it replaces: they must be equal,
  so a student who calls with the documented keyword names is not failed by the stand-in.
"""

import ast
import json
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from course.nbgrader_plugins import cells
from course.nbgrader_plugins.execute import skipped_when_grading

REPO = Path(__file__).resolve().parents[1]

# Names IPython itself binds when cells run (history, outputs): not the notebook's.
_IPYTHON = re.compile(r"^(_|__|___|_i|_ii|_iii|_i\d+|_\d+|_oh|_ih|_dh|In|Out|exit|quit|get_ipython|__fair\w*)$")

_SETUP = "import course.trusted as __fair_trusted\n__fair_log = []\n__fair_trusted.log_standins(__fair_log)\n"

# Evaluated in the kernel between cells (user_expressions: binds no name).
_GLOBALS = "__import__('json').dumps({k: id(v) for k, v in globals().items()})"
_STANDINS = """__import__('json').dumps([
    [name, str(__import__('inspect').signature(new)) if callable(new) else None,
     str(__import__('inspect').signature(old)) if callable(old) else None]
    for name, new, old in __fair_log[{start}:]])"""


def _python(source):
    """A cell's code without nbgrader markers (hidden tests kept) and IPython magics."""
    return "\n".join(line for line in cells.without_markers(source).splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def kept_names(source):
    """Names a test cell offers for inspection: the `keep=` of each test_scope call in it."""
    found = set()
    for node in ast.walk(ast.parse(_python(source))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "test_scope":
            for keyword in node.keywords:
                if keyword.arg == "keep" and isinstance(keyword.value, (ast.Tuple, ast.List, ast.Set)):
                    found |= {e.value for e in keyword.value.elts if isinstance(e, ast.Constant)}
    return found


class Kernel:
    """A python3 kernel in `folder`; run(code) returns (error or None, user_expressions)."""

    def __init__(self, folder):
        from jupyter_client.manager import KernelManager

        # ipc sockets in the scratch folder: no TCP port to race for, no warning on stderr
        self.km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(folder) / ".kernel"))
        self.km.start_kernel(cwd=str(folder))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code, expressions=None, timeout=300):
        reply = self.kc.execute_interactive(code, user_expressions=expressions or {}, timeout=timeout,
                                            store_history=False, output_hook=lambda msg: None)
        content = reply["content"]
        error = None if content["status"] == "ok" else f"{content.get('ename')}: {content.get('evalue')}"
        values = {k: json.loads(ast.literal_eval(v["data"]["text/plain"])) if v.get("status") == "ok" else v
                  for k, v in content.get("user_expressions", {}).items()}
        return error, values

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _expression(kernel, expression):
    error, values = kernel.run("", {"x": expression})
    value = values["x"]
    if isinstance(value, dict) and value.get("status") == "error":
        raise RuntimeError(f"{expression}: {value.get('ename')}: {value.get('evalue')}")
    return value


def watch_test_cells(assignment, repo=REPO):
    """[problem] for one assignment: test cells that change globals they do not offer, stand-ins
    whose signature differs from the function they replace, cells that raise."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="fairness-ns-") as tmp:
        folder = Path(tmp) / assignment
        shutil.copytree(Path(repo) / "source" / assignment, folder)
        kernel = Kernel(folder)
        try:
            kernel.run("%matplotlib agg")
            kernel.run(_SETUP)
            for path in sorted(folder.glob("*.ipynb")):
                problems += _watch_notebook(kernel, nbformat.read(path, as_version=4))
        finally:
            kernel.close()
    return problems


def _watch_notebook(kernel, nb):
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "code" or skipped_when_grading(cell) or not cell.source.strip():
            continue
        gid = cells.grade_id(cell) or "(cell without grade id)"
        test = cells.is_test(cell)
        if test:
            before = _expression(kernel, _GLOBALS)
            logged = len(_expression(kernel, _STANDINS.format(start=0)))
        error, _ = kernel.run(_python(cell.source))
        if error:
            problems.append(f"{gid}: the solved notebook raises {error}")
        if not test:
            continue
        after = _expression(kernel, _GLOBALS)
        changed = sorted(k for k in set(before) | set(after)
                         if before.get(k) != after.get(k) and not _IPYTHON.match(k))
        offered = {k for k in kept_names(cell.source) if k not in before}
        wrong = [k for k in changed if k not in offered]
        if wrong:
            problems.append(f"{gid}: changes globals it does not offer for inspection: {wrong}")
        for name, new, old in _expression(kernel, _STANDINS.format(start=logged)):
            if old is not None and new != old:
                problems.append(f"{gid}: stand-in {name}{new} has not the signature of {name}{old}")
    return problems
