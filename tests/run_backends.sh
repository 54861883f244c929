#!/usr/bin/env bash
# The suite on each Keras backend, as CI runs it; arguments go to each pytest.
#
# torch (the default backend): every test. jax and tensorflow: what differs
# between backends, that is every test but those of the torch-only code
# (`torch_only`), those whose subprocesses pick their backend themselves
# (`cross_backend`), those whose subject is code above the model
# (`backend_neutral`, unless also `every_backend`), and the examples, demo and
# command line run as scripts (`end_to_end`); see the markers in
# pyproject.toml, and `conftest.py` for the doctests. The whole aims at under
# 10 minutes on 2 cores.
#
# The three backends run at the same time, one pytest each (a backend is
# chosen once per process) on one pytest-xdist worker, one thread per
# process. One after the other, on both cores each, every run left a core
# idle while its last long tests finished: 702 s in all, against 612 s at
# once on the same 2 cores (docs/contributing.md). The tests that share a
# module-scoped fixture stay in one `xdist_group` (`conftest.py`), so that
# the fixture is built once however many workers a run is given. Each run
# writes to its own log, printed whole, in the order torch, jax, tensorflow,
# as soon as it and those before it have finished. Every run goes ahead; the
# status is non-zero if any of them failed.
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
logs=$(mktemp -d)
cleanup=("$logs")
if [ -z "${JAX_COMPILATION_CACHE_DIR:-}" ]; then
    JAX_COMPILATION_CACHE_DIR=$(mktemp -d)
    cleanup+=("$JAX_COMPILATION_CACHE_DIR")
fi
# On any exit (Ctrl-C included) the runs still going are stopped.
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "${cleanup[@]}"' EXIT
export JAX_COMPILATION_CACHE_DIR
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
export JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0
backends=(torch jax tensorflow)
pids=()
for backend in "${backends[@]}"; do
    markers=()
    if [ "$backend" != torch ]; then
        markers=(-m "not torch_only and not cross_backend and (not backend_neutral or every_backend) and not end_to_end")
    fi
    KERAS_BACKEND=$backend python -m pytest -q -n 1 --dist loadgroup \
        "${markers[@]}" "$@" >"$logs/$backend.log" 2>&1 &
    pids+=($!)
done
echo "Running the suite on ${backends[*]} at once; each log follows when its run ends."
status=0
for index in "${!backends[@]}"; do
    wait "${pids[$index]}" || status=1
    echo "=== KERAS_BACKEND=${backends[$index]}"
    cat "$logs/${backends[$index]}.log"
done
exit $status
