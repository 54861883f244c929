"""Thread counts: chosen for each call, restored after, refused when wrong."""

import keras
import numpy as np
import pytest

import keras_lstm_ae as lae
from keras_lstm_ae.backend.threads import available_cores, resolve_n_jobs

pytestmark = pytest.mark.backend_neutral


def test_n_jobs_follows_scikit_learns_convention():
    assert resolve_n_jobs(None) == 1
    assert resolve_n_jobs(3) == 3
    assert resolve_n_jobs(-1) == available_cores()


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
