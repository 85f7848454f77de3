"""The figures of the item analysis (course.admin.results.report): one function per
PNG file, drawn on matplotlib's Agg canvas without pyplot, so no display and no
global figure state are needed. matplotlib is imported inside the functions, so
that importing this module stays cheap.
"""

from course.admin.results.report_data import shorten


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
    labels = [shorten(k[0] + (f" [{k[1]}]" if k[1] else ""), 70) for k, _ in top]
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
