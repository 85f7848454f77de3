"""The grading configuration nbgrader_config.py applies: which kernel, which preprocessors.

:func:`configure_nbgrader` sets it on nbgrader's config object; :data:`NBGRADER_CONFIG`
is the same as lines to copy into another course's nbgrader_config.py. Nothing is
probed, installed or created here: loading the configuration changes nothing on disk.
"""

from course.sandbox_kernel.names import GUARD_EXTENSION, KERNEL_NAME, OFF_VALUES  # noqa: F401 (nbgrader_config.py reads OFF_VALUES here)

AUTOGRADE_PREPROCESSORS = [
    "course.nbgrader_plugins.execute.GuardedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "course.nbgrader_plugins.execute.CappedOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "course.nbgrader_plugins.cell_metadata.CheckCellMetadata",
]
# nbgrader's own sanitizing pass, with the same CheckCellMetadata (its schema checked once).
SANITIZE_PREPROCESSORS = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "course.nbgrader_plugins.cell_metadata.CheckCellMetadata",
]

# The lines the grading configuration needs (what configure_nbgrader() sets), for
# nbgrader_config.py.
NBGRADER_CONFIG = '''\
# Student code runs in the sandboxed kernel (course/sandbox_kernel/); it has no network, so
# Jupyter talks to it over unix sockets. GuardedExecute gives each kernel its own socket
# prefix under /tmp/course-ipc-<uid>/<pid>/, created when the kernel starts.
c.GuardedExecute.kernel_name = "course-sandbox"
c.KernelManager.transport = "ipc"
c.GuardedExecute.require_sandbox = True
# Kernel-side guard (timeouts that survive `except KeyboardInterrupt`, output cap),
# also loaded by the unsandboxed python3 kernel when the sandbox is turned off.
c.GuardedExecute.extra_arguments = ["--ext=course.sandbox_kernel.guard"]
# Execute that grades a notebook up to a crash; output capped by bytes too.
c.Autograde.autograde_preprocessors = [
''' + "".join(f'    "{name}",\n' for name in AUTOGRADE_PREPROCESSORS) + ''']
c.Autograde.sanitize_preprocessors = [
''' + "".join(f'    "{name}",\n' for name in SANITIZE_PREPROCESSORS) + ''']
c.CappedOutput.max_bytes = 65536
'''


def configure_nbgrader(c, sandbox=True, max_bytes=65536, time_budget=300):
    """Set the grading configuration on nbgrader's config object ``c``.

    ``sandbox``: False turns it off; anything else selects the sandboxed kernel and makes
    GuardedExecute refuse any other. Nothing is probed, installed or created here:
    ``python -m course grade`` calls ``course.sandbox_kernel.host.require`` first, and without a working sandbox the kernel cannot start,
    so plain ``nbgrader autograde`` records no grade either.
    Returns (sandboxed, reason) for the run's report.
    """
    c.GuardedExecute.extra_arguments = ["--ext=" + GUARD_EXTENSION]
    c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
    c.Autograde.sanitize_preprocessors = list(SANITIZE_PREPROCESSORS)
    c.CappedOutput.max_bytes = max_bytes
    c.GuardedExecute.time_budget = time_budget
    if sandbox is False:
        c.GuardedExecute.require_sandbox = False
        return False, "sandbox turned off in the configuration"
    # Only autograding (course.nbgrader_plugins.execute.GuardedExecute) runs in the sandbox; `nbgrader
    # validate` and other tools keep the instructor's own kernel.
    c.GuardedExecute.kernel_name = KERNEL_NAME
    c.GuardedExecute.require_sandbox = True
    # The socket path itself is chosen per kernel when it starts (GuardedExecute), so that
    # loading this configuration creates no folder.
    c.KernelManager.transport = "ipc"
    return True, "sandbox selected"
