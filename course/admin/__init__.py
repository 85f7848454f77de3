"""The instructor's tools: ``python -m course COMMAND`` (``cli``).

- ``course_dir``: the bottom layer (the course folder, its configuration, nbgrader's API
  and gradebook); it imports nothing else from the package;
- ``grading``: precheck, autograde, classify and record one submission, and many at once
  (local processes or Dask);
- ``distribution``: release and collect (exchange, LMS zip), the roster, late work;
- ``results``: grades and their export, feedback pages, the class report;
- ``authoring``: sample submissions, the mutation score, release checks.
"""
