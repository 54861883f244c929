"""Small data builders shared by the tests."""

import numpy as np


def random_sequences(samples, timesteps, features, seed=0):
    """Float32 data in [0, 1)."""
    return np.random.default_rng(seed).random(
        (samples, timesteps, features), dtype="float32"
    )


def with_nan_after(x, lengths):
    """`x` with every step from each sequence's length on set to NaN."""
    x = x.copy()
    steps = np.arange(x.shape[1])[None, :]
    x[steps >= np.asarray(lengths)[:, None]] = np.nan
    return x


def masked_mse(x, x_hat):
    """The mean squared error over the steps of `x` that hold no NaN (NumPy)."""
    real = ~np.isnan(x).any(axis=-1)
    errors = ((x_hat - np.nan_to_num(x)) ** 2).mean(axis=-1)
    return errors[real].mean()
