"""The sandboxed grading kernel on this machine: is it available, its kernelspec, its sockets.

During ``nbgrader autograde`` student code runs in a Jupyter kernel named
``course-sandbox`` (see ``course/sandbox_kernel/launch.py`` for what it can and cannot
see). This module

* checks that the machine can provide it: :func:`available` starts the real wrapper once
  with a probe instead of the kernel and checks what the probe saw;
* writes its kernelspec: grading keeps it in the course folder, ``grading/kernels/``
  (:func:`course_kernels`, :func:`ensure_kernelspec`, :func:`kernel_spec_manager`), so that
  two course folders on one venv each start their own launcher; :func:`install_kernelspec`
  writes one into a venv, for Jupyter tools run by hand;
* gives each grading process its folder of unix sockets: :func:`ipc_path`.

The nbgrader settings that select it are ``course.nbgrader_plugins.grading_config``.

Grading fails closed: :func:`require` (called by ``python -m course grade`` before it
touches any grade, locally and on each Dask worker) raises :class:`SandboxUnavailable`,
saying why and how to fix it, where the machine cannot sandbox (no bubblewrap, no
namespaces in a container, no root and no unprivileged user namespaces). Student code
runs unsandboxed only after an explicit ``COURSE_SANDBOX=off`` (``grade --no-sandbox``
sets it), and every status then says so.

Command line:  ``python -m course.sandbox_kernel.host check|install``.
"""

import json
import os
import subprocess
import sys
import tempfile

from course.sandbox_kernel.names import DISPLAY_NAME, KERNEL_NAME, OFF_VALUES

def ipc_path(pid=None):
    """Socket path prefix for the kernels of one grading process (its folder is created;
    folders left by grading processes that are gone are removed)."""
    base = os.path.join(tempfile.gettempdir(), f"course-ipc-{os.geteuid()}")
    folder = os.path.join(base, str(pid or os.getpid()))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    for name in os.listdir(base):
        if name.isdigit() and not os.path.exists(f"/proc/{name}"):
            try:
                for leftover in os.listdir(os.path.join(base, name)):
                    os.unlink(os.path.join(base, name, leftover))
                os.rmdir(os.path.join(base, name))
            except OSError:
                pass
    return os.path.join(folder, "kernel")


def kernelspec(python=None, **limits):
    """The kernel.json content. ``limits``: memory='4G', cpu=900, nproc=256, fsize='512M',
    nofile=1024, tmp_size='256M' (see course.sandbox_kernel.launch.DEFAULTS)."""
    from course.sandbox_kernel import launch

    python = python or os.path.join(sys.prefix, "bin", "python")
    # The launcher by its path, not `-m course.sandbox_kernel`: the kernel then gets the
    # course package this grader runs, even where the venv would import another copy.
    argv = [python, "-I", os.path.join(launch.course_package_dir(), "sandbox_kernel", "launch.py")]
    for name, value in limits.items():
        if value is not None:
            argv += ["--" + name.replace("_", "-"), str(value)]
    argv += ["-f", "{connection_file}"]
    return {
        "argv": argv,
        "display_name": DISPLAY_NAME,
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False, "course_sandbox": True},
    }


def kernelspec_dir(prefix=None, name=KERNEL_NAME):
    return os.path.join(prefix or sys.prefix, "share", "jupyter", "kernels", name)


def install_kernelspec(prefix=None, name=KERNEL_NAME, **limits):
    """Write the kernelspec into ``<prefix>/share/jupyter/kernels/<name>`` (default: this venv).

    Jupyter run from the venv finds it there; grading does not look there (it uses the
    course's own, :func:`ensure_kernelspec`). Returns the folder. Limits given here become
    the kernel's defaults; COURSE_SANDBOX_MEMORY, _CPU, _NPROC, _FSIZE, _NOFILE and
    _TMP_SIZE in the grader's environment override them per run.
    """
    folder = kernelspec_dir(prefix, name)
    _write_spec(folder, kernelspec(python=os.path.join(prefix or sys.prefix, "bin", "python"), **limits))
    return folder


def _write_spec(folder, spec):
    os.makedirs(folder, exist_ok=True)
    # A temporary name of its own: two graders writing the same spec at once must not
    # rename each other's file away.
    fd, tmp = tempfile.mkstemp(prefix="kernel.json.", suffix=".tmp", dir=folder)
    os.chmod(tmp, 0o644)
    with os.fdopen(fd, "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
    os.replace(tmp, os.path.join(folder, "kernel.json"))


def course_kernels(root):
    """The folder of a course's own kernelspecs, ``<root>/grading/kernels`` (git-ignored):
    grading writes and reads the sandbox's kernelspec there, never in the shared venv."""
    return os.path.join(os.path.abspath(root), "grading", "kernels")


def kernel_spec_manager(kernels_dir):
    """A KernelSpecManager that finds ``course-sandbox`` in ``kernels_dir`` only (and the
    native python3 kernel, as usual)."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager(kernel_dirs=[kernels_dir])


def kernelspec_installed(name=KERNEL_NAME):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return False
    return True


_PROBE = r"""
import json, os, resource, socket, sys
facts = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "cwd": os.getcwd()}
facts["secret_visible"] = os.path.exists(sys.argv[1])
facts["cwd_listing"] = sorted(os.listdir("."))
with open("/proc/net/dev") as f:
    facts["interfaces"] = sorted(l.split(":")[0].strip() for l in f.readlines()[2:])
facts["as_limit"] = resource.getrlimit(resource.RLIMIT_AS)[1]
facts["cpu_limit"] = resource.getrlimit(resource.RLIMIT_CPU)[0]
with open("/proc/self/status") as f:
    facts["cap_eff"] = [l.split()[1] for l in f if l.startswith("CapEff")][0]
try:
    open("probe-write", "w").write("x"); os.remove("probe-write"); facts["cwd_writable"] = True
except OSError:
    facts["cwd_writable"] = False
try:
    open(sys.executable + ".probe", "w"); facts["env_writable"] = True
except OSError:
    facts["env_writable"] = False
import numpy, course.gradcheck, ipykernel
facts["imports"] = True
facts["course_file"] = course.__file__
print("PROBE" + json.dumps(facts))
"""

_cache = {}


def _probe(timeout=60):
    from course.sandbox_kernel import launch

    with tempfile.TemporaryDirectory(prefix="course-sandbox-check-") as tmp:
        sub = os.path.join(tmp, "autograded", "student", "assignment")
        os.makedirs(sub)
        with open(os.path.join(sub, "visible.txt"), "w") as f:
            f.write("mine")
        secret = os.path.join(tmp, "gradebook.db")
        with open(secret, "w") as f:
            f.write("secret")
        ipc = os.path.join(tmp, "ipc", "kernel")
        conn = os.path.join(tmp, "connection.json")
        with open(conn, "w") as f:
            json.dump({"transport": "ipc", "ip": ipc, "shell_port": 1, "iopub_port": 2,
                       "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": "",
                       "signature_scheme": "hmac-sha256"}, f)
        python = os.path.join(os.path.realpath(sys.prefix), "bin", "python")
        argv = launch.prepare(conn, [], {}, cwd=sub,
                              kernel_argv=[python, "-c", _PROBE, secret])
        fds = [int(argv[i + 1]) for i, a in enumerate(argv[:-1]) if a == "--ro-bind-data"]
        try:
            proc = subprocess.run(argv, pass_fds=fds, capture_output=True, text=True,
                                  timeout=timeout, cwd=sub)
        finally:
            launch.release_uids(launch.state_dir())
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
        out = [l for l in proc.stdout.splitlines() if l.startswith("PROBE")]
        if proc.returncode != 0 or not out:
            err = (proc.stderr or proc.stdout).strip().splitlines()
            return None, "bwrap could not start the kernel: " + (err[-1] if err else f"exit {proc.returncode}")
        return json.loads(out[-1][5:]), None


def check(timeout=60):
    """Start the sandbox once with a probe; return (ok, reason, facts)."""
    from course.sandbox_kernel import launch

    if not sys.platform.startswith("linux"):
        return False, "the sandbox needs Linux namespaces; this is " + sys.platform, {}
    try:
        facts, err = _probe(timeout)
    except launch.SandboxError as e:
        return False, str(e), {}
    except subprocess.TimeoutExpired:
        return False, f"the sandbox did not start within {timeout} s", {}
    except OSError as e:
        return False, f"cannot run the sandbox: {e}", {}
    if facts is None:
        return False, err, {}
    problems = []
    if os.geteuid() == 0:
        own_uid = launch.UID_BASE <= facts["uid"] < launch.UID_BASE + launch.UID_SLOTS
        own_uid = own_uid and facts["gid"] == facts["uid"]
    else:
        own_uid = (facts["uid"], facts["gid"]) == (launch.SANDBOX_UID, launch.SANDBOX_GID)
    # In a user namespace the grader's other groups show as the overflow gid 65534.
    if not own_uid or set(facts["groups"]) - {facts["gid"], 65534}:
        problems.append(f"kernel ran as uid {facts['uid']} gid {facts['gid']} groups {facts['groups']}")
    if facts["course_file"] != launch.COURSE_LIB_INSIDE + "/course/__init__.py":
        problems.append(f"the kernel imported course from {facts['course_file']}, not the grader's copy")
    if facts["secret_visible"]:
        problems.append("the kernel could see a file outside its submission folder")
    if facts["cwd_listing"] != ["visible.txt"] or not facts["cwd_writable"]:
        problems.append("the submission folder was not visible and writable")
    if facts["env_writable"]:
        problems.append("the Python environment was writable")
    if facts["interfaces"] != ["lo"]:
        problems.append(f"the kernel had network interfaces {facts['interfaces']}")
    if facts["cap_eff"].strip("0"):
        problems.append(f"the kernel kept capabilities {facts['cap_eff']}")
    if problems:
        return False, "the sandbox started but is not tight: " + "; ".join(problems), facts
    how = "as root, one uid per kernel from " + str(launch.UID_BASE) if os.geteuid() == 0 else \
        "in a user namespace (grader's uid mapped to 65534)"
    return True, f"bubblewrap sandbox works ({how})", facts


def available(refresh=False):
    """(True, how) if student kernels can be sandboxed on this machine, else (False, why).

    Really starts the wrapper (bwrap, setpriv, prlimit, the venv's Python) once with a
    probe; the answer is cached for the life of the process.
    """
    if refresh or "result" not in _cache:
        ok, reason, _ = check()
        _cache["result"] = (ok, reason)
    return _cache["result"]


def mode(environ=os.environ):
    """'off' when COURSE_SANDBOX turns the sandbox off, else 'on' (the default)."""
    value = environ.get("COURSE_SANDBOX", "").strip().lower()
    if value in OFF_VALUES:
        return "off"
    if value not in ("", "on", "auto", "required", "1", "yes", "true"):
        raise SandboxUnavailable(f"COURSE_SANDBOX={value!r} is not understood: leave it unset "
                                 "(grade in the sandbox) or set it to off")
    return "on"


class SandboxUnavailable(RuntimeError):
    """Grading refuses to run: the message says why and how to fix it."""


HOW_TO_FIX = (
    "Fix it: as root, run scripts/install-system-deps.sh (it installs bubblewrap), then check "
    "with `python -m course.sandbox_kernel.host check`. As a normal user the kernel must allow "
    "unprivileged user namespaces (sysctl user.max_user_namespaces > 0, and "
    "kernel.unprivileged_userns_clone=1 where that setting exists; AppArmor's "
    "kernel.apparmor_restrict_unprivileged_userns=0 or a profile for bwrap); a hub "
    "administrator must enable them. To grade anyway, knowing that student code can then "
    "read source/ and the gradebook and change any grade: --no-sandbox (or COURSE_SANDBOX=off)."
)


def require(environ=os.environ):
    """Before grading: (True, how), or (False, why) when the sandbox is explicitly off;
    raises SandboxUnavailable when it cannot work here. (Each grading kernel writes the
    course's kernelspec as it starts: course.nbgrader_plugins.execute.)"""
    if mode(environ) == "off":
        return False, "the sandbox is turned off (COURSE_SANDBOX=off / --no-sandbox)"
    ok, reason = available()
    if not ok:
        raise SandboxUnavailable(
            "refusing to grade: the grading sandbox does not work on this machine "
            f"({reason}). No grade was touched.\n" + HOW_TO_FIX)
    return True, reason


def ensure_kernelspec(kernels_dir):
    """Write the kernelspec into ``kernels_dir/course-sandbox`` (course_kernels(root)) if it
    is missing, or starts another Python or another copy of the course's launcher than this
    one (it is then written anew, with default limits). Returns its folder."""
    folder = os.path.join(kernels_dir, KERNEL_NAME)
    expected = kernelspec()["argv"][:3]  # this Python, -I, this course's launcher
    try:
        with open(os.path.join(folder, "kernel.json")) as f:
            current = json.load(f)["argv"][:3]
    except (OSError, ValueError, KeyError, TypeError):
        current = None
    if current != expected:
        _write_spec(folder, kernelspec())
    return folder


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    cmd = argv[0] if argv else "check"
    if cmd == "install":
        print("kernelspec written to", install_kernelspec())
        cmd = "check"
    if cmd == "check":
        ok, reason, facts = check()
        print(("SANDBOX AVAILABLE: " if ok else "SANDBOX UNAVAILABLE: ") + reason)
        return 0 if ok else 1
    print("usage: python -m course.sandbox_kernel.host [check|install]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
