"""Backpropagation from scratch: helpers for students and the instructor's tools.

Where each part runs:

- ``course.gradcheck``, ``course.data``, ``course.env``, ``course.trusted``: what the
  notebooks import, in the students' environment and in the grading kernel (numpy and
  scikit-learn only);
- ``course.sandbox_kernel``: the sandboxed grading kernel: its names, its launcher
  (bubblewrap), the guard every grading kernel loads, and ``host`` (is the sandbox
  available here, its kernelspec); standard library only;
- ``course.nbgrader_plugins``: the classes nbgrader_config.py names, loaded by nbgrader;
- ``course.admin``: the instructor's command line, ``python -m course COMMAND``.

Imports go one way: admin -> nbgrader_plugins -> sandbox_kernel, and nothing imports
admin but admin. Nothing in this package holds a solution to any assignment.
"""

__version__ = "0.1.0"
