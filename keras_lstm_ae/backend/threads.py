"""How many CPU threads a fit or an inference uses, for its duration only.

Torch's CPU kernels run on a pool of threads, one per core by default, that
wait for each other at every operation. A small recurrent model does many
small operations, so when another program is busy on the same cores, every
step waits for the thread that was descheduled: on 2 shared cores, a fit ran
7x slower on torch's 2 threads than on 1. `thread_limit` sets torch's pool
(`torch.set_num_threads`) and the BLAS and OpenMP pools of the process
(`threadpoolctl`) for a block and restores them after, so nothing global
changes behind the caller's back.

On JAX and TensorFlow, the thread pools are fixed when the backend starts
(`XLA_FLAGS`, `TF_NUM_INTRAOP_THREADS`); there, only the BLAS and OpenMP
pools are limited.
"""

import contextlib
import functools
import numbers
import os

import keras

# The default: measured with `benchmarks/bench_threads.py` (its table is in
# docs/benchmarks.md): one thread is as fast as two for the estimators' models on an
# idle machine and up to 7x faster beside a busy process.
DEFAULT_THREADS = 1


def available_cores():
    """The cores this process may run on (its CPU affinity where known)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def resolve_n_jobs(n_jobs, name="n_jobs"):
    """The number of threads `n_jobs` asks for, scikit-learn's way.

    Args:
        n_jobs: `None` for the default (`DEFAULT_THREADS`), a positive
            integer, or a negative one counting back from all cores (`-1`:
            all of them, `-2`: all but one).
        name: The argument's name, for the error message.

    Returns:
        A positive integer.

    Raises:
        TypeError: If `n_jobs` is not an integer or `None`.
        ValueError: If it is 0, or asks for fewer than one thread.

    Example:

    >>> resolve_n_jobs(None), resolve_n_jobs(3)
    (1, 3)
    """
    if n_jobs is None:
        return DEFAULT_THREADS
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer or None; got {n_jobs!r}.")
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError(
            f"`{name}` must be a positive number of threads, -1 for all cores, "
            "or None for the default; got 0."
        )
    threads = n_jobs if n_jobs > 0 else available_cores() + 1 + n_jobs
    if threads < 1:
        raise ValueError(
            f"`{name}={n_jobs}` leaves no thread: this machine has "
            f"{available_cores()} cores."
        )
    return threads


@contextlib.contextmanager
def thread_limit(n_jobs=None):
    """Runs the block on `n_jobs` CPU threads, then restores the previous counts.

    Args:
        n_jobs: As for `resolve_n_jobs`: `None` for the default (1), a
            number of threads, or `-1` for all cores.

    Example:

    >>> import keras_lstm_ae as lae
    >>> with lae.thread_limit(1):
    ...     pass  # ae.fit(...), encoder.predict(...)
    """
    threads = resolve_n_jobs(n_jobs)
    with _controller().limit(limits=threads), _torch_threads(threads):
        yield


@functools.cache
def _controller():
    """The process's BLAS and OpenMP pools, found once.

    Finding them reads every loaded library (about 1 ms); limiting them is
    20 microseconds, so that a `transform` of one sequence pays no more. A
    pool loaded after the first call is left as it is.
    """
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextlib.contextmanager
def _torch_threads(threads):
    if keras.backend.backend() != "torch":
        yield
        return
    import torch

    previous = torch.get_num_threads()
    if previous != threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
