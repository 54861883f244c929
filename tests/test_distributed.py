"""Data-parallel training under `torchrun`: two gloo processes on the CPU."""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import keras_lstm_ae as lae
from keras_lstm_ae import cli
from tests.helpers import process_failure, start_process

WORKER = Path(__file__).resolve().parent / "distributed_worker.py"


def start_workers(out, processes):
    """Starts `distributed_worker.py` in `processes` processes under
    `torchrun`; `process_failure` waits for them."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "KERAS_BACKEND": "torch"}
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    torchrun += [f"--nproc_per_node={processes}"]
    return start_process([*torchrun, str(WORKER), str(out)], out / "log.txt", env=env)


def read_results(out, processes):
    results = []
    for rank in range(processes):
        with open(out / f"rank{rank}.json") as file:
            result = json.load(file)
        weights = np.load(out / f"rank{rank}.npz")
        result["weights"] = [weights[f"arr_{i}"] for i in range(len(weights.files))]
        results.append(result)
    return results


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    alone_dir = tmp_path_factory.mktemp("alone")
    together_dir = tmp_path_factory.mktemp("together")
    together = start_workers(together_dir, 2)
    # One process, the reference, trains in this one meanwhile (a new
    # interpreter would spend most of its run importing Keras); the group is
    # waited for even if it fails, so that no process is left behind.
    from tests import distributed_worker

    try:
        distributed_worker.main(alone_dir)
    finally:
        failure = process_failure(together, together_dir / "log.txt")
    assert failure is None, failure
    return (
        read_results(alone_dir, 1)[0],
        read_results(together_dir, 2),
        together_dir,
    )


@pytest.mark.torch_only
def test_two_processes_end_with_the_weights_of_one(runs):
    alone, together, _ = runs
    assert alone["world_size"] == 1
    assert together[0]["world_size"] == 2
    for result in together:
        for mine, single in zip(result["weights"], alone["weights"], strict=True):
            np.testing.assert_allclose(mine, single, atol=1e-5)
    for first, second in zip(*(r["weights"] for r in together), strict=True):
        np.testing.assert_array_equal(first, second)


@pytest.mark.torch_only
def test_each_process_reads_its_share_of_every_global_batch(runs):
    alone, together, _ = runs
    assert alone["trained_on"] == 3 * 49  # 3 epochs of 49 training sequences.
    assert sorted(r["trained_on"] for r in together) == [3 * 24, 3 * 25]


@pytest.mark.torch_only
def test_losses_and_metrics_are_global_and_rank_zero_writes(runs):
    alone, together, out = runs
    assert sorted(alone["history"]) == ["loss", "mae", "val_loss", "val_mae"]
    assert sorted(alone["evaluate"]) == ["loss", "mae"]
    for result in together:
        for key in alone["history"]:
            np.testing.assert_allclose(
                result["history"][key], alone["history"][key], rtol=1e-5
            )
        for key in alone["evaluate"]:
            np.testing.assert_allclose(
                result["evaluate"][key], alone["evaluate"][key], rtol=1e-5
            )
    assert (out / "saved_by_rank0.weights.h5").exists()
    assert not (out / "saved_by_rank1.weights.h5").exists()


@pytest.mark.torch_only
def test_a_run_resumes_from_rank_zeros_backup(runs):
    alone, together, out = runs
    # Interrupted after the second epoch, the resumed run trains the third.
    assert alone["resumed_epochs"] == [2]
    assert [r["resumed_epochs"] for r in together] == [[2], [2]]
    # Rank 0 wrote the backup at each of the 3 epochs' ends; rank 1 never did.
    assert alone["backups_written"] == 3
    assert [r["backups_written"] for r in together] == [3, 0]
    first, second = (np.load(out / f"resumed_rank{rank}.npz") for rank in (0, 1))
    for name in first.files:
        np.testing.assert_array_equal(first[name], second[name])


def test_a_single_process_is_rank_zero_of_one():
    assert lae.distributed.is_active() is False
    assert (lae.distributed.rank(), lae.distributed.world_size()) == (0, 1)
    assert lae.distributed.is_main_process()


@pytest.mark.torch_only
def test_initialize_without_torchrun_leaves_one_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert lae.distributed.initialize() == (0, 1)
    assert lae.distributed.is_active() is False


@pytest.mark.torch_only
@pytest.mark.end_to_end
def test_command_line_fit_under_torchrun_writes_one_run_equal_to_one_process(
    tmp_path,
):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 10, 2)).astype("float32")
    x[20:, 7:] = np.nan
    np.save(tmp_path / "x.npy", x)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "KERAS_BACKEND": "torch"}
    arguments = ["fit", str(tmp_path / "x.npy"), "--epochs", "2", "--seed", "0"]
    arguments += ["--quiet", "--batch-size", "8"]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    together = start_process(
        [*torchrun, "--nproc_per_node=2", "-m", "keras_lstm_ae", *arguments]
        + ["--out", str(tmp_path / "together")],
        tmp_path / "together.log",
        env=env,
    )
    # The same command in one process, this one, meanwhile.
    try:
        status = cli.main([*arguments, "--out", str(tmp_path / "alone")])
    finally:
        failure = process_failure(together, tmp_path / "together.log")
    assert status == 0
    assert failure is None, failure
    alone = (tmp_path / "alone" / "history.csv").read_text().splitlines()
    together = (tmp_path / "together" / "history.csv").read_text().splitlines()
    assert len(together) == 3  # A header and 2 epochs: written once.
    for mine, single in zip(together[1:], alone[1:], strict=True):
        np.testing.assert_allclose(
            np.array(mine.split(","), float),
            np.array(single.split(","), float),
            rtol=1e-5,
        )
    assert (tmp_path / "together" / "model.keras").exists()
