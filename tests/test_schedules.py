import numpy as np
import pytest

from infoplane.schedules import recording_epochs


def test_log_schedule_is_log_spaced_and_includes_ends():
    epochs = recording_epochs(3000, "log", points=60)
    assert epochs[0] == 0 and epochs[-1] == 3000
    assert np.all(np.diff(epochs) > 0)
    assert len(epochs) == 53
    ratios = epochs[20:][1:] / epochs[20:][:-1]
    assert np.allclose(ratios, ratios.mean(), rtol=0.1)  # geometric once the integers separate


def test_sb18_schedule_steps():
    epochs = recording_epochs(2300, "sb18")
    assert list(epochs[:21]) == list(range(20)) + [20]
    assert {25, 95, 120, 1980, 2000, 2100, 2200, 2300} <= set(epochs)
    assert not {21, 101, 1990, 2050} & set(epochs)


def test_every_schedule_and_errors():
    assert recording_epochs(7, "every", step=3).tolist() == [0, 3, 6, 7]
    with pytest.raises(ValueError, match="unknown recording schedule 'daily'"):
        recording_epochs(10, "daily")
    with pytest.raises(ValueError, match="epochs must be >= 0, got -1"):
        recording_epochs(-1)


def test_dense_tail_records_every_late_epoch():
    epochs = recording_epochs(3000, "log", points=60, tail=12)
    assert set(range(2989, 3001)) <= set(epochs.tolist())
    assert len(epochs) == len(set(recording_epochs(3000, "log", points=60).tolist()) | set(range(2989, 3001)))
    assert recording_epochs(5, "every", step=10, tail=100).tolist() == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="tail must be >= 0, got -2"):
        recording_epochs(10, "log", tail=-2)
