"""Any epoch's activations, recomputed from the parameters a chunk kept (``record.keep_weights``).

Seed 003 notes that keeping activations for every epoch is too big for MNIST-sized data and
suggests keeping the weights and computing activations on demand. A chunk trained with
``record.keep_weights: true`` holds every tensor of the network's state after every epoch
(:func:`~infoplane.recording.read_parameters`); :class:`Replay` rebuilds the chunk's ensemble
(its family, settings and seeds from the file), loads an epoch's state and runs the probe rows
through it exactly as the recorder does (:meth:`infoplane.training.EnsembleTrainer.evaluate`:
the same forward pass in evaluation mode, the softmax of the output layer, the recording's
precision), with NaN for a seed from its divergence epoch on. At a recorded epoch the result
equals the stored activations (``tests/test_replay.py``).
"""

from __future__ import annotations

import os

import numpy as np
import torch

from . import families
from .devices import resolve_device
from .recording import read_info, read_parameters, read_status
from .settings import resolve
from .training import recorded_activations

__all__ = ["Replay"]


class Replay:
    """A chunk's ensemble, ready to recompute any kept epoch's activations.

    Parameters
    ----------
    path : a chunk file written with ``record.keep_weights``.
    inputs : the dataset's inputs, all N rows, [N, *input_shape] (as the training job read them).
    device : see :func:`~infoplane.devices.resolve_device`.

    Raises
    ------
    KeyError
        When the chunk kept no parameters.
    ValueError
        When the inputs' rows disagree with the chunk's dataset.
    """

    def __init__(self, path: str | os.PathLike, inputs: np.ndarray, device: str = "cpu"):
        self.path = path
        self.info = info = read_info(path)
        inputs = np.asarray(inputs, dtype=np.float32)
        if len(inputs) != info.n_inputs:
            raise ValueError(f"inputs have {len(inputs)} rows, the chunk's dataset {info.n_inputs}")
        read_parameters(path, 0)  # raises KeyError when the chunk kept no parameters
        settings = resolve(info.settings)
        self.device = resolve_device(device)
        self.model = families.build(
            settings["model"], [int(s) for s in info.seeds], inputs.shape[1:], int(info.widths[-1]),
            activation=settings["activation"], init=settings["init"], dropout=settings["dropout"],
            batch_norm=settings["batch_norm"],
        ).to(self.device)  # fmt: skip
        x = torch.from_numpy(inputs).to(self.device)
        all_rows = np.array_equal(info.probe_index, np.arange(len(inputs)))
        self._x = x if all_rows else x[torch.from_numpy(info.probe_index).to(self.device)]
        # the forward pass training's evaluation took (the chunk's "engine" attribute; chunks
        # written before it was recorded were trained with engine "auto": the family's compiled
        # passes where they apply), so that replayed values equal the recorded ones bit for bit
        fused = getattr(self.model, "fused_passes", None)
        engine = str(info.attrs.get("engine", "auto"))
        self._fused = fused(torch.get_num_threads()) if fused is not None and engine != "torch" else None
        if self._fused is not None:
            self._x_fused = self.model.training_inputs(x).numpy()  # [d_in, N]
            self._rows = np.asarray(info.probe_index, dtype=np.int64)
        self._diverged = read_status(path)["diverged_epoch"]
        self._precision = np.dtype(info.attrs.get("precision", "float32"))

    def activations(self, epoch: int) -> list[np.ndarray]:
        """Every layer's activations [S, P, d_l] after ``epoch`` (0: initialisation), as the
        recorder would have written them (float32 arrays, rounded through the recording's
        precision; NaN for a seed at or after its divergence epoch, and, as the recorder's check
        does, for a seed with any value that is not finite after that rounding).

        Raises
        ------
        IndexError
            For an epoch that was not kept.
        """
        state = read_parameters(self.path, epoch)
        self.model.load_state_dict({name: torch.from_numpy(values) for name, values in state.items()})
        self.model.eval()
        with torch.no_grad():
            if self._fused is not None:
                outputs = [torch.from_numpy(o) for o in self._fused.outputs(self._x_fused, self._rows)]
            else:
                outputs = self.model.layer_outputs(self._x)
            out = recorded_activations(outputs)
        dead = (self._diverged >= 0) & (self._diverged <= int(epoch))
        if int(epoch) == 0:  # non-finite at the initial evaluation: marked epoch 1, zeroed before epoch 0 was kept
            zeroed = np.all([~values.reshape(len(values), -1).any(1) for values in state.values()], axis=0)
            dead |= (self._diverged == 1) & zeroed
        result = [values.astype(self._precision).astype(np.float32) for values in out]
        for values in result:  # what the recorder's check would find: non-finite, or beyond the precision's range
            dead |= ~np.isfinite(values).reshape(len(values), -1).all(1)
        for values in result:
            values[dead] = np.nan
        return result
