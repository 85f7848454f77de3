"""Backpropagation from scratch: helpers for students and the instructor pipeline.

Students import the helpers (``course.gradcheck``, ``course.data``,
``course.env``, ``course.trusted``: numpy and scikit-learn only); instructors
run ``python -m course COMMAND``, whose modules build on ``course.course_dir``
(the course folder, its configuration, nbgrader's API and gradebook). Nothing
in this package holds a solution to any assignment.
"""

__version__ = "0.1.0"
