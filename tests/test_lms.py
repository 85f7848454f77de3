"""The LMS path: a roster, then `collect-zip` on a Canvas/Moodle-style download."""

import zipfile

import nbformat
import pytest

import tiny_course as tc
from course.admin.distribution import lms, roster
from course.admin.grading.pipeline import CourseError


@pytest.fixture
def course(tmp_path_factory, tmp_path, monkeypatch):
    for name in ("COURSE_EXCHANGE", "COURSE_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    return tc.copy_course(tc.template(tmp_path_factory), tmp_path / "course")


ROSTER = """id,first_name,last_name,email,lms_user_id
alice,Alice,Ash,alice@example.edu,1001
bob,Bob,Birch,bob@example.edu,1002
carol,Carol,Cedar,carol@example.edu,1003
dan,Dan,Doe,dan@example.edu,1004
"""


def _notebook_bytes(course, mark):
    """The released notebook with a marker, so that each file can be recognised."""
    nb = nbformat.read(course / "release" / "hw" / "hw.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"written by {mark}"))
    return nbformat.writes(nb).encode()


def _zip(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, data, when in entries:
            info = zipfile.ZipInfo(name, date_time=when)
            z.writestr(info, data)
    return path


def _marker(path):
    return nbformat.read(path, as_version=4).cells[0].source


def test_collect_zip_maps_names_keeps_newest_and_reports_the_rest(course, tmp_path, capsys):
    (tmp_path / "roster.csv").write_text(ROSTER)
    code, out = tc.run_cli(capsys, course, "students", "import", str(tmp_path / "roster.csv"))
    assert code == 0 and "4 new" in out, out
    # an earlier copy of bob's, which the zip must replace
    old = course / "submitted" / "bob" / "hw"
    old.mkdir(parents=True)
    (old / "stale.ipynb").write_text("{}")
    t1, t2 = (2026, 10, 12, 20, 0, 0), (2026, 10, 12, 23, 0, 0)
    nb = lambda mark: _notebook_bytes(course, mark)  # noqa: E731
    archive = _zip(tmp_path / "download.zip", [
        # Canvas: lastfirst_[LATE_]userid_attachmentid_file, a resubmission gets -1
        ("ashalice_1001_5550001_hw.ipynb", nb("alice"), t1),
        ("birchbob_1002_5550002_hw.ipynb", nb("bob first"), t1),
        ("birchbob_LATE_1002_5550007_hw-1.ipynb", nb("bob second"), t2),
        ("ashalice_1001_5550001_helpers.py", b"x = 1\n", t1),
        # Moodle, "download submissions in folders", and flat with an odd file name
        ("Carol Cedar_1003_assignsubmission_file_/hw.ipynb", nb("carol"), t1),
        ("Dan Doe_1004_assignsubmission_file_homework final.ipynb", nb("dan"), t1),
        ("Dan Doe_1004_assignsubmission_onlinetext_onlinetext.html", b"<p>hi</p>", t1),
        # badly named, unknown student, archiver junk
        ("hw.ipynb", nb("nobody"), t1),
        ("zedzed_9999_5550009_hw.ipynb", nb("stranger"), t1),
        ("__MACOSX/._hw.ipynb", b"\x00", t1),
    ])
    code, out = tc.run_cli(capsys, course, "collect-zip", "hw", str(archive))
    assert code == 0, out
    assert "wrote 4 notebook(s) for 4 student(s)" in out, out

    submitted = course / "submitted"
    for student, mark in [("alice", "alice"), ("bob", "bob second"), ("carol", "carol"), ("dan", "dan")]:
        path = submitted / student / "hw" / "hw.ipynb"
        assert path.is_file(), f"collect-zip did not write {path}:\n{out}"
        assert _marker(path) == f"written by {mark}", f"{path} holds the wrong file:\n{out}"
    assert not (old / "stale.ipynb").exists(), "bob's earlier copy should have been replaced"
    assert sorted(p.name for p in submitted.iterdir()) == ["alice", "bob", "carol", "dan"]

    def lines(title):
        return [l for l in out.splitlines() if l.strip().startswith(title)]

    assert any("birchbob_1002_5550002_hw.ipynb" in l and "birchbob_LATE_1002_5550007_hw-1.ipynb" in l
               for l in lines("DUPLICATE")), out
    assert any(l.endswith("hw.ipynb: the name carries no student id in a known pattern")
               for l in lines("UNKNOWN NAME")), out
    assert any("zedzed_9999" in l and "9999 is not in the roster" in l for l in lines("UNKNOWN STUDENT")), out
    not_nb = "\n".join(lines("NOT A NOTEBOOK"))
    assert "helpers.py" in not_nb and "onlinetext.html" in not_nb, out
    assert any("homework final.ipynb taken as hw.ipynb" in l for l in lines("RENAMED")), out
    assert "replaced an earlier submitted/ copy: bob" in out, out
    assert "ignored 1 archiver file(s)" in out, out
    assert "marked LATE by the LMS" in out and ": bob" in out.split("marked LATE")[1], out


def test_collect_zip_without_roster_and_with_a_timestamp_pattern(course, tmp_path, capsys):
    """An instructor's own pattern with a time: timestamp.txt is written, so
    the late policy applies; without a roster, ids are taken as they are."""
    tc.add_config(course, r"""
c.LmsZip.patterns = [r"^(?P<student_id>[a-z0-9]+)__(?P<timestamp>\d{4}-\d\d-\d\dT\d\d-\d\d)__(?P<file>.+)$"]
c.LatePolicy.timezone = "Europe/Berlin"
""")
    nb = _notebook_bytes(course, "x")
    archive = _zip(tmp_path / "own.zip", [
        ("s1__2026-10-12T23-30__hw.ipynb", nb, (2026, 1, 1, 0, 0, 0)),
        ("s1__2026-10-13T09-15__hw.ipynb", nb, (2026, 1, 1, 0, 0, 0)),
        ("doejane_1001_5550001_hw.ipynb", nb, (2026, 1, 1, 0, 0, 0)),  # Canvas: not in this config
    ])
    report = lms.collect_zip(course, "hw", archive)
    text = lms.format_report("hw", report)
    assert list(report["written"]) == ["s1"], text
    assert "no roster in the gradebook" in text
    # 09:15 in Berlin (CEST, UTC+2) is 07:15 UTC; the later file is kept
    stamp = (course / "submitted" / "s1" / "hw" / "timestamp.txt").read_text()
    assert stamp.startswith("2026-10-13 07:15:00"), stamp
    assert any("s1__2026-10-12T23-30__hw.ipynb" in name for name, _ in report["duplicates"]), text
    assert any("doejane" in name for name, _ in report["unmatched"]), text


def test_collect_zip_errors_are_clear(course, tmp_path, capsys):
    bad = tmp_path / "not.zip"
    bad.write_text("hello")
    code, out = tc.run_cli(capsys, course, "collect-zip", "hw", str(bad))
    assert code == 2 and "not a readable zip file" in out, out
    empty = _zip(tmp_path / "empty.zip", [("readme.txt", b"hi", (2026, 1, 1, 0, 0, 0))])
    code, out = tc.run_cli(capsys, course, "collect-zip", "hw", str(empty))
    assert code == 1 and "nothing collected" in out and "UNKNOWN NAME (not collected): readme.txt" in out, out
    tc.add_config(course, 'c.LmsZip.patterns = [r"^(?P<file>.+)$"]')
    code, out = tc.run_cli(capsys, course, "collect-zip", "hw", str(empty))
    assert code == 2 and "must capture (?P<student_id>...)" in out, out


# -- the roster -------------------------------------------------------------------
def test_roster_import_updates_and_keeps_lms_ids(course, tmp_path):
    path = tmp_path / "roster.csv"
    # Excel's "CSV UTF-8" (byte order mark) with semicolons, blank line, extra column
    path.write_bytes("\ufeffID;First_Name;Last_Name;Email;lms_user_id;section\n"
                     "s01;Zoë;Ødegaard;zoe@example.edu;77;A\n\ns02;Li;;;78;B\n".encode("utf-8"))
    assert roster.import_roster(course, path) == (2, 0)
    path.write_text("id,first_name,last_name,email\ns01,Zoe,Odegaard,zoe@example.edu\n"
                    "s03,Max,Mustermann,max@example.edu\n")
    assert roster.import_roster(course, path) == (1, 1)
    rows = {s["id"]: s for s in roster.students(course)}
    assert rows["s01"]["first_name"] == "Zoe" and rows["s01"]["lms_user_id"] == "77", \
        "a roster without lms_user_id must not erase the ids imported before"
    assert rows["s02"]["email"] == "" and set(rows) == {"s01", "s02", "s03"}


def test_roster_bad_rows_name_their_lines_and_import_nothing(course, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "id,first_name,last_name,email,lms_user_id\n"
        "s01,Ada,Lovelace,ada@example.edu,1\n"          # line 2: fine
        ",No,Id,noid@example.edu,2\n"                   # line 3: empty id
        "s01,Ada,Again,ada2@example.edu,3\n"            # line 4: duplicate id
        "bad id,Sp,Ace,sp@example.edu,4\n"              # line 5: space in id
        "s05,Not,Mail,not-an-address,5\n"               # line 6: email
        "s06,Too,Many,x@example.edu,6,extra\n"          # line 7: field count
        "s07,Same,Lms,s7@example.edu,1\n"               # line 8: lms id taken
        "a+b,Plus,Sign,ab@example.edu,8\n")             # line 9: '+' breaks the exchange
    with pytest.raises(CourseError) as err:
        roster.import_roster(course, path)
    text = str(err.value)
    for line, what in [(3, "empty id"), (4, "already on line 2"), (5, "'bad id'"),
                       (6, "not-an-address"), (7, "6 fields, the header has 5"), (8, "lms_user_id '1' already on line 2"),
                       (9, "'a+b'")]:
        assert f"roster.csv line {line}: " in text and what in text, f"line {line} ({what}) not reported:\n{text}"
    assert "nothing imported" in text and roster.students(course) == []


def test_roster_header_problems(course, tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text("student,name,mail\ns1,A,a@b.c\n")
    code, out = tc.run_cli(capsys, course, "students", "import", str(path))
    assert code == 2 and "line 1: the header lacks id, first_name, last_name, email" in out, out
    code, out = tc.run_cli(capsys, course, "students", "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "does not exist" in out, out


# -- bounded collection (issue 16) ----------------------------------------------------------
def test_collect_zip_skips_a_lying_or_damaged_member_keeps_the_good_ones_in_bounded_memory(course, tmp_path):
    """A member whose headers claim 10 kB but which inflates to 1 GiB, and a corrupt one
    (a bad download): each skipped and reported; the good members of the same zip are
    collected; the command's peak memory stays far below the inflated size. Before,
    zipfile's read() inflated up to 2 GiB at once (2164 MiB peak for 2.1 GB measured)
    and the traceback lost every student of the zip."""
    import os
    import subprocess
    import sys

    import hostile

    good = _notebook_bytes(course, "good")
    archive = hostile.lying_zip(tmp_path / "lying.zip", "mallory/hw.ipynb", 1 << 30, 10_000,
                                good=[("alice/hw.ipynb", good), ("bob/hw.ipynb", good)],
                                corrupt=["bob/hw.ipynb"])
    archive2 = _zip(tmp_path / "honest.zip", [("carol/hw.ipynb", good, (2026, 1, 1, 0, 0, 0))])
    peaks = {}
    for label, path in [("honest", archive2), ("lying", archive)]:
        proc = subprocess.Popen([sys.executable, "-m", "course", "--root", str(course), "collect-zip",
                                 "hw", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = proc.stdout.read()
        _, code, usage = os.wait4(proc.pid, 0)
        peaks[label] = usage.ru_maxrss / 1024  # MiB (Linux reports KiB)
        assert os.waitstatus_to_exitcode(code) == 0, out
    assert "wrote 1 notebook(s) for 1 student(s)" in out, out
    assert _marker(course / "submitted" / "alice" / "hw" / "hw.ipynb") == "written by good"
    for student in ("mallory", "bob"):
        assert not (course / "submitted" / student).exists(), f"{student} was collected:\n{out}"
        assert any(l.strip().startswith(f"DAMAGED OR LYING ABOUT ITS SIZE (not collected): {student}/hw.ipynb")
                   for l in out.splitlines()), out
    assert "Traceback" not in out, out
    # the same process on an honest zip is the baseline: the liar adds under 64 MiB
    assert peaks["lying"] < peaks["honest"] + 64, f"peak memory {peaks} MiB"


def test_extract_stops_at_the_running_limit_whatever_the_header_says(tmp_path):
    """The running count, not the header, stops a member: an honest-looking member
    (correct CRC) that is simply over the limit."""
    data = b"x" * 300_000
    path = _zip(tmp_path / "big.zip", [("s1/hw.ipynb", data, (2026, 1, 1, 0, 0, 0))])
    with zipfile.ZipFile(path) as z:
        info = z.infolist()[0]
        info.file_size = 1000  # as a lying header would say
        reason = lms.extract(z, info, tmp_path / "out", limit=100_000)
    assert reason is not None and not (tmp_path / "out").exists()
    with zipfile.ZipFile(path) as z:
        reason = lms.extract(z, z.infolist()[0], tmp_path / "out", limit=100_000)
    assert reason.startswith("inflates past 100000 bytes although its header says 300000"), reason


def test_collect_zip_report_escapes_control_characters_in_names(course, tmp_path, capsys):
    """A member name is printed to the instructor's terminal: an escape sequence in it
    (here: clear the screen) is shown escaped, never sent to the terminal."""
    archive = _zip(tmp_path / "esc.zip", [("s1/\x1b[2Jnotes.txt", b"x", (2026, 1, 1, 0, 0, 0)),
                                          ("s1/hw.ipynb", _notebook_bytes(course, "s1"), (2026, 1, 1, 0, 0, 0))])
    code, out = tc.run_cli(capsys, course, "collect-zip", "hw", str(archive))
    assert code == 0, out
    assert "\x1b" not in out and "NOT A NOTEBOOK (ignored): 's1/\\x1b[2Jnotes.txt'" in out, out


def test_a_damaged_newer_file_sets_the_older_copy_aside_and_says_so(course, tmp_path, capsys):
    """bob's first download was graded; his newer file arrives damaged. Before, the older
    copy stayed in submitted/ and the next `grade` graded it as current, unreported. Now
    it is moved aside, its grades leave the gradebook, its status is `not graded`, and
    the report names bob."""
    import hostile
    from course.admin.course_dir import open_gradebook
    from course.admin.grading import status

    first = _zip(tmp_path / "first.zip", [("bob/hw.ipynb", nbformat.writes(hostile.answered_tiny(course)).encode(),
                                           (2026, 1, 1, 0, 0, 0))])
    code, out = tc.run_cli(capsys, course, "collect-zip", "hw", str(first))
    assert code == 0 and "wrote 1 notebook(s) for 1 student(s)" in out, out
    code, out = tc.run_cli(capsys, course, "grade", "hw")
    assert code == 0 and "1 graded" in out, out

    damaged = hostile.lying_zip(tmp_path / "second.zip", "mallory/hw.ipynb", 100, 100,
                                good=[("bob/hw.ipynb", _notebook_bytes(course, "second"))],
                                corrupt=["bob/hw.ipynb"])
    code, out = tc.run_cli(capsys, course, "collect-zip", "hw", str(damaged))
    assert "DAMAGED OR LYING ABOUT ITS SIZE (not collected): bob/hw.ipynb" in out, out
    assert "NOT GRADED: bob's newest file is damaged" in out, out
    assert not (course / "submitted" / "bob" / "hw").exists(), "the older copy is still there to be graded"
    kept = list((course / "submitted" / "bob" / ".set-aside-hw").glob("superseded-*/hw.ipynb"))
    assert len(kept) == 1, f"the older copy must be kept aside, found {kept}"
    with open_gradebook(course) as gb:
        left = [s.assignment.name for s in gb.find_student("bob").submissions]
    assert left == [], f"bob's grades of the older copy are still in the gradebook: {left}"
    assert status.load(course, "hw")["bob"]["status"] == "not graded"
