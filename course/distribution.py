"""Getting assignments to students and their work back, and when it is due.

One registration point for the distribution commands, each in a module with one job:

- course.exchange: ``release``, ``collect`` (nbgrader's exchange, with the permissions it needs);
- course.lms:      ``collect-zip`` (a zip downloaded from Canvas, Moodle, ...);
- course.roster:   ``students import`` / ``students list`` (the class list in the gradebook);
- course.late:     ``late`` (due dates, extensions, late penalties; also nbgrader's late plugin).
"""

from . import exchange, late, lms, roster


def add_commands(sub):
    for module in (exchange, lms, roster, late):
        module.add_commands(sub)
