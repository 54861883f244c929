#!/usr/bin/env bash
# The suite on each Keras backend, as CI runs it; arguments go to each pytest.
#
# torch (the default backend): every test. jax and tensorflow: what differs
# between backends, that is every test but those of the torch-only code
# (`torch_only`), those whose subprocesses pick their backend themselves
# (`cross_backend`), those whose subject is code above the model
# (`backend_neutral`, unless also `every_backend`), and the examples, demo and
# command line run as scripts (`end_to_end`); see the markers in
# pyproject.toml, and `conftest.py` for the doctests. On JAX and TensorFlow
# each new model compiles, so the same test takes longer than on torch; the
# whole aims at under 10 minutes of pytest on 2 cores. Each run uses both
# cores (`-n 2`, one thread per process; tests are dealt out one by one,
# except an `xdist_group`'s, which share one process: the tests that share a
# module-scoped fixture form one, so that it is built once, `conftest.py`).
# Every run goes ahead; the status is non-zero if any of them failed.
#
# JAX compiles each new model; many tests build the same architecture on
# the same shapes, so JAX keeps its persistent compilation cache (in a new
# folder, removed at exit, unless JAX_COMPILATION_CACHE_DIR names one) and
# takes each program compiled once from it, however quick to compile or
# small. A cache hit runs the same compiled program, so no result changes;
# it cut the JAX run from 325 s to 241 s on 2 cores. torch and TensorFlow
# ignore these variables.
set -uo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
if [ -z "${JAX_COMPILATION_CACHE_DIR:-}" ]; then
    JAX_COMPILATION_CACHE_DIR=$(mktemp -d)
    trap 'rm -rf "$JAX_COMPILATION_CACHE_DIR"' EXIT
fi
export JAX_COMPILATION_CACHE_DIR
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
export JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0
status=0
for backend in torch jax tensorflow; do
    echo "=== KERAS_BACKEND=$backend"
    markers=()
    if [ "$backend" != torch ]; then
        markers=(-m "not torch_only and not cross_backend and (not backend_neutral or every_backend) and not end_to_end")
    fi
    KERAS_BACKEND=$backend python -m pytest -q -n 2 --dist loadgroup \
        "${markers[@]}" "$@" || status=1
done
exit $status
