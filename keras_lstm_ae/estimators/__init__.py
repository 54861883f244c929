"""The scikit-learn style estimators, each training an `LSTMAutoencoder`.

- `sequence_encoder`: `SequenceEncoder`, sequences to fixed-length vectors.
- `anomaly_detector`: `AnomalyDetector`, a score per step of a recording (what it
  computes is in `keras_lstm_ae.anomaly`).
- `base`: what both share: parameters, training with early stopping, threads.
- `files`: their one-file format (the autoencoder's `.keras` archive plus state).
"""
