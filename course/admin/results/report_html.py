"""The HTML pages of the item analysis (course.admin.results.report), rendered with
Jinja2 from templates/*.html.j2 with autoescaping on: student ids, problem names
and failure messages come from submissions, and some are hostile.

The functions here shape report_data.collect's data into the rows each section of
a page shows; the templates only lay them out.
"""

import functools
import os
import statistics
from collections import Counter
from pathlib import Path

from course.admin.results.report_data import shorten

TOP_FAILURES = 15  # failure groups listed in the table; the rest are counted
LISTED_STUDENTS = 20  # students named per failure group


def num(value, fmt="{:g}"):
    """value formatted with fmt, or "" for None (a blank cell sorts last)."""
    return "" if value is None else fmt.format(value)


@functools.cache
def environment():
    """The Jinja2 environment of the report templates (made on first use, then shared)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("course.admin.results", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["num"] = num
    env.filters["shorten"] = shorten
    return env


def page(title, body):
    """A bare report page (its CSS and the table-sorting script) around body,
    which is HTML already: only for callers who built and escaped it themselves."""
    from markupsafe import Markup

    return environment().get_template("page.html.j2").render(title=title, body=Markup(body))


# --- one assignment ------------------------------------------------------------------

def summary(data):
    """(summary sentence, ["<n> <status>", ...]) of the page's first paragraph."""
    totals = [r["total_after_penalty"] for r in data["rows"]]
    text = f"{len(data['students'])} submissions, {len(data['rows'])} with grades"
    if totals:
        text += (f"; mean {statistics.mean(totals):.2f}, median {statistics.median(totals):g} "
                 f"of {data['max_total']:g} points, after late penalties")
    counts = Counter(st["status"] for st in data["statuses"].values())
    return text, [f"{n} {s}" for s, n in sorted(counts.items())]


def problem_rows(data):
    """Per problem, its statistics and its most common failure (message, cause, count), if any."""
    rows = []
    for p in data["per_problem"]:
        common = data["problem_failures"].get(p["grade_id"])
        if common:
            (message, cause), count = common.most_common(1)[0]
            common = {"message": message, "cause": cause, "count": count}
        rows.append(dict(p, common=common or None))
    return rows


def failure_rows(data):
    """The TOP_FAILURES largest failure groups: how many students, message, cause,
    [(problem, count)], an example and the first LISTED_STUDENTS students."""
    rows = []
    for (message, cause), group in data["failures"][:TOP_FAILURES]:
        who = sorted(group["students"])
        rows.append({"count": len(who), "message": message, "cause": cause,
                     "problems": group["problems"].most_common(), "example": group["example"],
                     "students": who[:LISTED_STUDENTS], "more": max(0, len(who) - LISTED_STUDENTS)})
    return rows


def odd_submissions(data):
    """The submissions that were not simply graded, by student id."""
    return [{"student": s, "status": st["status"], "notes": st.get("notes", [])}
            for s, st in sorted(data["statuses"].items()) if st["status"] != "graded"]


def problem_columns(data):
    """The students table's short column names: p1, p2, ... for the problems in order."""
    return [{"label": f"p{i + 1}", "grade_id": gid, "points": points}
            for i, (gid, points) in enumerate(data["problems"])]


def feedback_link(root, assignment, student, out_dir):
    """{"href": relative to out_dir, "name"} of a student's first feedback page, or None."""
    pages = sorted((Path(root) / "feedback" / student / assignment).glob("*.html"))
    if not pages:
        return None
    return {"href": os.path.relpath(pages[0], out_dir), "name": pages[0].name}


def student_rows(root, data, out_dir):
    """Per student: status, total after penalty, the penalty, per problem the score and whether points were lost, feedback link."""
    rows = []
    for s in data["students"]:
        row = data["by_student"].get(s)
        scores = []
        for gid, points in data["problems"]:
            v = row["scores"].get(gid) if row else None
            scores.append({"value": v, "lost": v is not None and v < points})
        rows.append({"student": s, "status": data["statuses"][s]["status"],
                     "total": row["total_after_penalty"] if row else None,
                     "penalty": row["late_penalty"] if row else None, "scores": scores,
                     "feedback": feedback_link(root, data["assignment"], s, out_dir)})
    return rows


def assignment_html(root, data, out_dir):
    """The item-analysis page of one assignment; links are relative to out_dir, where it goes."""
    text, status_counts = summary(data)
    return environment().get_template("assignment.html.j2").render(
        title=f"Item analysis: {data['assignment']}", assignment=data["assignment"],
        summary=text, status_counts=status_counts,
        graded_anything=bool(data["rows"] or data["students"]),
        problems=problem_rows(data), failures=failure_rows(data),
        rarer=max(0, len(data["failures"]) - TOP_FAILURES), odd=odd_submissions(data),
        columns=problem_columns(data), students=student_rows(root, data, out_dir))


# --- all assignments -----------------------------------------------------------------

def percents(data):
    """Each graded student's total after penalty as a percent of the assignment's points
    ([] without points)."""
    return ([100 * r["total_after_penalty"] / data["max_total"] for r in data["rows"]]
            if data["max_total"] else [])


def assignment_summaries(datas):
    """Per assignment: submissions, graded, mean and median percent, the statuses other than graded."""
    rows = []
    for d in datas:
        pct = percents(d)
        odd = Counter(st["status"] for st in d["statuses"].values() if st["status"] != "graded")
        rows.append({"name": d["assignment"], "submissions": len(d["students"]), "graded": len(d["rows"]),
                     "mean": statistics.mean(pct) if pct else None,
                     "median": statistics.median(pct) if pct else None,
                     "not_graded": [f"{n} {s}" for s, n in sorted(odd.items())]})
    return rows


def student_percents(datas):
    """Per student of any assignment: percent per assignment (None where not graded), and their mean."""
    rows = []
    for s in sorted({s for d in datas for s in d["students"]}):
        values = []
        for d in datas:
            row = d["by_student"].get(s)
            values.append(100 * row["total_after_penalty"] / d["max_total"] if row and d["max_total"] else None)
        present = [v for v in values if v is not None]
        rows.append({"student": s, "percents": values,
                     "mean": sum(present) / len(present) if present else None})
    return rows


def overview_html(datas):
    """The overview page of all assignments, one collect() result each."""
    return environment().get_template("overview.html.j2").render(
        title="Item analysis: all assignments",
        assignments=assignment_summaries(datas), students=student_percents(datas))
