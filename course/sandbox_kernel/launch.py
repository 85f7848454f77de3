"""Start an ipykernel inside a bubblewrap sandbox: the argv of the ``course-sandbox`` kernelspec.

    python -I <course>/sandbox_kernel/launch.py [limits] -f CONNECTION_FILE [extra kernel args]

Jupyter (nbclient, inside ``nbgrader autograde``) runs this in the submission folder
``autograded/<student>/<assignment>``. It execs ``bwrap`` so that the kernel:

* runs as an unprivileged uid of its own: when the grader is root, a uid taken from a
  range no account uses (``UID_BASE`` + slot), one per running kernel, so that the
  process limit (``RLIMIT_NPROC`` counts every process of a uid) of one kernel never
  touches another's; as a normal user, a user namespace maps the grader to 65534. No
  capabilities, ``no_new_privs``;
* sees a new root holding only ``/usr`` (the system libraries), the Python installation
  the venv is built on, the venv, the folders on ``sys.path`` that the venv's packages
  live in, and the ``course`` package the grader itself runs (all read-only); a small
  private ``/tmp``; its own ipc socket folder;
* works in a size-limited tmpfs at the submission folder's path, where the submission's
  files (not its notebooks: they hold the hidden tests while grading) are bound
  read-only: whatever the kernel writes is capped in total and stays out of
  ``autograded/``;
* has a network namespace of its own (loopback only) and its own PID, IPC and UTS
  namespaces; it talks to the grader over unix sockets (Jupyter's ``ipc`` transport);
* has rlimits on address space, CPU seconds, processes, file size, open files, no core;
* dies with the launcher (``--die-with-parent``, and a PID namespace whose init is
  bwrap's), and the launcher dies with the grading process (``PR_SET_PDEATHSIG``).

Standard library only. ``course.sandbox_kernel.host`` installs the kernelspec and checks the machine.
"""

import argparse
import ctypes
import fcntl
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time


def _names():
    # This file runs as a script under `python -I` (the kernelspec names it by path), where
    # no package import works: read the shared names from the file beside it.
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.realpath(__file__)), "names.py")
    spec = importlib.util.spec_from_file_location("course_sandbox_names", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GUARD_EXTENSION = _names().GUARD_EXTENSION

# Without root: the user namespace maps the grader to this uid/gid inside.
SANDBOX_UID = 65534
SANDBOX_GID = 65534
# As root: kernel N of those running at once gets uid and gid UID_BASE + N (N < UID_SLOTS).
# The range is far above any account's uid (useradd stops at 60000, subordinate uids
# for containers usually start at 100000 and take 65536 each).
UID_BASE = 1_900_000_000
UID_SLOTS = 4096
# Where the course package the grader runs is bound inside the sandbox (on PYTHONPATH).
COURSE_LIB_INSIDE = "/run/course-lib"
KERNEL_JSON_INSIDE = "/run/course-kernel/connection.json"
# matplotlib's configuration and cache folder inside (writable: it is in the private /tmp).
MPL_CONFIG_INSIDE = "/tmp/.matplotlib"

# Defaults; the kernelspec argv and COURSE_SANDBOX_* environment variables override them.
DEFAULTS = {
    "memory": "4G",      # RLIMIT_AS: address space
    "cpu": "900",        # RLIMIT_CPU: CPU seconds for the whole notebook (soft; +5 s hard)
    "nproc": "256",      # RLIMIT_NPROC: processes and threads of uid 65534
    "fsize": "512M",     # RLIMIT_FSIZE: largest file the kernel may write
    "nofile": "1024",    # RLIMIT_NOFILE
    "tmp_size": "256M",  # size of the private /tmp (tmpfs: it is RAM, not covered by RLIMIT_AS)
    # The kernel's working folder is a tmpfs of this size holding the submission's files
    # (read-only): what the kernel writes there is capped in total, and none of it reaches
    # the disk or the autograded/ folder.
    "work_size": "256M",
}

# Environment passed into the sandbox (everything else is dropped).
PASS_ENV = (
    "LANG", "LC_ALL", "LC_CTYPE", "TZ",
    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
    "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
    "NBGRADER_EXECUTION", "PYDEVD_DISABLE_FILE_VALIDATION", "JPY_SESSION_NAME",
    "COURSE_KERNEL_MAX_OUTPUT_BYTES",
)



def passwd_text(uid):
    return ("root:x:0:0:root:/root:/usr/sbin/nologin\n"
            f"student:x:{uid}:{uid}:student:/tmp:/usr/sbin/nologin\n")


def group_text(gid):
    return f"root:x:0:\nstudent:x:{gid}:\n"

# Files in the submission folder a course root has and a submission folder never has:
# refuse to expose such a folder read-write.
COURSE_ROOT_MARKERS = ("nbgrader_config.py", "gradebook.db")


class SandboxError(RuntimeError):
    """The sandbox cannot be set up; the message says why and what to do."""


def parse_size(text):
    """'4G' -> bytes; plain numbers are bytes. 'unlimited' or '-1' -> -1."""
    text = str(text).strip()
    if text.lower() in ("unlimited", "-1", "none", ""):
        return -1
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?", text, re.IGNORECASE)
    if not m:
        raise SandboxError(f"cannot read the size {text!r} (use e.g. 4G, 512M, 1048576)")
    factor = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[m.group(2).lower()]
    return int(float(m.group(1)) * factor)


def parse_count(text):
    text = str(text).strip()
    if text.lower() in ("unlimited", "-1", "none", ""):
        return -1
    if not text.isdigit():
        raise SandboxError(f"cannot read the number {text!r}")
    return int(text)


def settings_from(args_values, environ=os.environ):
    """Merge defaults, kernelspec argv values and COURSE_SANDBOX_<NAME> environment overrides."""
    out = {}
    for name, default in DEFAULTS.items():
        value = environ.get("COURSE_SANDBOX_" + name.upper())
        if value is None:
            value = args_values.get(name)
        if value is None:
            value = default
        out[name] = value
    return {
        "memory": parse_size(out["memory"]),
        "cpu": parse_count(out["cpu"]),
        "nproc": parse_count(out["nproc"]),
        "fsize": parse_size(out["fsize"]),
        "nofile": parse_count(out["nofile"]),
        "tmp_size": parse_size(out["tmp_size"]),
        "work_size": parse_size(out["work_size"]),
    }


def course_package_dir():
    """The folder of the ``course`` package this launcher belongs to: the one the grader
    runs, since its kernelspec names this very file (whatever an editable finder or
    site-packages would import under that name)."""
    folder = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    if not os.path.isfile(os.path.join(folder, "sandbox_kernel", "guard.py")):
        raise SandboxError(f"{folder} does not look like the course package (no sandbox_kernel/guard.py)")
    return folder


def _looks_like_course_root(path):
    """A folder that holds a course's private files: never exposed to student code."""
    return any(os.path.exists(os.path.join(path, name))
               for name in ("nbgrader_config.py", "gradebook.db", "source", "submitted", "autograded"))


def _editable_paths():
    """Package folders that setuptools' editable finders (``__editable___*_finder``, loaded
    from a .pth file at start-up) map module names to."""
    out = []
    for name, module in list(sys.modules.items()):
        mapping = getattr(module, "MAPPING", None) if name.startswith("__editable__") else None
        if isinstance(mapping, dict):
            out += [p for p in mapping.values() if isinstance(p, str)]
    return out


def readonly_paths(environ=os.environ):
    """The folders the kernel needs read-only to run Python with numpy and the course.

    Found from this interpreter: the venv (``sys.prefix``) and the installation it is
    built on (``sys.base_prefix``); every ``sys.path`` folder outside those (a .pth
    file's, a second site-packages) unless it is a course folder or the current one;
    the folders editable finders map packages to. Returns (paths, course_dir); the
    course package is bound separately at COURSE_LIB_INSIDE so that the kernel imports
    the very copy the grader runs, whatever an editable finder says.
    """
    course_dir = course_package_dir()
    candidates = [os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)]
    here = os.path.realpath(os.getcwd())
    for entry in sys.path:
        if not entry:
            continue  # '' is the current folder
        real = os.path.realpath(entry)
        if real == here or not os.path.isdir(real):
            continue
        # A folder of a course checkout (its tests/, its root) is not for student code;
        # a site-packages inside one (a venv kept in the checkout) is.
        in_site = any(part in ("site-packages", "dist-packages") for part in real.split(os.sep))
        if not in_site and any(_looks_like_course_root(p) for p in [real] + _parents(real)):
            continue
        candidates.append(real)
    for path in _editable_paths():
        real = os.path.realpath(path)
        if os.path.isdir(real) and not _looks_like_course_root(real):
            candidates.append(real)
    out = []
    # Shortest first, so that a folder inside one already bound is dropped.
    for p in sorted(set(candidates), key=lambda p: (len(p), p)):
        if p in ("/", "/usr") or p.startswith("/usr/") or p.startswith("/proc") or p.startswith("/dev"):
            continue  # /usr is bound anyway; / would expose everything
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return out, course_dir


def state_dir():
    """Grader-owned folder holding one private ipc folder per running sandboxed kernel."""
    path = os.path.join(tempfile.gettempdir(), f"course-sandbox-{os.geteuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise SandboxError(f"{path} is not a folder owned by uid {os.geteuid()}: refusing to use it")
    os.chmod(path, 0o711)
    return path


def matplotlib_font_list(root):
    """Host paths of matplotlib's font list (``fontlist-v*.json``) for the matplotlib the
    kernel imports, built on first use into the grader-owned folder ``root``; [] when
    there is no matplotlib or the list could not be built (the kernel then builds its own).

    Every graded notebook that imports pyplot would otherwise rebuild it in its empty
    /tmp (fc-list and a scan of every font file: a quarter of a CPU second each time).
    It is built once by a trusted process that sees the same fonts as the kernel (the
    system's, matplotlib's own; an empty HOME) and shown to each kernel read-only: a
    shared writable copy would let one submission change another's plots.
    """
    try:
        spec = importlib.util.find_spec("matplotlib")
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.origin:
        return []
    origin = os.path.realpath(spec.origin)
    st = os.stat(origin)
    key = hashlib.sha256(f"{origin}\0{st.st_mtime_ns}\0{st.st_size}".encode()).hexdigest()[:16]
    final = os.path.join(root, f"matplotlib-{key}")
    if not os.path.isdir(final):
        work = tempfile.mkdtemp(prefix="matplotlib-build-", dir=root)
        try:
            home, cache = os.path.join(work, "home"), os.path.join(work, "cache")
            os.mkdir(home)
            os.mkdir(cache)
            python = os.path.join(os.path.realpath(sys.prefix), "bin", "python")
            subprocess.run([python, "-I", "-c", "import matplotlib.font_manager"], cwd=work, timeout=300,
                           env={"PATH": "/usr/bin:/bin", "HOME": home, "MPLCONFIGDIR": cache, "LANG": "C.UTF-8"},
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            built = [n for n in os.listdir(cache) if n.startswith("fontlist-") and n.endswith(".json")]
            if built:
                for name in os.listdir(cache):
                    os.chmod(os.path.join(cache, name), 0o644)
                os.chmod(cache, 0o755)
                try:
                    os.rename(cache, final)
                except OSError:
                    pass  # another launcher built it at the same time: theirs is used
        except (OSError, subprocess.SubprocessError):
            pass
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if not os.path.isdir(final):
        return []
    return [os.path.join(final, n) for n in sorted(os.listdir(final))
            if n.startswith("fontlist-") and n.endswith(".json")]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(root):
    """Remove private ipc folders of kernels that are gone (named k<pid>-...)."""
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        m = re.fullmatch(r"k(\d+)-\w+", name)
        if m and not _pid_alive(int(m.group(1))):
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
    logs = os.path.join(root, "logs")
    for name in os.listdir(logs) if os.path.isdir(logs) else []:
        m = re.fullmatch(r"k(\d+)\.log", name)
        path = os.path.join(logs, name)
        try:
            # Kept ten minutes after the kernel is gone: the grader reads the end of
            # the log of a kernel that failed to start.
            if m and not _pid_alive(int(m.group(1))) and time.time() - os.path.getmtime(path) > 600:
                os.unlink(path)
        except OSError:
            pass


def log_path(root, pid):
    """Where the kernel started by launcher ``pid`` writes its stdout and stderr."""
    return os.path.join(root, "logs", f"k{pid}.log")


def log_tail(pid, lines=3, root=None):
    """The last lines of a kernel's log ('' if there is none)."""
    try:
        with open(log_path(root or state_dir(), pid), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join([line for line in text.splitlines() if line.strip()][-lines:])


def _redirect_output(root):
    """Send what the kernel writes to its stdout and stderr (ipykernel's own warnings,
    a student's os.write(2, ...)) to a log file instead of the grader's terminal.
    The kernel's RLIMIT_FSIZE caps the file; errors of this launcher came before."""
    os.makedirs(os.path.join(root, "logs"), mode=0o700, exist_ok=True)
    fd = os.open(log_path(root, os.getpid()), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _uids_in_use():
    """Real uids of the processes on this machine."""
    uids = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/status") as f:
                    for line in f:
                        if line.startswith("Uid:"):
                            uids.add(int(line.split()[1]))
                            break
            except OSError:
                pass
    return uids


def allocate_uid(root, pid=None):
    """A uid of UID_BASE + N that no running kernel and no process uses, reserved for
    process ``pid`` (default this one: the launcher, whose pid bwrap keeps after exec)
    until it is gone. Reservations are files ``<root>/uids/<uid>`` holding the pid,
    taken under a lock so that two kernels starting at once never share a uid."""
    pid = pid or os.getpid()
    folder = os.path.join(root, "uids")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    with open(os.path.join(root, "uids.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        taken = set()
        for name in os.listdir(folder):
            try:
                with open(os.path.join(folder, name)) as f:
                    holder = int(f.read().strip() or 0)
            except (OSError, ValueError):
                continue
            if holder and holder != pid and _pid_alive(holder):
                taken.add(int(name))
            else:
                os.unlink(os.path.join(folder, name))
        busy = _uids_in_use()
        for uid in range(UID_BASE, UID_BASE + UID_SLOTS):
            if uid not in taken and uid not in busy:
                with open(os.path.join(folder, str(uid)), "w") as f:
                    f.write(str(pid))
                return uid
    raise SandboxError(f"all {UID_SLOTS} sandbox uids are in use: too many kernels at once")


def release_uids(root, pid=None):
    """Drop the uid reservations held by ``pid`` (default this process): for a caller
    that ran the sandbox as a child (the probe) rather than exec'ing it."""
    pid = pid or os.getpid()
    folder = os.path.join(root, "uids")
    with open(os.path.join(root, "uids.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            try:
                with open(os.path.join(folder, name)) as f:
                    if int(f.read().strip() or 0) == pid:
                        os.unlink(os.path.join(folder, name))
            except (OSError, ValueError):
                pass


def read_connection(path):
    with open(path) as f:
        info = json.load(f)
    if info.get("transport") != "ipc":
        raise SandboxError(
            "the sandboxed kernel has no network, so it must talk to Jupyter over unix "
            "sockets: set  c.KernelManager.transport = 'ipc'  and an absolute "
            "c.KernelManager.ip (see course.nbgrader_plugins.grading_config.NBGRADER_CONFIG)"
        )
    ip = info.get("ip", "")
    if not os.path.isabs(ip):
        raise SandboxError(
            f"the ipc socket path {ip!r} is relative: the kernel and the grader run in "
            "different folders. Set an absolute c.KernelManager.ip (see course.sandbox_kernel.host)."
        )
    return info


def ipc_ports(info):
    return [int(info[k]) for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]


def prepare_ipc(info, root, privileged, uid=SANDBOX_UID):
    """Make the private folder the kernel binds its sockets in, and link the client's paths to it.

    The grader connects to ``<ip>-<port>``. Inside the sandbox a private folder is mounted
    over ``dirname(ip)``, so the kernel's sockets land in that private folder; the links
    created here at ``<ip>-<port>`` on the host point the grader at them. The kernel sees
    nothing of the host folder (which may be Jupyter's runtime folder, with other
    kernels' connection files).
    """
    ip = info["ip"]
    host_dir, base = os.path.split(ip)
    os.makedirs(host_dir, mode=0o700, exist_ok=True)
    private = tempfile.mkdtemp(prefix=f"k{os.getpid()}-", dir=root)
    if privileged:
        os.chown(private, uid, uid)
    os.chmod(private, 0o700)
    for port in ipc_ports(info):
        link = f"{ip}-{port}"
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.join(private, f"{base}-{port}"), link)
    return host_dir, private


def check_workdir(cwd, exposed_ro):
    real = os.path.realpath(cwd)
    if real == "/" or real == os.path.realpath(os.path.expanduser("~")):
        raise SandboxError(f"refusing to expose {real} read-write to student code")
    for marker in COURSE_ROOT_MARKERS:
        if os.path.exists(os.path.join(real, marker)):
            raise SandboxError(
                f"{real} holds {marker}: it looks like a course root, not a submission "
                "folder; the sandboxed kernel only runs in autograded/<student>/<assignment>"
            )
    for path in exposed_ro:
        if path == real or path.startswith(real.rstrip("/") + "/"):
            raise SandboxError(f"the working folder {real} contains {path}: refusing")
    return real


def _parents(path):
    out = []
    p = os.path.dirname(path)
    while p not in ("/", ""):
        out.append(p)
        p = os.path.dirname(p)
    return list(reversed(out))


def workdir_entries(cwd):
    """Names in the submission folder the kernel may read: regular files and folders,
    not notebooks, not links (nothing outside the folder), not what was set aside."""
    out = []
    for name in sorted(os.listdir(cwd)):
        st = os.lstat(os.path.join(cwd, name))
        if name.endswith(".ipynb") or name == ".set-aside":
            continue
        if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
            out.append(name)
    return out


def build_bwrap_argv(*, bwrap, setpriv, prlimit, privileged, limits, cwd, ro_paths,
                     ipc_host_dir, ipc_private, conn_fd, passwd_fd, group_fd,
                     kernel_argv, env, uid=SANDBOX_UID, course_dir=None, work_entries=None, font_list=()):
    """The full command line; pure function of its inputs (tested directly).

    uid: the kernel's uid (and gid) when privileged. course_dir: the course package,
    bound at COURSE_LIB_INSIDE/course. work_entries: names in ``cwd`` to show the
    kernel read-only (default: every file and folder but notebooks and links).
    font_list: matplotlib's font list files (matplotlib_font_list), shown read-only in
    MPL_CONFIG_INSIDE."""
    a = [bwrap]
    if not privileged:
        a += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID),
              "--disable-userns"]
    a += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
          "--unshare-cgroup-try", "--die-with-parent", "--hostname", "grading"]

    # A new, empty root; bwrap makes missing parents 0700, so create them 0755 first.
    made = set()

    def mkdirs(path):
        for p in _parents(path) + [path]:
            if p not in made:
                made.add(p)
                a.extend(["--perms", "0755", "--dir", p])

    a += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = "/" + name
        if os.path.islink(host):
            a += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            a += ["--ro-bind", host, host]
    # /etc/fonts: matplotlib asks fontconfig (fc-list) for fonts, which prints
    # "Fontconfig error" without its configuration, or when /etc is not readable.
    mkdirs("/etc")
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf", "/etc/fonts"):
        if os.path.exists(etc):
            a += ["--ro-bind", etc, etc]
    a += ["--perms", "0644", "--ro-bind-data", str(passwd_fd), "/etc/passwd"]
    a += ["--perms", "0644", "--ro-bind-data", str(group_fd), "/etc/group"]
    a += ["--proc", "/proc", "--dev", "/dev"]
    a += ["--perms", "1777", "--size", str(limits["tmp_size"]), "--tmpfs", "/tmp"]
    a += ["--perms", "1777", "--size", str(1 << 20), "--tmpfs", "/dev/shm"]
    if font_list:
        a += ["--perms", "1777", "--dir", MPL_CONFIG_INSIDE]
        for path in font_list:
            a += ["--ro-bind", path, os.path.join(MPL_CONFIG_INSIDE, os.path.basename(path))]

    for path in ro_paths:
        mkdirs(os.path.dirname(path))
        a += ["--ro-bind", path, path]
    if course_dir:
        mkdirs(COURSE_LIB_INSIDE)
        a += ["--ro-bind", course_dir, COURSE_LIB_INSIDE + "/course"]

    # The working folder: a tmpfs of its own size (the disk quota), at the submission
    # folder's path, showing the submission's files read-only. The notebooks are left
    # out: they hold the restored test cells, hidden tests included, while grading.
    mkdirs(os.path.dirname(cwd))
    a += ["--perms", "1777", "--size", str(max(limits["work_size"], 1 << 20)), "--tmpfs", cwd]
    if work_entries is None:
        work_entries = workdir_entries(cwd)
    for name in work_entries:
        a += ["--ro-bind", os.path.join(cwd, name), os.path.join(cwd, name)]

    mkdirs(os.path.dirname(ipc_host_dir))
    a += ["--bind", ipc_private, ipc_host_dir]
    mkdirs(os.path.dirname(KERNEL_JSON_INSIDE))
    a += ["--perms", "0444", "--ro-bind-data", str(conn_fd), KERNEL_JSON_INSIDE]
    # Nothing else in the new root is writable (matters without root: it belongs to
    # the sandbox user then).
    a += ["--remount-ro", "/"]

    a += ["--chdir", cwd, "--clearenv"]
    for key, value in env.items():
        a += ["--setenv", key, value]
    a.append("--")

    if privileged:
        a += [setpriv, "--reuid", str(uid), "--regid", str(uid),
              "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
              "--"]

    def lim(value):
        return "unlimited" if value < 0 else str(value)

    cpu = limits["cpu"]
    a += [prlimit,
          f"--as={lim(limits['memory'])}",
          f"--cpu={lim(cpu)}:{'unlimited' if cpu < 0 else cpu + 5}",
          f"--nproc={lim(limits['nproc'])}",
          f"--fsize={lim(limits['fsize'])}",
          f"--nofile={lim(limits['nofile'])}",
          "--core=0",
          "--"]
    a += kernel_argv
    return a


def sandbox_env(environ=os.environ):
    venv_bin = os.path.join(os.path.realpath(sys.prefix), "bin")
    env = {
        "PATH": venv_bin + ":/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "USER": "nobody",
        "LOGNAME": "nobody",
        "MPLCONFIGDIR": MPL_CONFIG_INSIDE,
        "IPYTHONDIR": "/tmp/.ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter-runtime",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
        "COURSE_SANDBOXED": "1",
        # ipykernel watches JPY_PARENT_PID and exits when it goes away; the grader's pid
        # means nothing inside the PID namespace (bwrap's --die-with-parent does that job).
        # 1 turns the watcher off, and the "Ctrl-C will not work" banner with it.
        "JPY_PARENT_PID": "1",
    }
    for key in PASS_ENV:
        if key in environ:
            env[key] = environ[key]
    # Grading runs one kernel per worker, as many workers as cores: more BLAS
    # threads than that oversubscribe the CPU (one matrix product measured 30x
    # slower), unless the grader's environment says otherwise.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


# What `python -m ipykernel_launcher` runs (the submission folder off sys.path while ipykernel
# loads), with the debugger left out: ipykernel imports debugpy at start-up when it is
# installed, which costs a quarter of a kernel's start (0.08 CPU-s), and nothing debugs a
# grading kernel.
KERNEL_MAIN = ("import sys\n"
               "if sys.path and sys.path[0] == '':\n"
               "    del sys.path[0]\n"
               "sys.modules['debugpy'] = None\n"
               "from ipykernel import kernelapp\n"
               "kernelapp.launch_new_instance()\n")


def kernel_command(extra):
    argv = [os.path.join(os.path.realpath(sys.prefix), "bin", "python"),
            "-c", KERNEL_MAIN, "-f", KERNEL_JSON_INSIDE,
            "--HistoryManager.enabled=False"]
    guard = "--ext=" + GUARD_EXTENSION
    argv += [x for x in extra if x != guard]
    argv.append(guard)
    return argv


def _data_fd(text):
    r, w = os.pipe()
    os.write(w, text.encode())
    os.close(w)
    os.set_inheritable(r, True)
    return r


def _die_with_parent():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


def tools():
    found = {}
    for name in ("bwrap", "setpriv", "prlimit"):
        # COURSE_SANDBOX_BWRAP: a bubblewrap installed elsewhere (e.g. /opt/bin/bwrap).
        override = os.environ.get("COURSE_SANDBOX_" + name.upper()) if name == "bwrap" else None
        path = override if override and os.access(override, os.X_OK) else None if override else \
            shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin:" + os.environ.get("PATH", ""))
        if path is None:
            pkg = {"bwrap": "bubblewrap"}.get(name, "util-linux")
            raise SandboxError(f"{name} is not installed (Debian package {pkg}; run scripts/install-system-deps.sh)")
        found[name] = os.path.realpath(path)
    return found


def prepare(connection_file, extra, limit_args, cwd=None, environ=os.environ, kernel_argv=None):
    """Everything but the exec: returns the argv. Used by main() and by the self-test
    (which passes its own ``kernel_argv``, a probe, instead of ipykernel)."""
    limits = settings_from(limit_args, environ)
    t = tools()
    privileged = os.geteuid() == 0
    ro_paths, course_dir = readonly_paths()
    cwd = check_workdir(cwd or os.getcwd(), ro_paths + [course_dir])

    info = read_connection(connection_file)
    root = state_dir()
    clean_stale(root)
    uid = allocate_uid(root) if privileged else SANDBOX_UID
    ipc_host_dir, ipc_private = prepare_ipc(info, root, privileged, uid)
    if ipc_host_dir == cwd or ipc_host_dir.startswith(cwd + "/") or cwd.startswith(ipc_host_dir + "/"):
        raise SandboxError(f"the ipc folder {ipc_host_dir} overlaps the submission folder {cwd}")

    with open(connection_file) as f:
        conn_text = f.read()
    env = sandbox_env(environ)
    env["PYTHONPATH"] = COURSE_LIB_INSIDE
    argv = build_bwrap_argv(
        bwrap=t["bwrap"], setpriv=t["setpriv"], prlimit=t["prlimit"], privileged=privileged,
        limits=limits, cwd=cwd, ro_paths=ro_paths, ipc_host_dir=ipc_host_dir,
        ipc_private=ipc_private, conn_fd=_data_fd(conn_text), passwd_fd=_data_fd(passwd_text(uid)),
        group_fd=_data_fd(group_text(uid)), kernel_argv=kernel_argv or kernel_command(extra),
        env=env, uid=uid, course_dir=course_dir, font_list=matplotlib_font_list(root),
    )
    return argv


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m course.sandbox_kernel", add_help=True, allow_abbrev=False)
    p.add_argument("-f", dest="connection_file", required=True)
    for name in DEFAULTS:
        p.add_argument("--" + name.replace("_", "-"), dest=name, default=None)
    return p.parse_known_args(argv)


def main(argv=None):
    args, extra = parse_args(sys.argv[1:] if argv is None else argv)
    limit_args = {name: getattr(args, name) for name in DEFAULTS}
    try:
        cmd = prepare(args.connection_file, extra, limit_args)
    except (SandboxError, OSError) as e:
        print(f"course-sandbox: cannot start the sandboxed kernel: {e}", file=sys.stderr)
        return 3
    # Jupyter interrupts a kernel by sending SIGINT to its whole process group: bwrap
    # must not die of it (the kernel's own handler deals with it).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if os.environ.get("COURSE_SANDBOX_KERNEL_OUTPUT") != "terminal":
        _redirect_output(state_dir())
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    sys.exit(main())
