"""Getting assignments to students and their work back: ``exchange`` (release, collect),
``lms`` (collect-zip from Canvas, Moodle, ...), ``roster`` (the class list), ``late``
(due dates, extensions and penalties on the command line)."""
