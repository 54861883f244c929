"""The layers of `LSTMAutoencoder`: its encoder and decoder, built functionally.

As aeon's networks build `(encoder, decoder)` from an input shape, these
functions build the two `LayerChain` models that `LSTMAutoencoder` joins;
they check nothing (the model checks its arguments first).
"""

import keras

from keras_lstm_ae import layers as lae_layers
from keras_lstm_ae.models.layer_chain import LayerChain

CELLS = {"lstm": lae_layers.LSTM, "gru": lae_layers.GRU}
DECODERS = ("repeat", "reshape")


def get_activation(identifier, name):
    """`keras.activations.get(identifier)`, with an error naming `name`."""
    try:
        return keras.activations.get(identifier)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"`{name}` must be an activation name such as 'tanh', 'relu', "
            f"'sigmoid' or 'linear', or a callable; got {identifier!r}."
        ) from error


def recurrent_layer(
    cell, units, *, return_sequences, activation, dropout, recurrent_dropout, seed, name
):
    """One `LSTM` or `GRU` layer (the fused ones of `keras_lstm_ae.layers`)."""
    kwargs = {}
    if seed is not None:
        kwargs = {
            "kernel_initializer": keras.initializers.GlorotUniform(seed=seed),
            "recurrent_initializer": keras.initializers.Orthogonal(seed=seed),
            "seed": seed,
        }
    return CELLS[cell](
        units,
        activation=activation,
        return_sequences=return_sequences,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        name=name,
        **kwargs,
    )


def dense_layer(units, *, activation, seed, name):
    """A `Dense` layer with a seeded Glorot initializer."""
    initializer = (
        keras.initializers.GlorotUniform(seed=seed)
        if seed is not None
        else "glorot_uniform"
    )
    return keras.layers.Dense(
        units, activation=activation, kernel_initializer=initializer, name=name
    )


def build_encoder(
    features,
    latent_dim,
    units,
    bidirectional,
    layer_options,
    next_seed,
    front_end=None,
):
    """The many-to-one encoder: NaN masking, a front end if given, recurrent
    layers, a Dense latent.

    Args:
        features: Features per step.
        latent_dim: Size of the encoding.
        units: Sizes of the stacked recurrent layers; `()` for one layer of
            `latent_dim` units (split between directions when bidirectional).
        bidirectional: Whether each layer reads both directions.
        layer_options: `cell`, `activation`, `dropout`, `recurrent_dropout`.
        next_seed: Called for each layer's seed (`None` for unseeded).
        front_end: A layer every masked step goes through before the
            recurrent layers, or `None`.

    Returns:
        `(encoder, wrapped)`: the `LayerChain`, and the layers that
        `Bidirectional` wrappers copied, which the caller holds until the
        whole model is built (see below).
    """
    cell = layer_options["cell"]
    inputs = keras.Input(shape=(None, features), name="encoder_input")
    hidden = lae_layers.NaNMasking(name="nan_masking")(inputs)
    if front_end is not None:
        hidden = front_end(hidden)
    sizes = units or (latent_dim // 2 if bidirectional else latent_dim,)
    # `Bidirectional` copies the layer it wraps through its config. While a
    # file loads, Keras matches the objects it serializes by `id()`, so a
    # wrapped layer that the garbage collector frees before the next one
    # is made can pass its id on, and the next `Bidirectional` gets the
    # earlier copies (Keras 3.15: one load in 40 of a two-layer encoder
    # failed). Holding the wrapped layers keeps their ids apart.
    wrapped = []
    for index, size in enumerate(sizes):
        rnn = recurrent_layer(
            units=size,
            return_sequences=index < len(sizes) - 1,
            seed=next_seed(),
            name=f"encoder_{cell}_{index + 1}",
            **layer_options,
        )
        if bidirectional:
            wrapped.append(rnn)
            rnn = keras.layers.Bidirectional(rnn, name=f"encoder_bi{cell}_{index + 1}")
        hidden = rnn(hidden)
    if units:
        hidden = dense_layer(
            latent_dim, activation=None, seed=next_seed(), name="latent"
        )(hidden)
    return LayerChain(inputs, hidden, name="encoder"), wrapped


def build_decoder(
    timesteps,
    features,
    latent_dim,
    units,
    decoder,
    output_activation,
    layer_options,
    next_seed,
):
    """The one-to-many decoder: the latent repeated (or reshaped) over
    `timesteps`, recurrent layers, and a `Dense` output at every step.

    Args:
        timesteps: Steps to generate.
        features: Features per step of the output.
        latent_dim: Size of the encoding it reads.
        units: Sizes of the stacked recurrent layers.
        decoder: `"repeat"` or `"reshape"`.
        output_activation: The output layer's activation (a function).
        layer_options: `cell`, `activation`, `dropout`, `recurrent_dropout`.
        next_seed: Called for each layer's seed (`None` for unseeded).

    Returns:
        The decoder, a `LayerChain`.
    """
    inputs = keras.Input(shape=(latent_dim,), name="decoder_input")
    if decoder == "repeat":
        hidden = lae_layers.RepeatVector(timesteps, name="repeat")(inputs)
    else:
        hidden = keras.layers.Reshape(
            (timesteps, latent_dim // timesteps), name="reshape"
        )(inputs)
    for index, size in enumerate(units):
        hidden = recurrent_layer(
            units=size,
            return_sequences=True,
            seed=next_seed(),
            name=f"decoder_{layer_options['cell']}_{index + 1}",
            **layer_options,
        )(hidden)
    outputs = lae_layers.TimeDistributed(
        dense_layer(
            features, activation=output_activation, seed=next_seed(), name="output"
        ),
        name="reconstruction",
    )(hidden)
    return LayerChain(inputs, outputs, name="decoder")
