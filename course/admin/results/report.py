"""Item analysis for instructors: one HTML page per assignment, plus an overview.

`python -m course report ASSIGNMENT` writes reports/<assignment>/index.html and
`python -m course report --all` every assignment's page and reports/index.html.
A page shows, from the gradebook (course.admin.results.grades) and the autograded notebooks:

- the score distribution;
- per problem, the mean score and the share of students who lost points;
- the most common failure messages, grouped: the first line of the message with
  its numbers and indices blanked out, and the "Likely cause:" hint of
  course.gradcheck.assert_gradients_close (e.g. "constant factor: missing 1/N");
- the submissions that were not simply graded (flagged, timed out, crashed, ...),
  from the grading status file (course.admin.grading.status);
- a table of students, sortable by any column (click its header).

The plots are PNG files made with matplotlib's Agg canvas next to the page.
Everything that comes from a submission is HTML-escaped.
"""

import html
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from course.admin.results import grades
from course.admin.grading import pipeline, status

TOP_FAILURES = 15

# "Likely cause:" hints of course.gradcheck.gradient_diagnosis -> short labels.
HINT_LABELS = [
    (r"nan or inf", "nan or inf in the gradient"),
    (r"all zeros", "gradient all zeros"),
    (r"minus the right one", "wrong sign"),
    (r"missing 1/N", "constant factor: missing 1/N (or a path counted twice)"),
    (r"once too often", "constant factor: divided once too often (or a dropped path)"),
    (r"constant factor", "constant factor"),
    (r"transpose", "transposed"),
    (r"entries are right", "partly right: a missing branch or path"),
]

_TUPLE = re.compile(r"\(\s*[-+]?\d[\d\s,.eE+-]*\)")
# a number, but not part of a name (dW1) nor of "2-D"
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?!\w|-[A-Za-z])")


def normalise(line):
    """A message line with index tuples and numbers blanked, so that they do not
    split a group: 'max relative error 0.82 ... at index (2, 3).' ->
    'max relative error # ... at index (…).'"""
    line = _TUPLE.sub("(…)", line)
    return _NUMBER.sub("#", line).strip()


def hint_label(hint):
    """A short name for a "Likely cause:" hint."""
    for pattern, label in HINT_LABELS:
        if re.search(pattern, hint):
            return label
    return normalise(hint)


def failure_key(ename, evalue):
    """(message group, likely-cause label) of one failed test."""
    lines = [line.strip() for line in (evalue or "").strip().splitlines() if line.strip()]
    first = normalise(lines[0]) if lines else "(no message)"
    cause = ""
    for line in lines[1:]:
        if line.startswith("Likely cause:"):
            cause = hint_label(line[len("Likely cause:"):].strip())
            break
    if ename == "NotImplementedError" and not lines:
        first, cause = "(not attempted)", ""
    return f"{ename}: {first}", cause


def _read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def test_failures(root, assignment, student):
    """[(grade_id, ename, evalue)] of the failed test cells in a student's
    autograded notebooks (ename "stderr" for a cell that lost its points by
    writing to stderr)."""
    found = []
    folder = Path(root) / "autograded" / student / assignment
    for path in sorted(folder.glob("*.ipynb")):
        nb = _read_json(path)
        if not nb:
            continue
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade") or meta.get("solution") or cell.get("cell_type") != "code":
                continue
            outputs = cell.get("outputs", [])
            errors = [o for o in outputs if o.get("output_type") == "error"]
            if errors:
                found.append((meta.get("grade_id"), errors[-1].get("ename", "Error"),
                              errors[-1].get("evalue", "")))
            elif any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outputs):
                found.append((meta.get("grade_id"), "stderr", "the test cell wrote to stderr"))
    return found


def _derived_status(root, assignment, student):
    """The status when the pipeline recorded none (graded with plain nbgrader)."""
    names = status.error_names(root, assignment, student)
    if any(n in ("DeadKernelError", "KernelCrashed") for n in names):
        return {"status": "crashed", "notes": ["derived from a DeadKernelError in the graded notebook"]}
    if any(n in ("CellTimeoutError", "TimeoutError", "CellTimeout") for n in names):
        return {"status": "timed out", "notes": ["derived from a timeout error in the graded notebook"]}
    return {"status": "graded", "notes": []}


def collect(root, assignment):
    """Everything one report page shows, as plain data."""
    root = Path(root)
    probs = grades.problems(root, assignment)
    rows = grades.scores(root, [assignment])
    recorded = status.load(root, assignment)
    students = sorted({r["student"] for r in rows} | set(recorded))
    statuses = {s: recorded.get(s) or _derived_status(root, assignment, s) for s in students}
    by_student = {r["student"]: r for r in rows}

    per_problem = []
    for gid, points in probs:
        values = [r["scores"][gid] for r in rows if r["scores"].get(gid) is not None]
        lost = [v for v in values if v < points]
        partial = [v for v in values if 0 < v < points]
        per_problem.append({
            "grade_id": gid, "points": points, "n": len(values),
            "mean": sum(values) / len(values) if values else None,
            "lost_share": len(lost) / len(values) if values else None,
            "partial": len(partial),
        })

    groups = defaultdict(lambda: {"students": set(), "problems": Counter(), "example": ""})
    problem_failures = defaultdict(Counter)
    for student in students:
        if student not in by_student:
            continue
        for gid, ename, evalue in test_failures(root, assignment, student):
            key = failure_key(ename, evalue)
            group = groups[key]
            group["students"].add(student)
            group["problems"][gid] += 1
            group["example"] = group["example"] or f"{ename}: {evalue}"
            problem_failures[gid][key] += 1
    failures = sorted(groups.items(), key=lambda kv: (-len(kv[1]["students"]), kv[0]))
    return {"assignment": assignment, "problems": probs, "rows": rows, "by_student": by_student,
            "students": students, "statuses": statuses, "per_problem": per_problem,
            "failures": failures, "problem_failures": problem_failures,
            "max_total": sum(p for _, p in probs)}


# --- plots ---------------------------------------------------------------------

def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_scores(totals, max_total, path):
    """Histogram of total scores."""
    import numpy as np

    fig = _figure(6.4, 3.2)
    ax = fig.add_subplot()
    nbins = int(max(1, min(25, round(max_total) or 1)))
    edges = np.linspace(0, max_total or 1, nbins + 1)
    ax.hist(totals, bins=edges, color="#4878a8", edgecolor="white")
    if totals:
        mean = float(np.mean(totals))
        ax.axvline(mean, color="#c44e52", linestyle="--", label=f"mean {mean:.1f}")
        ax.legend(loc="upper left")
    ax.set_xlabel(f"total score (of {max_total:g})")
    ax.set_ylabel("submissions")
    ax.set_title("Score distribution")
    fig.tight_layout()
    fig.savefig(path)


def plot_problems(per_problem, path):
    """Per problem: mean score as a share of its points, and share of students who lost points."""
    names = [p["grade_id"] for p in per_problem][::-1]
    mean = [(p["mean"] or 0) / p["points"] if p["points"] else 0 for p in per_problem][::-1]
    lost = [p["lost_share"] or 0 for p in per_problem][::-1]
    fig = _figure(8, 1.0 + 0.32 * max(1, len(names)))
    left, right = fig.subplots(1, 2, sharey=True)
    left.barh(names, mean, color="#4878a8")
    left.set_xlim(0, 1)
    left.set_xlabel("mean score / points")
    right.barh(names, lost, color="#c44e52")
    right.set_xlim(0, 1)
    right.set_xlabel("share of students who lost points")
    fig.suptitle("Problems")
    fig.tight_layout()
    fig.savefig(path)


def plot_failures(failures, path):
    """The most common failure groups, by number of students."""
    top = failures[:10][::-1]
    labels = [_short(k[0] + (f" [{k[1]}]" if k[1] else ""), 70) for k, _ in top]
    counts = [len(g["students"]) for _, g in top]
    fig = _figure(9, 1.0 + 0.36 * max(1, len(top)))
    ax = fig.add_subplot()
    ax.barh(range(len(top)), counts, color="#dd8452")
    ax.set_yticks(range(len(top)), labels, fontsize=7)
    ax.set_xlabel("students")
    ax.set_title("Most common failures")
    fig.tight_layout()
    fig.savefig(path)


def plot_overview(data, path):
    """Box plot of percent scores per assignment."""
    fig = _figure(6.4, 3.2)
    ax = fig.add_subplot()
    series = [[100 * r["total"] / d["max_total"] for r in d["rows"]] if d["max_total"] else []
              for d in data]
    ax.boxplot([s or [0] for s in series], tick_labels=[d["assignment"] for d in data])
    ax.set_ylabel("score (%)")
    ax.set_ylim(-2, 102)
    ax.set_title("Scores per assignment")
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(path)


def _short(text, n):
    return text if len(text) <= n else text[: n - 1] + "…"


# --- HTML ------------------------------------------------------------------------

esc = html.escape

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 75em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th:after { content: " \\2195"; color: #999; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.lost { background: #fde8e8; }
.st-graded { color: #2a7a2a; } .st-other { color: #a00; font-weight: bold; }
code, pre { font-size: 0.9em; white-space: pre-wrap; }
img { max-width: 100%; border: 1px solid #eee; }
.warn { color: #a00; }
"""

SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var dir = th.dataset.dir === "asc" ? -1 : 1;
      th.dataset.dir = dir === 1 ? "asc" : "desc";
      var body = table.tBodies[0];
      var key = function (tr) {
        var cell = tr.cells[col], v = cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent.trim();
        var n = parseFloat(v);
        return v !== "" && !isNaN(n) ? [0, n] : [v === "" ? 2 : 1, v.toLowerCase()];
      };
      Array.from(body.rows).sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x[0] !== y[0]) return x[0] - y[0];
        return (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) * dir;
      }).forEach(function (tr) { body.appendChild(tr); });
    });
  });
});
"""


def _page(title, body):
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n"
            f"<script>{SORT_JS}</script>\n</body></html>\n")


def _num(value, fmt="{:g}"):
    return "" if value is None else fmt.format(value)


def _status_cell(st):
    cls = "st-graded" if st == "graded" else "st-other"
    return f'<td class="{cls}">{esc(st)}</td>'


def _feedback_link(root, assignment, student, out_dir):
    import os

    pages = sorted((Path(root) / "feedback" / student / assignment).glob("*.html"))
    if not pages:
        return ""
    rel = os.path.relpath(pages[0], out_dir)
    return f'<a href="{esc(rel)}">{esc(pages[0].name)}</a>'


def assignment_html(root, data, out_dir):
    a = data["assignment"]
    rows, max_total = data["rows"], data["max_total"]
    totals = [r["total"] for r in rows]
    counts = Counter(st["status"] for st in data["statuses"].values())
    parts = [f"<h1>Item analysis: {esc(a)}</h1>"]
    summary = f"{len(data['students'])} submissions, {len(rows)} with grades"
    if totals:
        import statistics

        summary += (f"; mean {statistics.mean(totals):.2f}, median {statistics.median(totals):g} "
                    f"of {max_total:g} points")
    parts.append(f"<p>{esc(summary)}. Statuses: "
                 + (", ".join(f"{n} {esc(s)}" for s, n in sorted(counts.items())) or "none recorded")
                 + '. <a href="../index.html">All assignments</a></p>')
    if not rows and not data["students"]:
        parts.append("<p>No graded submissions yet: run <code>python -m course grade "
                     f"{esc(a)}</code> first.</p>")
        return _page(f"Item analysis: {a}", "\n".join(parts))

    parts.append('<h2>Score distribution</h2><img src="scores.png" alt="histogram of total scores">')

    parts.append("<h2>Problems</h2>")
    parts.append('<img src="problems.png" alt="mean score and share of students who lost points per problem">')
    parts.append('<table class="sortable"><thead><tr><th>problem</th><th>points</th><th>mean</th>'
                 "<th>lost points</th><th>most common failure</th></tr></thead><tbody>")
    for p in data["per_problem"]:
        common = data["problem_failures"].get(p["grade_id"])
        top = ""
        if common:
            (msg, cause), n = common.most_common(1)[0]
            top = esc(_short(msg, 160)) + (f" <em>[{esc(cause)}]</em>" if cause else "") + f" ({n})"
        if p["partial"]:
            top += (f'<br><span class="warn">{p["partial"]} partial score(s) between 0 and the '
                    "points: nbgrader takes a number the test cell ends with as partial credit "
                    "(does the cell end with an expression?)</span>")
        parts.append(f'<tr><td>{esc(p["grade_id"])}</td><td class="num">{p["points"]:g}</td>'
                     f'<td class="num">{_num(p["mean"], "{:.2f}")}</td>'
                     f'<td class="num" data-v="{_num(p["lost_share"])}">'
                     f'{_num(p["lost_share"], "{:.0%}")}</td><td>{top}</td></tr>')
    parts.append("</tbody></table>")

    parts.append("<h2>Most common failures</h2>")
    if data["failures"]:
        parts.append('<img src="failures.png" alt="most common failure messages">')
        parts.append('<p>Messages of failed test cells, grouped by their first line (numbers and '
                     'indices blanked as # and (…)) and the "Likely cause" hint.</p>')
        parts.append('<table class="sortable"><thead><tr><th>students</th><th>message</th>'
                     "<th>likely cause</th><th>problems</th><th>example and students</th></tr>"
                     "</thead><tbody>")
        for (msg, cause), g in data["failures"][:TOP_FAILURES]:
            who = sorted(g["students"])
            names = ", ".join(esc(s) for s in who[:20]) + (f" and {len(who) - 20} more" if len(who) > 20 else "")
            probs = ", ".join(f"{esc(gid)} ({n})" for gid, n in g["problems"].most_common())
            parts.append(f'<tr><td class="num">{len(who)}</td><td><code>{esc(msg)}</code></td>'
                         f"<td>{esc(cause)}</td><td>{probs}</td>"
                         f"<td><details><summary>example</summary><pre>{esc(_short(g['example'], 2000))}"
                         f"</pre><p>{names}</p></details></td></tr>")
        parts.append("</tbody></table>")
        if len(data["failures"]) > TOP_FAILURES:
            parts.append(f"<p>and {len(data['failures']) - TOP_FAILURES} rarer groups.</p>")
    else:
        parts.append("<p>No failed test cells.</p>")

    parts.append("<h2>Submissions to look at</h2>")
    odd = [(s, st) for s, st in sorted(data["statuses"].items()) if st["status"] != "graded"]
    if odd:
        parts.append('<table class="sortable"><thead><tr><th>student</th><th>status</th>'
                     "<th>notes</th></tr></thead><tbody>")
        for s, st in odd:
            parts.append(f"<tr><td>{esc(s)}</td>{_status_cell(st['status'])}"
                         f"<td>{esc('; '.join(st.get('notes', [])))}</td></tr>")
        parts.append("</tbody></table>")
    else:
        parts.append("<p>None: every submission was graded normally.</p>")

    gids = [gid for gid, _ in data["problems"]]
    maxima = dict(data["problems"])
    parts.append("<h2>Students</h2><p>Click a column header to sort.</p>")
    head = "".join(f'<th title="{esc(g)}">p{i + 1}</th>' for i, g in enumerate(gids))
    parts.append('<table class="sortable" id="students"><thead><tr><th>student</th><th>status</th>'
                 f"<th>total</th>{head}<th>feedback</th></tr></thead><tbody>")
    for s in data["students"]:
        row = data["by_student"].get(s)
        st = data["statuses"][s]["status"]
        cells = []
        for gid in gids:
            v = row["scores"].get(gid) if row else None
            cls = "num lost" if v is not None and v < maxima[gid] else "num"
            cells.append(f'<td class="{cls}" data-v="{_num(v)}">{_num(v, "{:.3g}")}</td>')
        total = row["total"] if row else None
        parts.append(f"<tr><td>{esc(s)}</td>"
                     f"{_status_cell(st)}<td class=\"num\" data-v=\"{_num(total)}\">{_num(total, '{:.4g}')}</td>"
                     + "".join(cells)
                     + f"<td>{_feedback_link(root, data['assignment'], s, out_dir)}</td></tr>")
    parts.append("</tbody></table>")
    parts.append("<p>Problems: " + ", ".join(f"p{i + 1} = {esc(g)} ({maxima[g]:g})"
                                              for i, g in enumerate(gids)) + "</p>")
    return _page(f"Item analysis: {a}", "\n".join(parts))


def write_assignment(root, assignment, out=None):
    """Write <out>/<assignment>/index.html and its plots; return the page's path."""
    root = Path(root)
    out_dir = Path(out or root / "reports") / assignment
    out_dir.mkdir(parents=True, exist_ok=True)
    data = collect(root, assignment)
    if data["rows"]:
        plot_scores([r["total"] for r in data["rows"]], data["max_total"], out_dir / "scores.png")
        plot_problems(data["per_problem"], out_dir / "problems.png")
    if data["failures"]:
        plot_failures(data["failures"], out_dir / "failures.png")
    page = out_dir / "index.html"
    page.write_text(assignment_html(root, data, out_dir), encoding="utf-8")
    return page, data


def overview_html(datas):
    parts = ["<h1>Item analysis: all assignments</h1>",
             '<img src="overview.png" alt="box plot of scores per assignment">',
             '<table class="sortable"><thead><tr><th>assignment</th><th>submissions</th>'
             "<th>graded</th><th>mean %</th><th>median %</th><th>not simply graded</th>"
             "</tr></thead><tbody>"]
    import statistics

    for d in datas:
        pct = [100 * r["total"] / d["max_total"] for r in d["rows"]] if d["max_total"] else []
        odd = Counter(st["status"] for st in d["statuses"].values() if st["status"] != "graded")
        parts.append(
            f'<tr><td><a href="{esc(d["assignment"])}/index.html">{esc(d["assignment"])}</a></td>'
            f'<td class="num">{len(d["students"])}</td><td class="num">{len(d["rows"])}</td>'
            f'<td class="num">{_num(statistics.mean(pct) if pct else None, "{:.1f}")}</td>'
            f'<td class="num">{_num(statistics.median(pct) if pct else None, "{:.1f}")}</td>'
            f"<td>{esc(', '.join(f'{n} {s}' for s, n in sorted(odd.items())))}</td></tr>")
    parts.append("</tbody></table>")
    students = sorted({s for d in datas for s in d["students"]})
    parts.append("<h2>Students</h2><p>Percent of the points per assignment; click a header to sort.</p>")
    parts.append('<table class="sortable"><thead><tr><th>student</th>'
                 + "".join(f"<th>{esc(d['assignment'])}</th>" for d in datas)
                 + "<th>mean % (of those submitted)</th></tr></thead><tbody>")
    for s in students:
        vals = []
        for d in datas:
            row = d["by_student"].get(s)
            vals.append(100 * row["total"] / d["max_total"] if row and d["max_total"] else None)
        present = [v for v in vals if v is not None]
        mean = sum(present) / len(present) if present else None
        parts.append(f"<tr><td>{esc(s)}</td>"
                     + "".join(f'<td class="num" data-v="{_num(v)}">{_num(v, "{:.0f}")}</td>' for v in vals)
                     + f'<td class="num" data-v="{_num(mean)}">{_num(mean, "{:.0f}")}</td></tr>')
    parts.append("</tbody></table>")
    return _page("Item analysis: all assignments", "\n".join(parts))


def write_all(root, out=None):
    """Every assignment's page and the overview <out>/index.html; return its path."""
    root = Path(root)
    out_dir = Path(out or root / "reports")
    datas = [write_assignment(root, a, out)[1] for a in pipeline.assignments(root)]
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_overview(datas, out_dir / "overview.png")
    page = out_dir / "index.html"
    page.write_text(overview_html(datas), encoding="utf-8")
    return page


def cmd_report(args):
    root = Path(args.root)
    names = args.assignments or []
    known = pipeline.assignments(root)
    for name in names:
        if name not in known:
            raise pipeline.CourseError(
                f"No assignment {name!r} in {root}/source (known: {', '.join(known)})")
    if args.all or not names:
        page = write_all(root, args.out)
        print(f"item analysis of {len(known)} assignment(s): {page}")
        return 0
    for name in names:
        page, _ = write_assignment(root, name, args.out)
        print(f"item analysis of {name}: {page}")
    return 0


def add_commands(sub):
    p = sub.add_parser("report", help="item analysis: HTML pages with plots under reports/")
    p.add_argument("assignments", nargs="*", help="assignments (default: all, as --all)")
    p.add_argument("--all", action="store_true",
                   help="every assignment, and the overview reports/index.html")
    p.add_argument("--out", default=None, help="folder for the pages (default: ROOT/reports)")
    p.set_defaults(func=cmd_report)
