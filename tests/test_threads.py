"""Thread counts: chosen for each call, restored after, refused when wrong."""

import os
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import keras_lstm_ae as lae
from keras_lstm_ae.backend import threads
from keras_lstm_ae.backend.threads import (
    CoreMeter,
    FollowSpareCores,
    available_cores,
    resolve_n_jobs,
    threads_beside,
)

pytestmark = pytest.mark.backend_neutral

needs_two_cores = pytest.mark.skipif(
    available_cores() < 2, reason="choosing among thread counts needs 2 cores"
)


def test_n_jobs_follows_scikit_learns_convention():
    assert resolve_n_jobs(3) == 3
    assert resolve_n_jobs(-1) == available_cores()


def test_the_default_keeps_a_users_omp_num_threads_as_its_cap(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")

    assert resolve_n_jobs(None) == 1


def test_every_core_on_an_idle_machine_and_the_spare_ones_less_one_beside_busy():
    assert threads_beside(0.0, 2) == 2
    assert threads_beside(0.3, 8) == 8
    assert threads_beside(1.0, 2) == 1
    assert threads_beside(0.6, 2) == 1
    assert threads_beside(1.0, 8) == 6
    assert threads_beside(2.2, 8) == 4
    assert threads_beside(7.9, 8) == 1


def busy_reader(others):
    """A `/proc/stat` stand-in: this process's CPU time plus `others()`
    cores kept busy since it was made."""
    total, last = [0.0], [time.monotonic()]

    def read():
        now = time.monotonic()
        total[0] += others() * (now - last[0])
        last[0] = now
        return time.process_time() + total[0]

    return read


def test_the_meter_counts_the_others_work_not_this_process():
    meter = CoreMeter(busy_reader(lambda: 1.5))
    end = time.process_time() + 0.06
    while time.process_time() < end:  # This process busy: not counted.
        pass

    assert meter.busy_elsewhere() == pytest.approx(1.5, abs=0.05)
    assert meter.since_last() == pytest.approx(1.5, abs=0.05)


def test_a_measurement_stands_for_max_age_then_is_read_again():
    others = [0.0]
    meter = CoreMeter(busy_reader(lambda: others[0]))
    assert meter.busy_elsewhere() == pytest.approx(0.0, abs=0.05)
    others[0] = 2.0

    assert meter.busy_elsewhere(max_age=60.0) == pytest.approx(0.0, abs=0.05)
    assert meter.busy_elsewhere(max_age=0.0) == pytest.approx(2.0, abs=0.05)


def test_without_a_reading_of_the_load_the_default_is_one_thread(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "_METER", CoreMeter(lambda: None))

    assert resolve_n_jobs(None) == 1


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="Linux's /proc/stat")
def test_the_meter_sees_a_busy_program_beside_it():
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        seen = CoreMeter().busy_elsewhere()
    finally:
        busy.kill()
        busy.wait()

    assert seen >= 0.7


@pytest.mark.parametrize(
    ("n_jobs", "error", "message"),
    [
        (0, ValueError, "got 0"),
        (-1000, ValueError, "leaves no thread"),
        (1.5, TypeError, "must be an integer or None"),
        (True, TypeError, "must be an integer or None"),
    ],
)
def test_a_wrong_n_jobs_is_refused_before_training(n_jobs, error, message):
    encoder = lae.SequenceEncoder(latent_dim=2, epochs=1, n_jobs=n_jobs)

    with pytest.raises(error, match=f"`n_jobs`.*{message}|{message}"):
        encoder.fit(np.zeros((4, 5)))
    assert not hasattr(encoder, "model_")


@pytest.mark.torch_only
def test_thread_limit_sets_torchs_threads_for_the_block_only():
    import torch

    before = torch.get_num_threads()
    with lae.thread_limit(before + 1):
        inside = torch.get_num_threads()

    assert inside == before + 1
    assert torch.get_num_threads() == before


class RecordThreads(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        import torch

        self.threads = torch.get_num_threads()


@pytest.mark.torch_only
def test_an_estimator_trains_on_its_n_jobs_and_restores_the_callers_count():
    import torch

    before = torch.get_num_threads()
    record = RecordThreads()
    encoder = lae.SequenceEncoder(latent_dim=2, epochs=1, seed=0, n_jobs=before + 1)

    encoder.fit(np.random.default_rng(0).normal(size=(8, 6)), callbacks=[record])

    assert record.threads == before + 1
    assert torch.get_num_threads() == before


class RecordEveryBatchsThreads(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        import torch

        self.seen = [*getattr(self, "seen", []), torch.get_num_threads()]


@needs_two_cores
@pytest.mark.torch_only
@pytest.mark.parametrize("others", [0.0, 1.0])
def test_by_default_an_estimator_trains_on_the_spare_cores(monkeypatch, others):
    import torch

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "_METER", CoreMeter(busy_reader(lambda: others)))
    before = torch.get_num_threads()
    record = RecordEveryBatchsThreads()

    lae.SequenceEncoder(latent_dim=2, epochs=1, seed=0).fit(
        np.random.default_rng(0).normal(size=(8, 6)), callbacks=[record]
    )

    assert set(record.seen) == {threads_beside(others, available_cores())}
    assert torch.get_num_threads() == before


def fit_eight_batches(callbacks):
    """One epoch of 8 batches of a tiny `LSTMAutoencoder`."""
    x = np.random.default_rng(0).normal(size=(16, 4, 2)).astype("float32")
    ae = lae.LSTMAutoencoder(4, 2, latent_dim=2, units=(4,), seed=0)
    ae.compile(optimizer="adam", loss="mse")
    ae.fit(x, batch_size=2, epochs=1, verbose=0, callbacks=callbacks)


@needs_two_cores
@pytest.mark.torch_only
def test_a_long_fit_follows_a_program_that_starts_beside_it(monkeypatch):
    import torch

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "FIRST_RECHECK_SECONDS", 0.0)
    monkeypatch.setattr(threads, "RECHECK_SECONDS", 0.0)
    others = [0.0]
    meter = CoreMeter(busy_reader(lambda: others[0]))

    class StartABusyProgram(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            others[0] = 1.0 if batch == 1 else others[0]

    record = RecordEveryBatchsThreads()
    with lae.thread_limit(available_cores()):
        fit_eight_batches([FollowSpareCores(meter), StartABusyProgram(), record])
        assert torch.get_num_threads() == threads_beside(1.0, available_cores())

    assert record.seen[:2] == [available_cores()] * 2
    assert record.seen[-1] == threads_beside(1.0, available_cores())


@needs_two_cores
@pytest.mark.torch_only
def test_a_fit_first_looks_again_within_a_quarter_second(monkeypatch):
    # A program started just before the fit, not yet busy when it began.
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    others = [0.0]
    meter = CoreMeter(busy_reader(lambda: others[0]))
    meter.busy_elsewhere()

    class SlowBatches(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            others[0] = 1.0
            time.sleep(0.06)

    record = RecordEveryBatchsThreads()
    with lae.thread_limit(available_cores()):
        fit_eight_batches([FollowSpareCores(meter), SlowBatches(), record])

    # 8 batches of at least 60 ms: under half a second, and yet switched.
    assert record.seen[0] == available_cores()
    assert record.seen[-1] == threads_beside(1.0, available_cores())


@needs_two_cores
@pytest.mark.torch_only
def test_a_callback_reused_for_another_fit_first_looks_a_quarter_second_in(
    monkeypatch,
):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    clock = [0.0]
    monkeypatch.setattr(threads.time, "monotonic", lambda: clock[0])

    class CountingMeter:
        looks = 0

        def since_last(self):
            self.looks += 1
            return 0.0

    meter = CountingMeter()
    callback = FollowSpareCores(meter)
    with lae.thread_limit(available_cores()):
        callback.on_train_begin()  # A first fit, at time 0.
        clock[0] = 0.3
        callback.on_train_batch_begin(0)
        assert meter.looks == 1
        clock[0] = 100.0  # The same callback, in a fit much later.
        callback.on_train_begin()
        clock[0] = 100.1
        callback.on_train_batch_begin(0)
        assert meter.looks == 1
        clock[0] = 100.3
        callback.on_train_batch_begin(1)
        assert meter.looks == 2
