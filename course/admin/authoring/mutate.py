"""Mutants of a solution cell: small, typical edits to the code between the markers.

Each operator walks the cell's syntax tree (``ast``) and proposes edits as byte
spans of the cell's source to replace, so that a mutant differs from the
reference in those few characters only: comments, layout and every other line
stay as written, and the diff an author reads is one line long.

Only code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` is mutated
(the lines around it are given to students in the release). A mutant that does
not parse, or parses to the same tree as the reference, is dropped.

A mutant's id is ``<grade_id>:<operator>:<hash>``; the hash covers the notebook,
the changed line before and after and which occurrence of that change in the
cell it is, not the line number, so an id survives edits elsewhere in the cell.

Why not cosmic-ray 8.7 or mutmut 3.8: their operators need their own parser
(parso, libcst) and the package's runner, neither of which is in the course
environment, and most of the edits that matter in numpy code (axis, keepdims,
``.T``, reductions, ``zeros_like``) are in neither. The operator tables below
follow theirs where they overlap (binary and comparison swaps, numbers +-1,
augmented assignment to plain assignment, statement removal).
"""

import ast
import difflib
import hashlib
from dataclasses import dataclass, field

from course.nbgrader_plugins import cells

# One swap per operator, as in mutmut's table, plus @ -> * (a typical numpy bug).
BINARY_SWAPS = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.Div, ast.Pow: ast.Mult, ast.MatMult: ast.Mult,
}
COMPARE_SWAPS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
}
SYMBOLS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
    ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@",
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
}
# Names swapped wherever they are called or referenced (np.sum, x.max, np.zeros_like).
NAME_SWAPS = {
    "reduction": {"sum": "mean", "mean": "sum", "max": "min", "min": "max",
                  "maximum": "minimum", "minimum": "maximum", "argmax": "argmin",
                  "argmin": "argmax"},
    "ones_zeros": {"zeros_like": "ones_like", "ones_like": "zeros_like",
                   "zeros": "ones", "ones": "zeros"},
}
NUMBER_OFFSETS = (+1, -1)  # cosmic-ray's NumberReplacer

OPERATORS = ("arith", "compare", "number", "axis", "keepdims", "augassign", "transpose",
             "reduction", "ones_zeros", "unary_minus", "return_swap", "unpack_swap", "delete")


@dataclass
class Mutant:
    """One edit to one solution cell."""
    id: str
    notebook: str          # file name of the source notebook
    cell_index: int        # index of the cell in the notebook
    grade_id: str
    operator: str
    line: int              # first changed line, 1-based within the cell
    original: str          # the cell's source
    mutated: str           # the cell's source with the edit
    diff: str = field(default="")


def solution_lines(source):
    """1-based line numbers strictly between BEGIN and END SOLUTION markers."""
    marked = cells.marked_lines(source, [cells.SOLUTION])
    return {number for number, (_, where) in enumerate(marked, start=1) if where == cells.INSIDE}


class _Source:
    """A cell's source as bytes, with ast positions (UTF-8 columns) turned into offsets."""

    def __init__(self, text):
        self.text = text
        self.data = text.encode("utf-8")
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line, col):
        return self.starts[line - 1] + col

    def start(self, node):
        return self.offset(node.lineno, node.col_offset)

    def end(self, node):
        return self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, a, b):
        return self.data[a:b].decode("utf-8")

    def replace(self, a, b, new):
        return (self.data[:a] + new.encode("utf-8") + self.data[b:]).decode("utf-8")


def _find_symbol(src, a, b, symbol):
    """Offset of `symbol` in src.data[a:b] (the gap between two operands), skipping
    comments and longer operators (`*` inside `**`); None if it is not there once."""
    gap = src.data[a:b]
    code = b"\n".join(line.split(b"#", 1)[0] for line in gap.split(b"\n"))
    sym = symbol.encode()
    found = []
    i = code.find(sym)
    while i >= 0:
        before, after = code[i - 1:i], code[i + len(sym):i + len(sym) + 1]
        longer = (after in (b"*", b"/", b"=", b"<", b">") or before in (b"*", b"/", b"<", b">", b"!", b"="))
        if not longer:
            found.append(i)
        i = code.find(sym, i + 1)
    return a + found[0] if len(found) == 1 else None


class _Proposals(ast.NodeVisitor):
    """Collects (operator, start, end, replacement) edits for nodes in the solution lines."""

    def __init__(self, src, lines):
        self.src = src
        self.lines = lines
        self.edits = []
        self.handled = set()  # ids of number nodes another operator already covers

    def _inside(self, node):
        return all(n in self.lines for n in range(node.lineno, node.end_lineno + 1))

    def add(self, operator, a, b, new):
        self.edits.append((operator, a, b, new))

    def _swap_symbol(self, operator, left_end, right_start, op, table):
        new_op = table.get(type(op))
        if new_op is None:
            return
        at = _find_symbol(self.src, left_end, right_start, SYMBOLS[type(op)])
        if at is not None:
            self.add(operator, at, at + len(SYMBOLS[type(op)]), SYMBOLS[new_op])

    def visit_BinOp(self, node):
        if self._inside(node):
            self._swap_symbol("arith", self.src.end(node.left), self.src.start(node.right),
                              node.op, BINARY_SWAPS)
        self.generic_visit(node)

    def visit_Compare(self, node):
        if self._inside(node):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                self._swap_symbol("compare", self.src.end(left), self.src.start(right),
                                  op, COMPARE_SWAPS)
                left = right
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if self._inside(node):
            a, b = self.src.end(node.target), self.src.start(node.value)
            symbol = SYMBOLS.get(type(node.op))
            at = _find_symbol(self.src, a, b, symbol + "=") if symbol else None
            if at is not None:
                self.add("augassign", at, at + len(symbol) + 1, "=")
                new_op = BINARY_SWAPS.get(type(node.op))
                if new_op is not None:
                    self.add("arith", at, at + len(symbol), SYMBOLS[new_op])
        self.generic_visit(node)

    def visit_Constant(self, node):
        if self._inside(node) and _is_number(node) and id(node) not in self.handled:
            for offset in NUMBER_OFFSETS:
                self.add("number", self.src.start(node), self.src.end(node), repr(node.value + offset))

    def visit_UnaryOp(self, node):
        if self._inside(node) and isinstance(node.op, ast.USub):
            operand = node.operand
            if isinstance(operand, ast.Constant) and id(operand) in self.handled:
                return  # axis=-1 is the axis operator's
            if _is_number(operand):
                # -1 is one number to a reader: -1 -> 0 and -2, not -(1 +- 1)
                self.handled.add(id(operand))
                for offset in NUMBER_OFFSETS:
                    self.add("number", self.src.start(node), self.src.end(node),
                             repr(-operand.value + offset))
            # drop the "-" and the blanks after it; not up to the operand's start, which
            # lies inside any parentheses around it: -(y + 1) -> (y + 1)
            a = b = self.src.start(node)
            if self.src.data[a:a + 1] == b"-":
                b = a + 1
                while self.src.data[b:b + 1] in (b" ", b"\t"):
                    b += 1
                self.add("unary_minus", a, b, "")
        self.generic_visit(node)

    def visit_Call(self, node):
        if self._inside(node):
            parts = sorted([*node.args, *node.keywords], key=lambda n: (n.lineno, n.col_offset))
            for i, kw in enumerate(parts):
                if not isinstance(kw, ast.keyword):
                    continue
                if kw.arg == "axis":
                    self._axis(kw)
                elif kw.arg == "keepdims":
                    if i > 0:
                        a, b = self.src.end(parts[i - 1]), self.src.end(kw)
                    elif i + 1 < len(parts):
                        a, b = self.src.start(kw), self.src.start(parts[i + 1])
                    else:
                        a, b = self.src.start(kw), self.src.end(kw)
                    self.add("keepdims", a, b, "")
        self.generic_visit(node)

    def _axis(self, kw):
        value, sign = kw.value, 1
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
            value, sign = value.operand, -1
        if isinstance(value, ast.Constant) and isinstance(value.value, int):
            self.handled.add(id(value))
            new = 1 if sign * value.value == 0 else 0
            self.add("axis", self.src.start(kw.value), self.src.end(kw.value), str(new))

    def _swap_name(self, node, name):
        for operator, table in NAME_SWAPS.items():
            if name in table:
                b = self.src.end(node)
                a = b - len(name.encode())
                if self.src.data[a:b] == name.encode():
                    self.add(operator, a, b, table[name])

    def visit_Attribute(self, node):
        if self._inside(node):
            if node.attr == "T":
                self.add("transpose", self.src.end(node.value), self.src.end(node), "")
            self._swap_name(node, node.attr)
        self.generic_visit(node)

    def visit_Name(self, node):
        if self._inside(node):
            self._swap_name(node, node.id)

    def visit_Return(self, node):
        if self._inside(node) and isinstance(node.value, ast.Tuple):
            self._swap_first_two("return_swap", node.value.elts)
        self.generic_visit(node)

    def visit_Assign(self, node):
        if self._inside(node) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple):
            self._swap_first_two("unpack_swap", node.targets[0].elts)
        self.generic_visit(node)

    def _swap_first_two(self, operator, elts):
        if len(elts) < 2 or any(isinstance(e, ast.Starred) for e in elts[:2]):
            return
        first, second = elts[0], elts[1]
        a1, b1, a2, b2 = (self.src.start(first), self.src.end(first),
                          self.src.start(second), self.src.end(second))
        one, two = self.src.segment(a1, b1), self.src.segment(a2, b2)
        if one != two:
            self.add(operator, a1, b2, two + self.src.segment(b1, a2) + one)

    def generic_visit(self, node):
        # Statement deletion: every statement of a body inside the solution lines
        # becomes `pass` (always valid syntax, whatever the body holds).
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if isinstance(body, list):
                for stmt in body:
                    if isinstance(stmt, ast.stmt) and self._inside(stmt) and not _is_inert(stmt):
                        self.add("delete", self.src.start(stmt), self.src.end(stmt), "pass")
        super().generic_visit(node)


def _is_number(node):
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


def _is_inert(stmt):
    """pass, or a bare string (a docstring): deleting it changes nothing."""
    return isinstance(stmt, ast.Pass) or (
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))


def _changed_lines(before, after):
    """(first changed line 1-based, old lines, new lines) between two sources."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            return i1 + 1, old[i1:i2], new[j1:j2]
    return 1, [], []


def small_diff(before, after, label="cell", context=1):
    """A unified diff of two cell sources with `context` lines around the change."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), f"{label} (reference)",
                                 f"{label} (mutant)", n=context, lineterm="")
    return "\n".join(lines)


def mutants_of_cell(source, grade_id, notebook="", cell_index=0):
    """[Mutant] for one solution cell's source (markers included), in source order.

    Returns [] for a cell without a solution region or that does not parse."""
    lines = solution_lines(source)
    if not lines:
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    src = _Source(source)
    proposals = _Proposals(src, lines)
    proposals.visit(tree)
    reference = ast.dump(tree)
    seen_sources, seen_keys, result = set(), {}, []
    for operator, a, b, new in sorted(proposals.edits, key=lambda e: (e[1], e[2], OPERATORS.index(e[0]))):
        mutated = src.replace(a, b, new)
        if mutated in seen_sources:
            continue
        try:
            if ast.dump(ast.parse(mutated)) == reference:
                continue
        except SyntaxError:
            continue
        seen_sources.add(mutated)
        line, old, changed = _changed_lines(source, mutated)
        key = "\n".join([notebook, operator, *[s.strip() for s in old], "=>", *[s.strip() for s in changed]])
        occurrence = seen_keys.get(key, 0)
        seen_keys[key] = occurrence + 1
        digest = hashlib.sha1(f"{key}\n#{occurrence}".encode()).hexdigest()[:8]
        result.append(Mutant(id=f"{grade_id}:{operator}:{digest}", notebook=notebook,
                             cell_index=cell_index, grade_id=grade_id, operator=operator,
                             line=line, original=source, mutated=mutated,
                             diff=small_diff(source, mutated, label=grade_id)))
    return result


def mutants_of_notebook(nb, notebook=""):
    """[Mutant] for every solution code cell of a source notebook, in notebook order."""
    result = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cells.is_solution(cell):
            result += mutants_of_cell(cell.source, cells.grade_id(cell), notebook, index)
    return result
