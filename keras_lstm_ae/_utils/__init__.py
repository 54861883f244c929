"""What every part of the package shares and no user calls.

- `validation`: argument and input checks, with messages that say what to change.
- `saving`: writes that never leave a half-written file.
- `backend`: choosing torch as Keras's backend before Keras loads.
"""
