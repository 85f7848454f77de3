"""Item analysis for instructors: one HTML page per assignment, plus an overview.

`python -m course report ASSIGNMENT` writes reports/<assignment>/index.html and
`python -m course report --all` every assignment's page and reports/index.html.
A page shows, from the gradebook and the autograded notebooks:

- the score distribution;
- per problem, the mean score and the share of students who lost points;
- the most common failure messages, grouped by first line and "Likely cause:" hint;
- the submissions that were not simply graded (flagged, timed out, crashed, ...);
- a table of students, sortable by any column (click its header).

This module only puts the parts together: report_data collects the data,
report_plots draws the PNG files next to the page, report_html renders the
pages (escaping everything that comes from a submission).
"""

from pathlib import Path

from course.admin.course_dir import assignments, require_assignment


def write_assignment(root, assignment, out=None):
    """Write <out>/<assignment>/index.html and its plots; return (the page's path, its data)."""
    # imported here: they load nbformat and Jinja2, which `report --help` need not wait for
    from course.admin.results import report_html, report_plots
    from course.admin.results.report_data import collect

    root = Path(root)
    out_dir = Path(out or root / "reports") / assignment
    out_dir.mkdir(parents=True, exist_ok=True)
    data = collect(root, assignment)
    if data["rows"]:
        report_plots.plot_scores([r["total_after_penalty"] for r in data["rows"]], data["max_total"], out_dir / "scores.png")
        report_plots.plot_problems(data["per_problem"], out_dir / "problems.png")
    if data["failures"]:
        report_plots.plot_failures(data["failures"], out_dir / "failures.png")
    page = out_dir / "index.html"
    page.write_text(report_html.assignment_html(root, data, out_dir), encoding="utf-8")
    return page, data


def write_all(root, out=None):
    """Every assignment's page and the overview <out>/index.html; return its path."""
    from course.admin.results import report_html, report_plots

    root = Path(root)
    out_dir = Path(out or root / "reports")
    datas = [write_assignment(root, a, out)[1] for a in assignments(root)]
    out_dir.mkdir(parents=True, exist_ok=True)
    report_plots.plot_overview(datas, out_dir / "overview.png")
    page = out_dir / "index.html"
    page.write_text(report_html.overview_html(datas), encoding="utf-8")
    return page


def cmd_report(args):
    root = Path(args.root)
    names = args.assignments or []
    for name in names:
        require_assignment(root, name)
    if args.all or not names:
        page = write_all(root, args.out)
        print(f"item analysis of {len(assignments(root))} assignment(s): {page}")
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
