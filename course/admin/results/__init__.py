"""After grading: ``grades`` (the gradebook's scores, CSV export), ``feedback`` (pages for
students), ``report`` (the class report: which problems the class got wrong)."""
