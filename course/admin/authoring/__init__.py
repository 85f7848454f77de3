"""For course authors: ``samples`` (sample submissions from the bug and variant
catalogues in catalogues/), ``mutate`` and ``mutants`` (the mutation score),
``release_check`` (leaks and drift between source/ and release/), ``tiny_course``
(a one-notebook course for trying the pipeline and its benchmarks)."""
