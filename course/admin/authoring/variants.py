"""Variants of an assignment's reference solution, as edits (see samples.py), for fairness checks.

A variant is a list of edits to the reference answers, graded like a student's submission.
The kinds made here need no catalogue:

- leave_one_out: one solution cell as released (still raising NotImplementedError);
- break_one: one solution function (or method) returning zeros of the right shapes;
- helper_names: private helpers named after every name the test cells use, called from
  every solution function;
- extra_output: every solution function also writes to stdout, stderr, logging or warnings.

Each variant says which test cells may lose points: a solution cell's own test cells (the
catalogue's EXERCISES) and the announced integration checks (INTEGRATION); none for a
variant that keeps the reference's meaning.
"""

import ast
import builtins
from dataclasses import dataclass, field

from course.nbgrader_plugins import cells

# The code a variant appends to a solution cell: wraps named functions so that each call
# runs `before()` first and returns `after(result)`. functools.wraps keeps the signature.
_WRAP = '''
def _fair_wrap(fn, before, after):
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        before()
        return after(fn(*args, **kwargs))
    return wrapper
'''

# after(): zeros of the result's shapes. Arrays and numbers become zeros, also inside lists,
# dicts and the returned tuple; a tuple inside the returned tuple (a cache) is kept, so a
# backward still gets what it reads.
ZEROS = '''
def _fair_zeros(value, depth=0):
    import numpy
    if isinstance(value, numpy.ndarray):
        return numpy.zeros_like(value)
    if isinstance(value, (float, int, numpy.number)) and not isinstance(value, bool):
        return type(value)(0)
    if isinstance(value, dict):
        return {k: _fair_zeros(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_fair_zeros(v, depth + 1) for v in value]
    if isinstance(value, tuple) and depth == 0:
        return tuple(_fair_zeros(v, depth + 1) for v in value)
    return value
'''

OUTPUTS = {
    "print": "lambda: print('a note on stdout from a student function')",
    "stderr": "lambda: __import__('sys').stderr.write('a note on stderr from a student function\\n')",
    "logging": "lambda: __import__('logging').warning('a logged note from a student function')",
    "warnings": "lambda: __import__('warnings').warn('a warning from a student function')",
}


@dataclass
class Variant:
    name: str
    kind: str
    edits: list
    may_lose: set = field(default_factory=set)   # test cells allowed to lose points
    validate: bool = False                        # must also pass `nbgrader validate`


def targets(code):
    """Names of the functions a solution cell defines at top level ("f"), and of the
    methods of the classes it defines ("Cls.method"), dunders left out."""
    found = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef):
            found.append(node.name)
        elif isinstance(node, ast.ClassDef):
            found += [f"{node.name}.{item.name}" for item in node.body
                      if isinstance(item, ast.FunctionDef) and not item.name.startswith("__")]
    return found


def wrapped(code, names, before="lambda: None", after="lambda value: value", extra=""):
    """The cell's code with `names` (from targets) wrapped by _fair_wrap."""
    lines = [code, _WRAP, extra]
    for name in names:
        lines.append(f"{name} = _fair_wrap({name}, {before}, {after})")
    return "\n".join(lines) + "\n"


def own_tests(exercises, integration, grade_id):
    """Test cells that may lose points when solution cell `grade_id` is wrong."""
    return {test for test, graded in exercises.items() if grade_id in graded} | set(integration)


def leave_one_out(answers, released, exercises, integration):
    """[Variant]: each solution cell as released, the others the reference."""
    return [Variant(f"unfinished-{gid}", "leave-one-out", [(gid, None, released[gid])],
                    own_tests(exercises, integration, gid))
            for gid in answers if gid in released]


def break_one(answers, exercises, integration):
    """[Variant]: each solution function in turn returns zeros of its results' shapes."""
    result = []
    for gid, code in answers.items():
        for name in targets(code):
            result.append(Variant(f"zeros-{name}", "break-one",
                                  [(gid, None, wrapped(code, [name], after="_fair_zeros", extra=ZEROS))],
                                  own_tests(exercises, integration, gid)))
    return result


def names_in(code):
    """Every identifier a piece of code binds or reads."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def python_code(source):
    """A cell's code without nbgrader markers and IPython magics."""
    return "\n".join(line for line in cells.without_markers(source).splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def test_names(source_nb):
    """Names a student helper might share with a test: every identifier the test cells use
    that no other cell of the notebook binds or reads (a student's helper named `np` breaks
    the notebook, not the tests), builtins and dunders left out."""
    in_tests, elsewhere = set(), set()
    for cell in source_nb.cells:
        if cell.cell_type != "code":
            continue
        names = names_in(python_code(cell.source))
        (in_tests if cells.is_test(cell) else elsewhere).update(names)
    return sorted(n for n in in_tests - elsewhere - set(dir(builtins))
                  if not n.startswith("__") and n not in ("get_ipython", "In", "Out"))


def helper_names(answers, source_nb):
    """One Variant: a helper for each name of test_names, defined in the first solution
    cell and called by every solution function, each time it runs."""
    names = test_names(source_nb)
    if not names:
        return []
    helpers = "\n".join(f"def {n}(*args, **kwargs):\n    return None\n" for n in names)
    calls = "lambda: [" + ", ".join(f"{n}()" for n in names) + "]"
    edits = []
    for number, (gid, code) in enumerate(answers.items()):
        extra = helpers if number == 0 else ""
        edits.append((gid, None, wrapped(extra + "\n" + code, targets(code), before=calls)))
    return [Variant(f"helpers-named-like-tests ({len(names)} names)", "helper-names", edits)]


def extra_output(answers):
    """[Variant]: one per kind of output, written by every solution function each call."""
    return [Variant(f"output-{kind}", "extra-output",
                    [(gid, None, wrapped(code, targets(code), before=before))
                     for gid, code in answers.items()], validate=True)
            for kind, before in OUTPUTS.items()]
