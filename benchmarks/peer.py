"""The hand-written PyTorch peer: the same autoencoder in plain `torch.nn`."""

import torch
from torch import nn


class TorchLSTMAutoencoder(nn.Module):
    """`LSTM(units) -> Linear(latent) -> repeat -> LSTM(units) -> Linear(features)`.

    Torch's LSTM has two bias vectors where Keras has one; the second is
    frozen at zero so that both models train the same parameters.
    Right-padded batches run the dense kernel over the zero-filled padding and
    take each sequence's state at its last real step, which is exact since an
    LSTM is causal (`pack_padded_sequence` ran 5x slower here).
    """

    def __init__(self, timesteps, features, units, latent_dim):
        super().__init__()
        self.timesteps = timesteps
        self.encoder_lstm = nn.LSTM(features, units, batch_first=True)
        self.latent = nn.Linear(units, latent_dim)
        self.decoder_lstm = nn.LSTM(latent_dim, units, batch_first=True)
        self.output = nn.Linear(units, features)
        for lstm in (self.encoder_lstm, self.decoder_lstm):
            lstm.bias_hh_l0.data.zero_()
            lstm.bias_hh_l0.requires_grad_(False)

    def encode(self, x, lengths=None):
        outputs, (h, _) = self.encoder_lstm(x)
        if lengths is None:
            last = h[-1]
        else:
            last = outputs[torch.arange(len(x), device=x.device), lengths - 1]
        return self.latent(last)

    def forward(self, x, lengths=None):
        """Rebuilds `x`: as many steps as it has (`timesteps` or fewer)."""
        z = self.encode(x, lengths)
        repeated = z.unsqueeze(1).expand(-1, x.shape[1], -1)
        outputs, _ = self.decoder_lstm(repeated)
        return self.output(outputs)


def masked_mse(x_hat, x, mask):
    """Mean squared error over real steps (`mask`: `(batch, time)` booleans)."""
    errors = ((x_hat - x) ** 2).mean(dim=-1)
    return (errors * mask).sum() / mask.sum().clamp(min=1)


def train_epoch(
    model, optimizer, x, batch_size, lengths=None, mask=None, cut_batches=False
):
    """One epoch of shuffled mini-batch training, as `keras.Model.fit` does.

    With `cut_batches`, each batch is cut after its longest sequence (the
    common hand-written loop for padded data: pad each batch to its longest).
    """
    order = torch.randperm(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        batch = x[index]
        optimizer.zero_grad(set_to_none=True)
        if lengths is None:
            loss = nn.functional.mse_loss(model(batch), batch)
        else:
            batch_mask = mask[index]
            if cut_batches:
                steps = int(lengths[index].max())
                batch, batch_mask = batch[:, :steps], batch_mask[:, :steps]
            loss = masked_mse(model(batch, lengths[index]), batch, batch_mask)
        loss.backward()
        optimizer.step()


@torch.no_grad()
def encode(model, x, batch_size, lengths=None):
    """Encodings of `x` as a NumPy array, batch by batch, as `predict` does."""
    parts = []
    for start in range(0, len(x), batch_size):
        batch_lengths = None if lengths is None else lengths[start : start + batch_size]
        parts.append(model.encode(x[start : start + batch_size], batch_lengths).cpu())
    return torch.cat(parts).numpy()
