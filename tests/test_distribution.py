"""The exchange path end to end, with nbgrader's own student commands.

Three students fetch, answer and submit; bob submits a second, worse version
after the first collect. The instructor collects twice and grades; the export
must show bob's latest submission and the late penalty each student earned
(one on time through an extension, one a day late, one two days late).

Students are simulated as root can: each runs the real `nbgrader
fetch_assignment` / `nbgrader submit` in a subprocess from their own home
folder, with their own HOME (nbgrader's submission cache lives there), and
`--student ID` for the id that nbgrader would otherwise take from the login
name. The permission test drops to unused uids for what must be refused.
"""

import csv
import datetime
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

import tiny_course as tc
from course.admin.distribution import exchange

HOURS_LATE = 30  # the due date is this far in the past when the students submit
pytestmark = pytest.mark.filterwarnings("ignore:.*not in session")


@pytest.fixture
def course(tmp_path_factory, tmp_path, monkeypatch):
    for name in ("COURSE_EXCHANGE", "COURSE_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    return tc.copy_course(tc.template(tmp_path_factory), tmp_path / "course")


def _export(capsys, root, out):
    code, text = tc.run_cli(capsys, root, "export", "--out", str(out))
    assert code == 0, text
    with open(out, newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_release_fetch_submit_collect_grade_with_late_penalties(course, tmp_path, capsys):
    due = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=HOURS_LATE)
    tc.add_config(course, f"""
c.LatePolicy.due_dates = {{"hw": "{due:%Y-%m-%d %H:%M:%S} UTC"}}
c.LatePolicy.extensions = {{"hw": {{"alice": 3, "carol": 1}}}}
c.LatePolicy.penalty = "per_day"
c.LatePolicy.percent_per_day = 10
""")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\n"
                      "alice,Alice,Ash,alice@example.edu\nbob,Bob,Birch,bob@example.edu\n"
                      "carol,Carol,Cedar,carol@example.edu\ndan,Dan,Doe,dan@example.edu\n")
    code, out = tc.run_cli(capsys, course, "students", "import", str(roster))
    assert code == 0 and "4 new" in out, out

    code, out = tc.run_cli(capsys, course, "release", "hw")
    assert code == 0, out
    xroot = course / "exchange"
    inbound = xroot / tc.COURSE_ID / "inbound"
    assert (xroot / tc.COURSE_ID / "outbound" / "hw" / "hw.ipynb").is_file(), out
    assert _mode(xroot) == 0o1777 and _mode(inbound) == 0o3733, (
        f"exchange modes {_mode(xroot):o} / inbound {_mode(inbound):o}: expected 1777 / 3733")
    fetch_cmd, submit_cmd = exchange.student_commands(course, "hw")
    assert fetch_cmd in out and submit_cmd in out, f"release must print the students' commands:\n{out}"
    xopt = f"--Exchange.root={xroot}"

    homes = {s: tmp_path / f"home_{s}" for s in ("alice", "bob", "carol")}
    procs = {s: tc.nbgrader_student(h, "fetch_assignment", "hw", "--course", tc.COURSE_ID, xopt)
             for s, h in homes.items()}
    for s, p in procs.items():
        tc.finish(p, f"{s}: nbgrader fetch_assignment")
    for s, home in homes.items():
        tc.answer(home / "hw" / "hw.ipynb", course)
    procs = {s: tc.nbgrader_student(h, "submit", "hw", "--course", tc.COURSE_ID, xopt, "--student", s)
             for s, h in homes.items()}
    for s, p in procs.items():
        tc.finish(p, f"{s}: nbgrader submit")

    code, out = tc.run_cli(capsys, course, "collect", "hw")
    assert code == 0, out
    assert "3 new" in out, out
    assert "late: bob" in out and "late: carol" in out and "late: alice" not in out, out
    assert "no submission from 1 roster student(s): dan" in out, out

    # bob submits again, a version that loses test_mul; the instructor collects again.
    tc.answer(homes["bob"] / "hw" / "hw.ipynb", course, tc.BUG_MUL)
    tc.finish(tc.nbgrader_student(homes["bob"], "submit", "hw", "--course", tc.COURSE_ID, xopt,
                                  "--student", "bob"), "bob: second nbgrader submit")
    assert len([p for p in inbound.iterdir() if p.name.startswith("bob+hw+")]) == 2
    code, out = tc.run_cli(capsys, course, "collect", "hw")
    assert code == 0 and "updated: bob" in out and "0 new" in out, out
    bob_nb = nbformat.read(course / "submitted" / "bob" / "hw" / "hw.ipynb", as_version=4)
    assert any("return a + b" in c.source for c in bob_nb.cells
               if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "mul"), \
        "submitted/bob/hw is not bob's latest submission"

    code, out = tc.run_cli(capsys, course, "grade", "hw")
    assert code == 0 and "3 submissions" in out and "3 graded" in out, out

    rows = _export(capsys, course, tmp_path / "grades.csv")
    # every roster student has a row: dan never submitted, so 0 and a status that says so
    assert set(rows) == {"alice", "bob", "carol", "dan"}, rows
    assert (rows["dan"]["status"], rows["dan"]["total"], rows["dan"]["total_after_penalty"]) == \
        ("no submission", "0", "0"), rows["dan"]
    assert (rows["carol"]["first_name"], rows["carol"]["last_name"], rows["carol"]["email"]) == \
        ("Carol", "Cedar", "carol@example.edu"), rows["carol"]
    # (total, started days late, penalty, total after penalty)
    expected = {"alice": (3, 0, 0, 3), "bob": (1, 2, 0.2, 0.8), "carol": (3, 1, 0.3, 2.7)}
    for student, (total, days, penalty, final) in expected.items():
        row = rows[student]
        assert float(row["total"]) == total, f"{student}: total {row['total']}, expected {total}: {row}"
        assert row["status"] == "graded" and row["notes"] == "", f"{student}: {row['status']} {row['notes']}"
        days_late = float(row["days_late"])
        assert (days_late > 0) == (days > 0) and -(-days_late // 1) == days, \
            f"{student}: {days_late} days late, expected {days} started days: {row}"
        assert float(row["late_penalty"]) == pytest.approx(penalty), f"{student}: {row}"
        assert float(row["total_after_penalty"]) == pytest.approx(final), f"{student}: {row}"
    assert rows["bob"]["due_at"] < rows["carol"]["due_at"] < rows["alice"]["due_at"], \
        "extensions must move the due date of alice (3 days) and carol (1 day)"

    _lms_files_and_report_agree_with_the_export(capsys, course, tmp_path, rows)

    # The instructor changes the policy: `late` applies it without grading again.
    tc.add_config(course, 'c.LatePolicy.penalty = "zero"')
    code, out = tc.run_cli(capsys, course, "late", "hw")
    assert code == 0 and "2 late" in out, out
    rows = _export(capsys, course, tmp_path / "grades2.csv")
    finals = {s: float(rows[s]["total_after_penalty"]) for s in rows}
    assert finals == {"alice": 3, "bob": 0, "carol": 0, "dan": 0}, finals


def _lms_files_and_report_agree_with_the_export(capsys, course, tmp_path, rows):
    """Canvas's and Moodle's import files and the report give every roster student the
    export's total after penalty (0 for dan, who never submitted)."""
    import re

    finals = {s: float(r["total_after_penalty"]) for s, r in rows.items()}
    out = tmp_path / "lms"
    for layout in ("canvas", "moodle"):
        code, text = tc.run_cli(capsys, course, "export", "--lms", layout, "--out", str(out))
        assert code == 0 and f"{layout}-hw.csv: 4 students, 1 without a submission" in text, text
    with open(out / "canvas-hw.csv", newline="") as f:
        canvas = list(csv.reader(f))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw"], canvas[0]
    assert canvas[1] == ["Points Possible", "", "", "", "", "3"], canvas[1]
    assert {r[2]: float(r[5]) for r in canvas[2:]} == finals, canvas
    assert ["Cedar, Carol", "", "carol", "carol", "", "2.7"] in canvas, canvas
    with open(out / "moodle-hw.csv", newline="") as f:
        moodle = list(csv.DictReader(f))
    assert {r["ID number"]: float(r["hw"]) for r in moodle} == finals, moodle
    by_id = {r["ID number"]: r for r in moodle}
    assert by_id["dan"]["Email address"] == "dan@example.edu" and by_id["dan"]["Feedback"] == "no submission"
    assert by_id["bob"]["Feedback"] == "graded; late penalty 0.2 of 3 points", by_id["bob"]

    code, text = tc.run_cli(capsys, course, "report", "hw")
    assert code == 0, text
    page = (course / "reports" / "hw" / "index.html").read_text()
    for student in ("alice", "bob", "carol"):
        cells = re.search(rf"<tr><td>{student}</td>.*?data-v=\"([^\"]*)\".*?data-v=\"([^\"]*)\"", page, re.S)
        assert cells, f"no row for {student} in the report"
        assert float(cells.group(1)) == pytest.approx(finals[student]), \
            f"report total of {student}: {cells.group(1)}, the export says {finals[student]} after penalty"
        assert float(cells.group(2)) == pytest.approx(float(rows[student]["late_penalty"]))


def test_release_twice_needs_force_and_collect_needs_a_release(course, capsys):
    code, out = tc.run_cli(capsys, course, "collect", "hw")
    assert code == 2 and "release an assignment first" in out, out
    assert tc.run_cli(capsys, course, "release", "hw")[0] == 0
    code, out = tc.run_cli(capsys, course, "release", "hw")
    assert code == 2 and "already released" in out and "--force" in out, out
    code, out = tc.run_cli(capsys, course, "release", "hw", "--force")
    assert code == 0, out
    code, out = tc.run_cli(capsys, course, "release", "nope")
    assert code == 2 and "No assignment 'nope'" in out, out


def test_exchange_root_follows_the_environment(course, tmp_path, monkeypatch):
    assert exchange.folders(course)["root"] == course / "exchange"
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "elsewhere"))
    assert exchange.folders(course)["root"] == tmp_path / "elsewhere"
    assert "--Exchange.root=" + str(tmp_path / "elsewhere") in exchange.student_commands(course, "hw")[0]


def _as(uid, *cmd):
    """Run a command as an unprivileged uid (no such user needs to exist)."""
    return subprocess.run(list(cmd), user=uid, group=uid, extra_groups=[],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or sys.platform != "linux",
                    reason="switching to other users' uids needs root on Linux")
def test_exchange_permissions_keep_students_apart(course, tmp_path, monkeypatch, capsys):
    """What a second student (uid BOB) can and cannot do in a shared exchange,
    checked by the kernel: run as root, the test drops to unused uids."""
    BOB = 61002
    # A shared exchange outside the course folder, reachable by every user
    # (the course's tmp_path is not: pytest makes it private).
    shared = Path(tempfile.mkdtemp(prefix="course-exchange-", dir="/tmp"))
    try:
        os.chmod(shared, 0o755)
        xroot = shared / "exchange"
        monkeypatch.setenv("COURSE_EXCHANGE", str(xroot))
        code, out = tc.run_cli(capsys, course, "release", "hw")
        assert code == 0, out
        home = tmp_path / "home_alice"
        tc.finish(tc.nbgrader_student(home, "fetch_assignment", "hw", "--course", tc.COURSE_ID,
                                      f"--Exchange.root={xroot}"), "alice: fetch")
        tc.answer(home / "hw" / "hw.ipynb", course)
        tc.finish(tc.nbgrader_student(home, "submit", "hw", "--course", tc.COURSE_ID,
                                      f"--Exchange.root={xroot}", "--student", "alice"), "alice: submit")
        base = xroot / tc.COURSE_ID
        inbound = base / "inbound"
        (alice_sub,) = list(inbound.iterdir())

        # bob can reach the exchange and read the release (so the refusals below
        # are about the modes, not about an unreachable path)...
        r = _as(BOB, "cat", str(base / "outbound" / "hw" / "hw.ipynb"))
        assert r.returncode == 0, f"a student cannot read the released assignment: {r.stderr}"
        # ...but cannot list the inbound folder, so never learns alice's folder name,
        r = _as(BOB, "ls", str(inbound))
        assert r.returncode != 0 and "Permission denied" in r.stderr, \
            f"a student can list inbound/ (mode {_mode(inbound):o}): {r.stdout}"
        r = _as(BOB, "find", str(xroot))
        assert alice_sub.name not in r.stdout, "find reveals another student's submission folder"
        # cannot rename or remove alice's submission even knowing its name (sticky inbound/),
        r = _as(BOB, "mv", str(alice_sub), str(inbound / "gone"))
        assert r.returncode != 0 and alice_sub.is_dir(), "a student renamed another's submission"
        # cannot swap the course folder for one of their own (sticky exchange root),
        r = _as(BOB, "mv", str(base), str(xroot / "hijacked"))
        assert r.returncode != 0 and base.is_dir(), "a student renamed the course's exchange folder"
        # and a submission under alice's name is set aside by collect, not graded.
        forged = inbound / "alice+hw+2099-01-01 00:00:00.000000 UTC+forged"
        r = _as(BOB, "mkdir", str(forged))
        assert r.returncode == 0, f"students must be able to create submissions: {r.stderr}"
        _as(BOB, "cp", str(base / "outbound" / "hw" / "hw.ipynb"), str(forged / "hw.ipynb"))
        code, out = tc.run_cli(capsys, course, "collect", "hw")
        assert code == 0, out
        assert "QUARANTINED" in out and f"uid {BOB}" in out, out
        assert not forged.exists() and (base / "quarantine" / forged.name).is_dir()
        assert _mode(base / "quarantine") == 0o700
        collected = (course / "submitted" / "alice" / "hw" / "timestamp.txt").read_text()
        assert not collected.startswith("2099"), "the forged submission was collected"

        # The course folder itself: other users must not enter it once the
        # exchange lives elsewhere (source/ holds the solutions).
        os.chmod(course, 0o755)
        assert any("chmod 700" in p for p in exchange.permission_problems(course))
        os.chmod(course, 0o700)
        assert exchange.permission_problems(course) == []
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def _put_in_inbound(inbound, release_nb, student, when, stamp=None, name_time=None):
    """A submission folder laid out as `nbgrader submit` lays it out; `stamp`
    overrides timestamp.txt, `name_time` the time in the folder name."""
    fmt = "%Y-%m-%d %H:%M:%S.%f UTC"
    name_time = name_time or when.strftime(fmt)
    folder = inbound / f"{student}+hw+{name_time}+{secrets.token_urlsafe(9)}"
    folder.mkdir()
    shutil.copy(release_nb, folder / "hw.ipynb")
    (folder / "timestamp.txt").write_text(stamp or when.strftime(fmt))
    return folder


def test_collect_sets_aside_backdated_future_unreadable_and_linked_submissions(course, capsys):
    """nbgrader takes a submission's time from the student; collect checks it
    against the ctime of the files (which nobody can set back), and refuses
    symbolic links (collect would follow them with the instructor's rights)."""
    assert tc.run_cli(capsys, course, "release", "hw")[0] == 0
    inbound = course / "exchange" / tc.COURSE_ID / "inbound"
    release_nb = course / "release" / "hw" / "hw.ipynb"
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    day = datetime.timedelta(days=1)
    _put_in_inbound(inbound, release_nb, "carol", now)
    cases = {
        "dave": (_put_in_inbound(inbound, release_nb, "dave", now - 2 * day), "backdated"),
        "erin": (_put_in_inbound(inbound, release_nb, "erin", now + 2 * day), "in the future"),
        "frank": (_put_in_inbound(inbound, release_nb, "frank", now, name_time="yesterday"), "cannot be read"),
        "gus": (_put_in_inbound(inbound, release_nb, "gus", now, stamp=f"{now - day} UTC"), "timestamp.txt says"),
        "hal": (_put_in_inbound(inbound, release_nb, "hal", now), "symbolic link"),
    }
    # hal's notebook is a link to the solution: collect would copy it with the instructor's rights
    (cases["hal"][0] / "hw.ipynb").unlink()
    (cases["hal"][0] / "hw.ipynb").symlink_to(course / "source" / "hw" / "hw.ipynb")
    code, out = tc.run_cli(capsys, course, "collect", "hw")
    assert code == 0, out
    assert "1 new" in out and "new: carol" in out, out
    for student, (folder, reason) in cases.items():
        line = next((l for l in out.splitlines() if "QUARANTINED" in l and f"{student}+hw+" in l), "")
        assert reason in line, f"{student}'s submission should be set aside ({reason}):\n{out}"
        assert not folder.exists() and not (course / "submitted" / student).exists()
    assert (course / "submitted" / "carol" / "hw" / "hw.ipynb").is_file()
