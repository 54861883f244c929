"""How many CPU threads a fit or an inference uses, for its duration only.

Torch's CPU kernels run on a pool of threads, one per core by default, that
wait for each other at every operation. A small recurrent model does many
small operations, so when another program is busy on the same cores, every
step waits for the thread that was descheduled: on 2 shared cores, a fit ran
7x slower on torch's 2 threads than on 1. On an idle machine more threads
are faster (up to 1.7x for a large model on 2 cores). So by default the
estimators use the cores no other program is using (`spare_core_threads`),
measured when a call starts and again every second of training
(`FollowSpareCores`).

`thread_limit` sets torch's pool (`torch.set_num_threads`) and the BLAS and
OpenMP pools of the process (`threadpoolctl`) for a block and restores them
after, so nothing global changes behind the caller's back.

On JAX and TensorFlow, the thread pools are fixed when the backend starts
(`XLA_FLAGS`, `TF_NUM_INTRAOP_THREADS`); there, only the BLAS and OpenMP
pools are limited.
"""

import contextlib
import functools
import math
import numbers
import os
import threading
import time

import keras

# How long a measurement of the load stands before it is read again, and the
# window of a fresh one: over 50 ms, /proc/stat gives a busy process as
# 0.98-1.09 cores on the 2-core machine of `benchmarks/bench_threads.py`.
RECHECK_SECONDS = 1.0
SHORTEST_WINDOW = 0.05
# A fit's first look comes sooner: a program started just before the fit may
# not have been busy yet in the 50 ms its call measured.
FIRST_RECHECK_SECONDS = 0.25
# Other programs using less than this many cores leave the machine idle.
IDLE_BELOW = 0.5


def available_cores():
    """The cores this process may run on: its CPU affinity, and at most its
    container's CPU quota (cgroup v2 `cpu.max`) where one is set."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    return max(1, min(cores, math.ceil(quota))) if quota else cores


def _cgroup_cpu_quota():
    try:
        with open("/sys/fs/cgroup/cpu.max") as file:
            quota, period = file.read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        return None


def threads_beside(busy_elsewhere, cores):
    """The threads to run on when other programs keep `busy_elsewhere` cores
    busy out of `cores`.

    Every core on an idle machine; beside busy programs, the cores they leave
    less one, kept free for their ups and downs, and at least one. A thread
    that shares its core with a busy program makes every other thread wait.

    Example:

    >>> threads_beside(0.1, 2), threads_beside(1.0, 2), threads_beside(1.0, 8)
    (2, 1, 6)
    """
    if busy_elsewhere < IDLE_BELOW:
        return cores
    return max(1, cores - math.ceil(busy_elsewhere) - 1)


class CoreMeter:
    """How many cores other programs keep busy, from Linux's `/proc/stat`.

    A reading compares the busy time of this process's cores at two moments,
    less this process's own CPU time in between: what is left is the other
    programs' work. `busy_elsewhere` reads a fresh 50 ms window; `since_last`
    compares with the previous reading, for a caller that reads regularly.

    Args:
        read_busy_seconds: A function returning the cores' busy CPU seconds
            since boot, or `None` where unknown; `/proc/stat`'s by default.
    """

    def __init__(self, read_busy_seconds=None):
        self._read_busy_seconds = read_busy_seconds or _busy_seconds
        self._last = None
        self._last_value = None
        self._lock = threading.Lock()

    def busy_elsewhere(self, max_age=0.0):
        """The cores other programs keep busy now, over a 50 ms window.

        Args:
            max_age: Seconds for which the previous answer stands: a call
                within them returns it without waiting for a window.

        Returns:
            A float, or `None` where the system does not tell (no
            `/proc/stat`).
        """
        with self._lock:
            if self._last and time.monotonic() - self._last[0] < max_age:
                return self._last_value
            return self._fresh_window()

    def since_last(self):
        """The cores other programs kept busy since the previous reading (a
        fresh window where there is none, or it is under 50 ms old)."""
        with self._lock:
            last = self._last
            if last is None or time.monotonic() - last[0] < SHORTEST_WINDOW:
                return self._fresh_window()
            return self._read_since(last)

    def _fresh_window(self):
        start = self._sample()
        if start is None:
            return None
        time.sleep(SHORTEST_WINDOW)
        return self._read_since(start)

    def _read_since(self, start):
        now = self._sample()
        wall, busy, own = (b - a for a, b in zip(start, now, strict=True))
        self._last = now
        self._last_value = max(0.0, (busy - own) / wall)
        return self._last_value

    def _sample(self):
        busy = self._read_busy_seconds()
        if busy is None:
            return None
        return time.monotonic(), busy, time.process_time()


def _busy_seconds():
    """CPU seconds spent busy (not idle or waiting on I/O) since boot, summed
    over the cores this process may run on; `None` without `/proc/stat`."""
    try:
        with open("/proc/stat") as file:
            lines = file.readlines()
    except OSError:
        return None
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    busy = 0
    for line in lines:
        if not line.startswith("cpu") or line.startswith("cpu "):
            continue
        name, *fields = line.split()
        if cores is not None and int(name[3:]) not in cores:
            continue
        # user nice system idle iowait irq softirq steal (guests are in user).
        ticks = [int(value) for value in fields[:8]]
        busy += sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


_METER = CoreMeter()


def thread_cap(cores=None):
    """The most threads the default may take: `OMP_NUM_THREADS` where the
    user set it to a positive integer, else every available core (`cores`,
    `available_cores()` by default)."""
    cores = cores or available_cores()
    try:
        cap = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        cap = 0
    return min(cap, cores) if cap > 0 else cores


def spare_core_threads(meter=None, *, since_last=False):
    """The default thread count: the cores other programs leave spare now.

    Measured (`CoreMeter`) over 50 ms, or with `since_last` over the time
    since the last measurement; a measurement stands for a second, so that
    calls in a loop do not wait for one each. Turned into threads by
    `threads_beside`, at most `thread_cap()`. One thread where the load
    cannot be measured (no `/proc/stat`) or where `OMP_NUM_THREADS=1`;
    neither case waits for a measurement.

    Args:
        meter: The `CoreMeter` to read; the process's own by default.
        since_last: Whether to measure since the meter's last reading
            rather than over a fresh window.

    Example:

    >>> 1 <= spare_core_threads() <= available_cores()
    True
    """
    cores = available_cores()
    cap = thread_cap(cores)
    if cap == 1:
        return 1
    meter = meter or _METER
    if since_last:
        busy_elsewhere = meter.since_last()
    else:
        busy_elsewhere = meter.busy_elsewhere(max_age=RECHECK_SECONDS)
    if busy_elsewhere is None:
        return 1
    return min(cap, threads_beside(busy_elsewhere, cores))


def resolve_n_jobs(n_jobs, name="n_jobs"):
    """The number of threads `n_jobs` asks for, scikit-learn's way.

    Args:
        n_jobs: `None` for the default (`spare_core_threads()`: the cores
            no other program is using), a positive integer, or a negative
            one counting back from all cores (`-1`: all of them, `-2`: all
            but one).
        name: The argument's name, for the error message.

    Returns:
        A positive integer.

    Raises:
        TypeError: If `n_jobs` is not an integer or `None`.
        ValueError: If it is 0, or asks for fewer than one thread.

    Example:

    >>> resolve_n_jobs(3), resolve_n_jobs(-1) == available_cores()
    (3, True)
    """
    if n_jobs is None:
        return spare_core_threads()
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
        n_jobs: As for `resolve_n_jobs`: `None` for the cores no other
            program is using when the block starts, a number of threads, or
            `-1` for all cores.

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


class FollowSpareCores(keras.callbacks.Callback):
    """Re-chooses torch's thread count every second of training (the first
    time after a quarter of a second).

    A program that starts beside a long fit would otherwise make each of its
    steps wait for the threads it deschedules; one that ends leaves cores
    idle. Every second, the cores other programs kept busy since the last
    look are measured (`CoreMeter`) and torch's pool set to the spare ones
    (`spare_core_threads`). The estimators add it when `n_jobs=None`; for an
    `LSTMAutoencoder`, pass it to `fit` inside `thread_limit()`, which
    restores the caller's count after. Does nothing on JAX and TensorFlow,
    or where `OMP_NUM_THREADS=1`.

    Args:
        meter: The `CoreMeter` to read; the process's own by default.

    Example:

    >>> import keras_lstm_ae as lae
    >>> x = lae.pad_sequences([[1.0, 2.0, 3.0], [4.0, 5.0]])
    >>> ae = lae.LSTMAutoencoder(timesteps=3, features=1, latent_dim=2)
    >>> ae.compile(optimizer="adam", loss="mse")
    >>> with lae.thread_limit():
    ...     history = ae.fit(x, epochs=1, verbose=0,
    ...                      callbacks=[lae.FollowSpareCores()])
    """

    def __init__(self, meter=None):
        super().__init__()
        self._meter = meter

    def on_train_begin(self, logs=None):
        # Per fit: a callback reused for another fit looks again as soon.
        self._next_check = time.monotonic() + FIRST_RECHECK_SECONDS
        self._active = keras.backend.backend() == "torch" and thread_cap() > 1

    def on_train_batch_begin(self, batch, logs=None):
        if not self._active or time.monotonic() < self._next_check:
            return
        import torch

        threads = spare_core_threads(self._meter, since_last=True)
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)
        self._next_check = time.monotonic() + RECHECK_SECONDS
