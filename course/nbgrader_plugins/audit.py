"""Static audit of a submission: code that tampers with grading, flagged for the instructor.

``audit_notebook(nb)`` reads the student's code cells (solution cells and cells the student
added; the read-only and test cells are put back by nbgrader anyway) with ``ast`` and
returns a list of :class:`Finding` (cell index, grade_id, line, kind, message). Nothing is
executed. Kinds:

``patch_module``
    assigning to (or deleting) an attribute of ``numpy``/``np``, ``course`` or
    ``builtins``: ``np.allclose = ...``, ``setattr(np, ...)``, ``np.__dict__[...] = ...``,
    ``vars(np).update(...)``, ``__builtins__.len = ...``, through any import alias.
``sys_modules``
    editing ``sys.modules`` (or ``sys.meta_path`` / ``sys.path_hooks``, import hooks).
``file_access``
    a path outside the submission folder: absolute or ``~`` paths, ``..``, the course's
    ``source/``, ``release/``, ``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``,
    ``nbgrader_config.py`` or a notebook file, passed to ``open``, ``pathlib``, ``os``,
    ``shutil``, ``glob``, numpy's loaders or ``sqlite3``; walking up with ``.parent`` or
    ``os.chdir``.
``kill_kernel``
    ``os._exit``, ``os.kill``, ``os.killpg``, ``os.abort``, ``sys.exit``, ``exit``/``quit``,
    ``raise SystemExit``, ``signal.pthread_kill``.
``grader_interference``
    changing signal handlers or timers, ``sys.settrace``/``setprofile``, unloading
    IPython extensions or event callbacks, ``ctypes``: what the grading guards rely on.
``subprocess``
    shell escapes (``!cmd``, ``%%bash``, ``os.system``, ``subprocess``, ``get_ipython().system``).
``numeric_backward``
    a function named ``backward`` or ``*_backward`` that calls ``eval_numerical_gradient*``:
    a gradient taken numerically instead of derived.
``unparsed``
    a cell that is not valid Python even with IPython magics removed (not audited; usually
    unfinished work, listed so that nothing passes unseen).

The audit is a flag for a human, not a verdict: a legitimate ``open('/tmp/plot.png')``
is flagged too. The sandbox is what stops the access.
"""

import ast
import functools
import re
from dataclasses import asdict, dataclass

from course.nbgrader_plugins import cells

PROTECTED = ("numpy", "course", "builtins")

# Names a notebook usually has without importing them in a student cell (the read-only
# cells import them): they resolve to these modules unless the student rebinds them.
DEFAULT_ALIASES = {
    "np": "numpy", "numpy": "numpy", "os": "os", "sys": "sys", "shutil": "shutil",
    "pathlib": "pathlib", "builtins": "builtins", "__builtins__": "builtins",
    "signal": "signal", "subprocess": "subprocess", "io": "io", "glob": "glob",
    "course": "course", "importlib": "importlib", "sqlite3": "sqlite3", "ctypes": "ctypes",
    "threading": "threading", "Path": "pathlib.Path", "open": "builtins.open",
    "setattr": "builtins.setattr", "delattr": "builtins.delattr", "vars": "builtins.vars",
    "getattr": "builtins.getattr", "exit": "builtins.exit", "quit": "builtins.quit",
    "__import__": "builtins.__import__", "get_ipython": "IPython.get_ipython",
}

KILL_CALLS = {
    "os._exit": "os._exit() ends the kernel: the cells after it are not graded",
    "os.kill": "os.kill() sends a signal to a process (the kernel or the grader)",
    "os.killpg": "os.killpg() sends a signal to a process group",
    "os.abort": "os.abort() kills the kernel",
    "sys.exit": "sys.exit() stops the kernel's cell with SystemExit",
    "builtins.exit": "exit() stops the kernel's cell",
    "builtins.quit": "quit() stops the kernel's cell",
    "signal.pthread_kill": "signal.pthread_kill() signals a thread",
}

INTERFERENCE_CALLS = {
    "signal.signal": "replaces a signal handler (the per-cell timeout relies on SIGINT)",
    "signal.setitimer": "sets a signal timer",
    "signal.alarm": "sets a signal timer",
    "signal.siginterrupt": "changes signal behaviour",
    "signal.pthread_sigmask": "blocks signals",
    "sys.settrace": "replaces the trace function (the timeout guard uses it)",
    "sys.setprofile": "replaces the profile function",
    "threading.settrace": "replaces the trace function",
    "sys.setrecursionlimit": "changes the interpreter's recursion limit",
}

SUBPROCESS_PREFIXES = ("subprocess.", "os.system", "os.popen", "os.spawn", "os.exec",
                       "os.posix_spawn", "os.fork", "pty.")

FILE_CALL_PREFIXES = ("builtins.open", "io.open", "codecs.open", "os.", "shutil.", "pathlib.",
                      "glob.", "numpy.load", "numpy.loadtxt", "numpy.genfromtxt",
                      "numpy.fromfile", "numpy.save", "numpy.memmap", "sqlite3.connect",
                      "tarfile.", "zipfile.", "pickle.load", "json.load")

COURSE_FOLDERS = {"source", "release", "submitted", "autograded", "feedback", "exchange"}

SHELL_MAGICS = {"system", "sx", "bash", "sh", "script", "writefile", "run", "load", "cd",
                "env", "store", "unload_ext", "reload_ext", "load_ext", "pip", "conda"}


@dataclass
class Finding:
    cell_index: int
    grade_id: object
    line: int
    kind: str
    message: str

    def to_dict(self):
        return asdict(self)

    def __str__(self):
        where = f"cell {self.cell_index}" + (f" ({self.grade_id})" if self.grade_id else "")
        return f"{where}, line {self.line}: {self.kind}: {self.message}"


def _suspicious_path(text):
    """Why a string used as a path reaches outside the submission folder, or None."""
    if not isinstance(text, str) or not text or len(text) > 4096 or "\n" in text:
        return None
    t = text.strip()
    if "gradebook" in t:
        return "names the gradebook"
    if "nbgrader_config" in t:
        return "names the nbgrader configuration"
    if t.startswith("/") or t.startswith("~"):
        return "is an absolute path"
    parts = re.split(r"[\\/]+", t)
    if ".." in parts:
        return "goes up out of the submission folder"
    if len(parts) > 1 and parts[0] in COURSE_FOLDERS:
        return f"points into the course's {parts[0]}/ folder"
    if t.endswith(".ipynb"):
        return "opens a notebook file (the graded notebook holds the hidden tests)"
    return None


def _strings(node):
    """String constants inside an expression (f-strings and + concatenations included)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value
        elif isinstance(sub, ast.JoinedStr):
            yield "".join(v.value for v in sub.values
                          if isinstance(v, ast.Constant) and isinstance(v.value, str))


# Cell magics whose body is Python the kernel runs: audited as such.
PYTHON_MAGICS = ("time", "timeit", "capture", "prun")
# Cell magics that hand their body to another program.
OTHER_PROGRAMS = ("perl", "ruby", "python", "python2", "python3", "pypy")


@functools.lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _is_ipython_call(node):
    """`get_ipython().<method>(constant, ...)`, as IPython's transformers write a magic or a
    shell escape: the method name, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = node.func.value
    if not (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "get_ipython"):
        return None
    if node.func.attr not in ("system", "getoutput", "run_line_magic", "run_cell_magic"):
        return None
    if not node.args or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
        return None
    return node.func.attr


class _Magics(ast.NodeTransformer):
    """Takes the magics and shell escapes out of a transformed cell's tree (each becomes
    None), noting shell uses as (line, text) and Python bodies as (first line, source)."""

    def __init__(self):
        self.shell, self.bodies = [], []

    def visit_Call(self, node):
        self.generic_visit(node)
        method = _is_ipython_call(node)
        if method is None:
            return node
        args = [a.value for a in node.args]
        line = node.lineno
        if method in ("system", "getoutput"):
            self.shell.append((line, "!" + args[0]))
        elif method == "run_line_magic":
            name, rest = args[0], args[1] if len(args) > 1 else ""
            if name in SHELL_MAGICS:
                self.shell.append((line, f"%{name} {rest}".strip()))
            elif name in PYTHON_MAGICS:
                self.bodies.append((line, rest))
        else:  # run_cell_magic(name, line, body): the body starts on the cell's second line
            name, rest, body = (args + ["", ""])[:3]
            if name in SHELL_MAGICS or name in OTHER_PROGRAMS:
                self.shell.append((line, f"%%{name} {rest}".strip()))
            elif name in PYTHON_MAGICS:
                self.bodies.append((line + 1, body))
            # %%html, %%latex, %%javascript: not run by the kernel
        return ast.copy_location(ast.Constant(None), node)


def _parse_ipython(source):
    """(tree, shell uses [(line, text)], Python bodies of magics [(first line, source)]) of a
    cell's source: IPython's own TransformerManager turns its syntax (magics, ``!cmd``,
    ``x = !cmd``, ``obj?``) into Python, with the cell's line numbers. Raises SyntaxError
    or ValueError for a cell that is not Python even then."""
    try:
        text = _transformer().transform_cell(source)
    except (SyntaxError, ValueError, IndexError):
        text = source  # IPython could not read it either: Python's parser says why
    magics = _Magics()
    tree = magics.visit(ast.parse(text))
    return tree, magics.shell, magics.bodies


class _Visitor(ast.NodeVisitor):
    def __init__(self, aliases, report):
        self.aliases = aliases
        self.report = report      # report(node_or_line, kind, message)
        self.func_stack = []

    # -- name resolution --------------------------------------------------------------
    def resolve(self, node):
        """Dotted name an expression stands for ('numpy.linalg.norm'), or None."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            func = self.resolve(node.func)
            args = node.args
            if func == "builtins.getattr" and len(args) >= 2 and isinstance(args[1], ast.Constant):
                base = self.resolve(args[0])
                return f"{base}.{args[1].value}" if base else None
            if func in ("importlib.import_module", "builtins.__import__") and args \
                    and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                return args[0].value
            if func == "IPython.get_ipython":
                return "get_ipython()"
            if func == "builtins.vars" and args:
                base = self.resolve(args[0])
                return f"{base}.__dict__" if base else None
        if isinstance(node, ast.Subscript):
            base = self.resolve(node.value)
            key = node.slice
            if base == "sys.modules" and isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
        return None

    @staticmethod
    def protected(dotted):
        if not dotted:
            return None
        root = dotted.split(".")[0]
        return root if root in PROTECTED else None

    # -- imports --------------------------------------------------------------------------
    def visit_Import(self, node):
        for a in node.names:
            if a.asname:
                self.aliases[a.asname] = a.name
            else:
                top = a.name.split(".")[0]
                self.aliases[top] = top
            if a.name.split(".")[0] == "ctypes":
                self.report(node, "grader_interference",
                            "imports ctypes, which can change the interpreter's memory directly")

    def visit_ImportFrom(self, node):
        mod = node.module or ""
        for a in node.names:
            self.aliases[a.asname or a.name] = f"{mod}.{a.name}" if mod else a.name
        if mod.split(".")[0] == "ctypes":
            self.report(node, "grader_interference",
                        "imports ctypes, which can change the interpreter's memory directly")

    # -- assignments ----------------------------------------------------------------------
    def _check_target(self, target, node, verb):
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._check_target(t, node, verb)
            return
        if isinstance(target, ast.Starred):
            self._check_target(target.value, node, verb)
            return
        if isinstance(target, ast.Attribute):
            base = self.resolve(target.value)
            if base in ("sys.meta_path", "sys.path_hooks") or \
                    (base == "sys" and target.attr in ("modules", "meta_path", "path_hooks")):
                self.report(node, "sys_modules", f"{verb} sys.{target.attr}")
                return
            root = self.protected(base)
            if root:
                self.report(node, "patch_module", f"{verb} {base}.{target.attr} (changes {root} for every later cell, the tests included)")
        elif isinstance(target, ast.Subscript):
            base = self.resolve(target.value)
            if base == "sys.modules":
                self.report(node, "sys_modules", f"{verb} an entry of sys.modules")
            elif base and base.endswith(".__dict__") and self.protected(base):
                self.report(node, "patch_module", f"{verb} an entry of {base}")
            elif base == "builtins":  # __builtins__ as a dict
                self.report(node, "patch_module", f"{verb} an entry of builtins")

    def visit_Assign(self, node):
        for t in node.targets:
            self._check_target(t, node, "assigns to")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_target(node.target, node, "changes")
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._check_target(node.target, node, "assigns to")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for t in node.targets:
            self._check_target(t, node, "deletes")
        self.generic_visit(node)

    # -- calls ----------------------------------------------------------------------------
    def visit_Call(self, node):
        func = self.resolve(node.func)
        args = node.args
        name = func or ""

        if name in ("builtins.setattr", "builtins.delattr") or name.endswith(".__setattr__") \
                or name.endswith(".__delattr__"):
            target = args[0] if args else None
            base = self.resolve(target) if target is not None else None
            if name.endswith((".__setattr__", ".__delattr__")) and not name.startswith(("builtins.object", "object", "type", "builtins.type")):
                base = name.rsplit(".", 1)[0]
            if self.protected(base):
                self.report(node, "patch_module", f"{name.split('.')[-1]}() on {base}")
            elif base in ("sys",) and len(args) > 1 and isinstance(args[1], ast.Constant) \
                    and args[1].value in ("modules", "meta_path", "path_hooks"):
                self.report(node, "sys_modules", f"setattr on sys.{args[1].value}")

        if isinstance(node.func, ast.Attribute):
            owner = self.resolve(node.func.value)
            method = node.func.attr
            mutators = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__",
                        "__delitem__", "append", "insert", "extend", "remove"}
            if owner in ("sys.modules", "sys.meta_path", "sys.path_hooks") and method in mutators:
                self.report(node, "sys_modules", f"{owner}.{method}()")
            elif owner and owner.endswith(".__dict__") and self.protected(owner) and method in mutators:
                self.report(node, "patch_module", f"{owner}.{method}()")
            elif owner == "builtins" and method in mutators:
                self.report(node, "patch_module", f"__builtins__.{method}()")
            if method in ("unregister", "unload_extension") and owner and \
                    ("events" in owner or "extension_manager" in owner or "get_ipython" in owner):
                self.report(node, "grader_interference", f"{method}() on IPython's {owner.split('.')[-1]}")
            if method in ("system", "getoutput", "run_cell_magic", "run_line_magic") and owner \
                    and "get_ipython" in owner:
                self.report(node, "subprocess", f"get_ipython().{method}()")
        if name == "importlib.reload":
            self.report(node, "sys_modules", "importlib.reload() replaces a module in sys.modules")

        if name in KILL_CALLS:
            self.report(node, "kill_kernel", KILL_CALLS[name])
        if name in INTERFERENCE_CALLS:
            self.report(node, "grader_interference", f"{name}(): {INTERFERENCE_CALLS[name]}")
        if name.startswith(SUBPROCESS_PREFIXES):
            self.report(node, "subprocess", f"{name}() runs another program")

        if name.startswith(FILE_CALL_PREFIXES) or name in ("builtins.open",):
            for arg in list(args) + [k.value for k in node.keywords]:
                for text in _strings(arg):
                    why = _suspicious_path(text)
                    if why:
                        self.report(node, "file_access", f"{name}({text!r}): the path {why}")
                        break
            if name == "os.chdir":
                self.report(node, "file_access", "os.chdir() leaves the submission folder")

        if self.func_stack and name:
            last = name.split(".")[-1]
            if last.startswith("eval_numerical_gradient"):
                fn = self.func_stack[-1]
                self.report(node, "numeric_backward",
                            f"{fn}() calls {last}(): the gradient is computed numerically "
                            "instead of derived")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in ("parent", "parents") and isinstance(node.ctx, ast.Load):
            base = self.resolve(node.value) or ""
            if "Path" in base or "pathlib" in base or isinstance(node.value, ast.Call):
                self.report(node, "file_access", f".{node.attr} walks up from the submission folder")
        self.generic_visit(node)

    def visit_Raise(self, node):
        exc = node.exc
        if isinstance(exc, ast.Call):
            exc = exc.func
        if exc is not None and self.resolve(exc) in ("SystemExit", "builtins.SystemExit"):
            self.report(node, "kill_kernel", "raise SystemExit stops the cell")
        self.generic_visit(node)

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Add):
            parts, ok = [], True
            for sub in (node.left, node.right):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    parts.append(sub.value)
                elif isinstance(sub, ast.BinOp):
                    parts.append("")  # nested concatenations are checked on their own
                else:
                    ok = False
            if ok and "gradebook.db" in "".join(parts):
                self.report(node, "file_access", "a string names gradebook.db")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and ("gradebook.db" in node.value):
            self.report(node, "file_access", "a string names gradebook.db")

    def _visit_function(self, node):
        name = node.name.lower()
        # check_backward / test_affine_backward: gradient checks are meant to be numeric
        is_backward = (name == "backward" or name.endswith("_backward")) and \
            not name.startswith(("check", "test", "grad_check", "gradcheck"))
        if is_backward:
            self.func_stack.append(node.name)
        self.generic_visit(node)
        if is_backward:
            self.func_stack.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function


def _is_student_cell(cell):
    if cell.get("cell_type") != "code":
        return False
    if not cells.nbgrader_meta(cell):
        return True          # a cell the student added
    return cells.is_solution(cell)  # exercise cells; test and read-only cells are restored


def audit_source(source, cell_index=0, grade_id=None, aliases=None):
    """Findings for one cell's source. ``aliases`` (name -> module) carries imports across cells."""
    findings = []
    seen = set()
    aliases = dict(DEFAULT_ALIASES) if aliases is None else aliases

    def report(node_or_line, kind, message):
        line = node_or_line if isinstance(node_or_line, int) else getattr(node_or_line, "lineno", 0)
        key = (line, kind)  # one finding per kind and line is enough for a reader
        if key not in seen:
            seen.add(key)
            findings.append(Finding(cell_index, grade_id, line, kind, message))

    try:
        tree, shell, bodies = _parse_ipython(source)
    except (SyntaxError, ValueError) as e:
        report(getattr(e, "lineno", 0) or 0, "unparsed",
               f"not valid Python ({getattr(e, 'msg', e)}): not audited")
        return findings
    for line, cmd in shell:
        report(line, "subprocess", f"shell or magic command {cmd[:60]!r}")
        for token in re.split(r"\s+", cmd):
            why = _suspicious_path(token.strip("'\""))
            if why:
                report(line, "file_access", f"{token[:60]!r}: the path {why}")
                break
    _Visitor(aliases, report).visit(tree)
    for first, body in bodies:  # %time x = f(), %%timeit ...: Python the kernel runs
        for f in audit_source(body, cell_index, grade_id, aliases):
            report(f.line + first - 1, f.kind, f.message)
    return findings


def audit_notebook(nb, include_locked=False):
    """Findings over the student's code cells of ``nb`` (an nbformat notebook or dict).

    ``include_locked``: audit every code cell (read-only and test cells too).
    """
    findings = []
    aliases = dict(DEFAULT_ALIASES)
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if not include_locked and not _is_student_cell(cell):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        findings.extend(audit_source(source, index, cells.grade_id(cell), aliases))
    return findings


# Kinds that are information, not suspicion (an unfinished cell does not parse).
INFO_KINDS = ("unparsed",)


def audit_submission(folder, include_info=False):
    """Findings for every notebook in a submission folder, as short strings for a report.

    Unreadable notebooks are reported, never raised. ``unparsed`` findings are left out
    unless ``include_info``.
    """
    import json
    import os

    out = []
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".ipynb"))
    except OSError:
        return out
    for name in names:
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                nb = json.load(f)
            if not isinstance(nb, dict):
                raise ValueError("not a notebook object")
            findings = audit_notebook(nb)
        except (OSError, ValueError, TypeError, AttributeError) as e:
            out.append(f"{name}: not audited, unreadable notebook ({type(e).__name__})")
            continue
        out.extend(f"{name}: {f}" for f in findings if include_info or f.kind not in INFO_KINDS)
    return out


def summarize(findings):
    """{kind: count}, for the export and the report."""
    out = {}
    for f in findings:
        out[f.kind] = out.get(f.kind, 0) + 1
    return out


__all__ = ["Finding", "audit_notebook", "audit_source", "audit_submission", "summarize",
           "PROTECTED", "INFO_KINDS"]
