"""Backpropagation from scratch: helpers for students and the instructor pipeline.

Students import the helpers (``course.gradcheck``, ``course.data``,
``course.plots``); instructors run ``python -m course COMMAND``. Nothing in
this package holds a solution to any assignment.
"""

__version__ = "0.1.0"
