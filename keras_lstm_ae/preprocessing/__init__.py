"""Data preparation in NumPy (and Keras's `PyDataset`), no model.

- `sequences`: padding, trimming, lengths and sliding windows.
- `segments`: consecutive steps grouped into wider ones, and gaps filled.
- `scalers` (`_scaler_base`): `StandardScaler` and `MinMaxScaler`, which skip padding.
- `batching`: `SequenceBatches`, batches read from arrays or memmaps, grouped by length.
"""
