"""The sandboxed grading kernel: ``names`` (defined once), ``launch`` (the kernelspec's argv:
starts ipykernel inside bubblewrap), ``guard`` (the IPython extension every grading kernel
loads) and ``host`` (is the sandbox available here, its kernelspec). Standard library only,
but for ``guard`` (IPython, inside the kernel) and ``host``'s kernelspec lookup."""
