"""LayerChain: the direct forward pass (torch only) equals Keras's functional graph."""

import keras
import numpy as np
import pytest
import torch

import keras_lstm_ae as lae
from keras_lstm_ae.models.layer_chain import LayerChain
from tests.helpers import random_sequences, with_nan_after

OPTIONS = [
    {},
    {"units": (6, 5), "cell": "gru"},
    {"bidirectional": True},
    {"units": (), "decoder_units": (7,), "activation": "relu"},
    {"decoder": "reshape", "latent_dim": 12, "output_activation": "sigmoid"},
]


def graph_call(model, x, training):
    """The output of Keras's own functional graph, nested models included."""
    chains = [m for m in (model, *model.layers) if isinstance(m, LayerChain)]
    saved = [chain._direct_chain for chain in chains]
    for chain in chains:
        chain._direct_chain = None
    try:
        return model(x, training=training)
    finally:
        for chain, direct in zip(chains, saved, strict=True):
            chain._direct_chain = direct


@pytest.mark.torch_only
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "default")
def test_direct_pass_equals_the_functional_graph(options):
    options = {"latent_dim": 4, **options}
    model = lae.LSTMAutoencoder(timesteps=6, features=3, seed=0, **options)
    assert model.chained_layers == [model.encoder, model.decoder]
    x = with_nan_after(random_sequences(5, 6, 3), [6, 2, 0, 4, 6])
    x[4, 1] = np.nan
    x = torch.from_numpy(x)
    direct = model(x, training=False)
    np.testing.assert_allclose(
        direct.detach().numpy(), graph_call(model, x, False).detach().numpy(), atol=1e-6
    )
    # Gradients agree too.
    weights = [w.value for w in model.trainable_weights]
    direct_grads = torch.autograd.grad(model(x, training=True).square().sum(), weights)
    graph_grads = torch.autograd.grad(
        graph_call(model, x, True).square().sum(), weights
    )
    for a, b in zip(direct_grads, graph_grads, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)


def test_a_graph_that_is_not_a_chain_runs_the_functional_graph():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3)(inputs)
    outputs = keras.layers.Add()([hidden, keras.layers.Dense(3)(inputs)])
    model = LayerChain(inputs, outputs)
    assert model.chained_layers is None
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0),
        keras.ops.convert_to_numpy(graph_call(model, x, False)),
    )


def test_predict_on_arrays_equals_keras_predict():
    model = lae.LSTMAutoencoder(timesteps=6, features=3, latent_dim=4, seed=0)
    x = with_nan_after(random_sequences(70, 6, 3), np.arange(70) % 7)
    lean = model.encoder.predict(x, batch_size=16, verbose=0)
    stock = keras.Model.predict(model.encoder, x, batch_size=16, verbose=0)
    np.testing.assert_allclose(lean, stock, atol=1e-6)
    assert lean.shape == (70, 4)
