"""Grading: ``pipeline.grade`` takes each submission through ``status.precheck`` (intake,
``repair``), ``autograde.autograde_one`` (nbgrader autograde in the sandboxed kernel, with
the static ``audit``) and ``status.classify``, and records its status; ``pool`` runs many
in local processes and ``scale`` on a Dask cluster, both through ``autograde_one``."""
