"""`python -m course fuzz ASSIGNMENT`: rewrites of the reference that mean the same must get full marks.

Beside `python -m course mutants` (small bugs the tests must catch) this makes the opposite:
semantics-preserving rewrites of the reference answers, each graded through the real
autograder and `nbgrader validate` (course.admin.authoring.fairness.grade_variants); every one
must keep full marks and validate "Success". The rewrites (Python's ast, one variant each):

- keywords: every call of a function the notebook defines uses keyword arguments, by the
  names of the callee's own parameters (a stand-in with other names fails it);
- reorder: in each function, the first two adjacent assignments that are independent of
  each other (neither reads nor writes what the other writes, no call but numpy's) swap;
- helper-NAME: one solution function's body moves into a module-level helper with a common
  name (helper, compute, grads, forward, ...), which the function calls;
- stdout, stderr: every solution function prints a line first;
- float64-copies: every float array argument becomes a float64 copy, and every ``.T`` and
  ``.reshape(...)`` a copy instead of a view.
"""

import ast
import os
from pathlib import Path

from course.admin.authoring import fairness, variants
from course.admin.authoring.variants import Variant

COMMON_NAMES = ("helper", "compute", "grads", "forward", "backward", "loss", "step", "f")


def _functions(tree):
    """[(node, owner)] of top-level functions and methods of top-level classes (owner: class or None)."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found.append((node, None))
        elif isinstance(node, ast.ClassDef):
            found += [(item, node) for item in node.body if isinstance(item, ast.FunctionDef)]
    return found


def _body_start(fn):
    """Index of the first statement after the docstring."""
    first = fn.body[0] if fn.body else None
    is_doc = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
        and isinstance(first.value.value, str)
    return 1 if is_doc else 0


def _params(fn, owner):
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    return names[1:] if owner is not None else names


def signatures(all_code):
    """{function name: [parameter names]} of every top-level function the notebook's code defines
    with plain positional parameters (no *args)."""
    result = {}
    for code in all_code:
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.args.vararg and not node.args.posonlyargs:
                result[node.name] = [a.arg for a in node.args.args]
    return result


class _Keywords(ast.NodeTransformer):
    def __init__(self, known):
        self.known, self.changed = known, 0

    def visit_Call(self, node):
        self.generic_visit(node)
        params = self.known.get(getattr(node.func, "id", None))
        if params and node.args and not any(isinstance(a, ast.Starred) for a in node.args) \
                and len(node.args) <= len(params):
            node.keywords = [ast.keyword(arg=p, value=a) for p, a in zip(params, node.args)] + node.keywords
            node.args = []
            self.changed += 1
        return node


def keywords(code, known):
    tree = ast.parse(code)
    visitor = _Keywords(known)
    tree = visitor.visit(tree)
    return ast.unparse(tree) if visitor.changed else None


def _names(node, kind):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, kind)}


def _only_numpy_calls(stmt):
    for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
        root = call.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not (isinstance(root, ast.Name) and root.id in ("np", "numpy")):
            return False
    return True


def _plain_assign(stmt):
    """An assignment to names only (x = ..., a, b = ...): `x[i] = ...` writes into an array."""
    return isinstance(stmt, ast.Assign) and all(
        isinstance(n, (ast.Name, ast.Tuple)) for t in stmt.targets for n in [t, *getattr(t, "elts", [])])


def reorder(code):
    """Swap the first pair of adjacent independent assignments in each function."""
    tree = ast.parse(code)
    changed = False
    for fn, _owner in _functions(tree):
        body = fn.body
        for i in range(_body_start(fn), len(body) - 1):
            a, b = body[i], body[i + 1]
            if not (_plain_assign(a) and _plain_assign(b) and _only_numpy_calls(a) and _only_numpy_calls(b)):
                continue
            wa, wb = _names(a, ast.Store), _names(b, ast.Store)
            ra, rb = _names(a, ast.Load), _names(b, ast.Load)
            if wa.isdisjoint(rb | wb) and wb.isdisjoint(ra):
                body[i], body[i + 1] = b, a
                changed = True
                break
    return ast.unparse(tree) if changed else None


def extract_helper(code, name, taken):
    """The first top-level function's body moved into `name`(its parameters); None if it cannot."""
    tree = ast.parse(code)
    for index, node in enumerate(tree.body):
        if not isinstance(node, ast.FunctionDef) or node.args.vararg or node.args.kwarg:
            continue
        params = [a.arg for a in node.args.args]
        if name in params or name in taken or name in _names(node, ast.Load) | _names(node, ast.Store):
            return None
        start = _body_start(node)
        helper = ast.FunctionDef(name=name, args=node.args, body=node.body[start:] or [ast.Pass()],
                                 decorator_list=[], returns=None, type_params=[])
        call = ast.Call(func=ast.Name(id=name, ctx=ast.Load()),
                        args=[ast.Name(id=p, ctx=ast.Load()) for p in params], keywords=[])
        node.body = node.body[:start] + [ast.Return(value=call)]
        tree.body.insert(index, helper)
        return ast.unparse(ast.fix_missing_locations(tree))
    return None


def _prepend(code, lines_for):
    """Insert lines_for(fn, owner) (source lines) at the start of each function's body."""
    tree = ast.parse(code)
    changed = False
    for fn, owner in _functions(tree):
        extra = lines_for(fn, owner)
        if extra:
            fn.body[_body_start(fn):_body_start(fn)] = ast.parse("\n".join(extra)).body
            changed = True
    return ast.unparse(ast.fix_missing_locations(tree)) if changed else None


def output(code, stream):
    target = "" if stream == "stdout" else ", file=__import__('sys').stderr"
    return _prepend(code, lambda fn, owner: [f"print('working in {fn.name}'{target})"])


class _Copies(ast.NodeTransformer):
    def visit_Attribute(self, node):
        self.generic_visit(node)
        if node.attr == "T" and isinstance(node.ctx, ast.Load):
            return ast.Call(func=ast.Attribute(value=node, attr="copy", ctx=ast.Load()), args=[], keywords=[])
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "reshape":
            return ast.Call(func=ast.Attribute(value=node, attr="copy", ctx=ast.Load()), args=[], keywords=[])
        return node


def float64_copies(code):
    def casts(fn, owner):
        return [f"{p} = {p}.astype(__import__('numpy').float64) if isinstance({p}, __import__('numpy').ndarray) "
                f"and {p}.dtype.kind == 'f' else {p}" for p in _params(fn, owner)]

    cast = _prepend(code, casts)
    tree = _Copies().visit(ast.parse(cast or code))
    return ast.unparse(ast.fix_missing_locations(tree))


def fuzz_variants(root, assignment):
    """[Variant] of every rewrite of the reference answers of one assignment (each must keep
    full marks and pass validate)."""
    import nbformat

    from course.admin.course_dir import notebooks

    answers = fairness.answers_of(root, assignment, "source")
    all_code = []
    for path in notebooks(Path(root) / "source" / assignment):
        all_code += [variants.python_code(c.source) for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "code"]
    known = signatures(all_code)
    taken = set(known) | set().union(*(variants.names_in(c) for c in all_code if _parses(c)))
    made = []

    def add(name, rewrite):
        edits = []
        for gid, code in answers.items():
            new = rewrite(code)
            if new is not None and new != code:
                edits.append((gid, None, new))
        if edits:
            made.append(Variant(name, "fuzz", edits, validate=True))

    add("keywords", lambda code: keywords(code, known))
    add("reorder", reorder)
    gids = list(answers)
    for number, name in enumerate(COMMON_NAMES):
        gid = gids[number % len(gids)]
        new = extract_helper(answers[gid], name, taken - {name} if name not in known else taken)
        if new is not None:
            made.append(Variant(f"helper-{name} in {gid}", "fuzz", [(gid, None, new)], validate=True))
    add("stdout", lambda code: output(code, "stdout"))
    add("stderr", lambda code: output(code, "stderr"))
    add("float64-copies", float64_copies)
    return made


def _parses(code):
    try:
        ast.parse(code)
        return True
    except SyntaxError:
        return False


def format_report(assignment, outcomes):
    out = []
    for o in outcomes:
        line = f"{'ok  ' if o.fair else 'FAIL'} {o.variant.name}: loses {sorted(o.lost) or 'nothing'}; "
        line += f"validate {'FAILS ' + str(sorted(o.failed_validate)) if o.failed_validate else 'Success'}"
        out.append(line)
    out.append(f"{assignment} fuzz: {sum(o.fair for o in outcomes)}/{len(outcomes)} rewrites keep full "
               "marks and pass validate")
    return "\n".join(out)


def cmd_fuzz(args):
    import random
    import tempfile

    from course.admin.course_dir import chosen_assignments

    if not args.sandbox:
        os.environ["COURSE_SANDBOX"] = "off"
    bad = 0
    for assignment in chosen_assignments(args.root, args.assignments):
        with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
            scratch = fairness.scratch_course(args.root, assignment, Path(tmp) / "course")
            made = fuzz_variants(scratch, assignment)
            if args.max is not None and args.max < len(made):
                keep = set(random.Random(args.seed).sample(range(len(made)), args.max))
                made = [v for i, v in enumerate(made) if i in keep]
            outcomes = fairness.grade_variants(scratch, assignment, made, args.workers, progress=True)
        print(format_report(assignment, outcomes), flush=True)
        bad += sum(not o.fair for o in outcomes)
    return 1 if bad else 0


def add_commands(sub):
    p = sub.add_parser("fuzz", help="rewrites of the reference that mean the same: all must get full marks")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--max", type=int, default=None, help="grade at most N rewrites, sampled by --seed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--sandbox", action="store_true", help="grade in the sandboxed kernel")
    p.set_defaults(func=cmd_fuzz)
