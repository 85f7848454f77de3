"""The sandboxed kernel's names, defined once: the grader, the kernelspec and the launcher use them."""

KERNEL_NAME = "course-sandbox"
DISPLAY_NAME = "Python 3 (course grading sandbox)"
# The IPython extension every grading kernel loads (``--ext=...``), sandboxed or not.
GUARD_EXTENSION = "course.sandbox_kernel.guard"
# COURSE_SANDBOX values that turn the sandbox off (anything else, or unset, keeps it on).
OFF_VALUES = ("off", "0", "no", "false", "none")
