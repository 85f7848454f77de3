"""For course authors: ``samples`` (sample submissions from the bug and variant
catalogues), ``mutate`` and ``mutants`` (the mutation score), ``release_check``
(leaks and drift between source/ and release/)."""
