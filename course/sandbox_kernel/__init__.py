"""The grading kernel's own pieces: the sandbox launcher (``launch``) and the guard
extension every grading kernel loads (``guard``). See ``course.sandbox_kernel.host``."""
