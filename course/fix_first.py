"""Visible checks that skip, and say what to fix first, when an earlier function is wrong.

A visible test of a network calls the student's layers. When one of those fails its own
check, the network test must not fail for it (the layer's own test does): it says
"fix `dropout_forward` first" and skips. `guarded` gives stand-ins for
``course.trusted.test_scope`` that do this at the moment the network calls a layer, so
that only the layers the network really uses count (a network may use either of two
backward passes, say).
"""

import functools

import numpy as np

from course.gradcheck import eval_numerical_gradient_array, rel_error


class FixFirst(Exception):
    """The code under test called a function that fails its own check; str() is its name."""


def guarded(namespace, verdicts):
    """Stand-ins that call the student's functions only if they pass their own checks.

    Inputs:
    - namespace: the notebook's globals(), holding the student's functions
    - verdicts: {name: (passes, fix)}: whether namespace[name] passes its own check, and
      the name of the function to fix when it does not (a wrapper may fail because of
      the function it wraps)

    Returns {name: stand-in}, each with the signature of the function it wraps: it
    raises FixFirst(fix) when called if the function failed its check, and otherwise
    calls it.
    """
    standins = {}
    for name, (passes, fix) in verdicts.items():
        original = namespace[name]

        def standin(*args, _original=original, _passes=passes, _fix=fix, **kwargs):
            if not _passes:
                raise FixFirst(_fix)
            return _original(*args, **kwargs)

        standins[name] = functools.wraps(original)(standin)
    return standins


def passes(check):
    """True if check() returns without raising (a layer's own check, run quietly)."""
    try:
        check()
        return True
    except Exception:
        return False


def layer_consistent(forward, backward, inputs, param, tol=1e-6):
    """Do all of a layer's gradients match numeric ones of its own forward? (quietly)

    Inputs:
    - forward: forward(*inputs, param) -> (out, cache); backward(dout, cache) -> one
      gradient per input (a tuple), or the only one
    - inputs: tuple of float arrays; param: the layer's dict (a copy is passed each call)
    """
    try:
        out = forward(*inputs, dict(param))[0]
        dout = np.random.default_rng(1).standard_normal(np.shape(out))
        grads = backward(dout, forward(*inputs, dict(param))[1])
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(inputs):
            return False
        for k, grad in enumerate(grads):
            def f(v, k=k):
                args = list(inputs)
                args[k] = v
                return forward(*args, dict(param))[0]
            numeric = eval_numerical_gradient_array(f, np.array(inputs[k], dtype=float), dout)
            if np.shape(grad) != numeric.shape or rel_error(grad, numeric) > tol:
                return False
        return True
    except Exception:
        return False


__all__ = ["FixFirst", "guarded", "passes", "layer_consistent"]
