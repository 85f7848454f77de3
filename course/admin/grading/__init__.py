"""Grading: ``pipeline.grade`` runs nbgrader's autograde on each submission
(``autograde.autograde_one``, through nbgrader's API as the formgrader's button does); intake,
mending, the audit and the statuses happen inside nbgrader, through the plugins
nbgrader_config.py names (course.nbgrader_plugins.autograde_guard). ``pool`` runs many in
local processes and ``scale`` on a Dask cluster; ``status`` keeps what comes back."""
