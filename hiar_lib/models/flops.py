"""Head complexity in the paper's unit: giga multiply-accumulates per clip ("GFLOPs").

The paper's "GFLOPs" are multiply-accumulate counts (each added 1024-wide Conv3D layer at
8x14x14 adds 1024*1024*27*1568 = 44.4e9, Table 7). ``torch.utils.flop_counter.FlopCounterMode``
counts 2 FLOPs per MAC, so :func:`count_gflops` halves its total. Convolutions and linear
layers are counted; BatchNorm, ReLU, pooling and biases are not (FlopCounterMode has no
formula for them; together they are below 0.01 % of every head here).

Counting never computes anything: the model's parameters are swapped for meta tensors
(:func:`torch.func.functional_call`) and the input is a meta tensor, so a 145-GMAC head is
counted in milliseconds on any machine and the model is left untouched.

:func:`hiar_lib.experiments.gflops.gflops_table` uses it to set our count of every head
beside the paper's printed GFLOPs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["count_gflops"]


def count_gflops(model: nn.Module, input_shape: Sequence[int]) -> float:
    """Giga multiply-accumulates of one forward pass of ``model`` per clip.

    Args:
        model: any module; its parameters may live on any device (or on ``meta``).
        input_shape: (C, T, H, W) of one clip, or (B, C, T, H, W); with a batch the count
            is divided by B (convolution and linear costs are linear in B).

    Returns:
        GMACs per clip, as a float (e.g. 145.15 for TAHNet-v1 at 256x8x14x14).
    """
    try:
        shape = tuple(int(s) for s in input_shape)
    except TypeError:
        raise ValueError(f"input_shape must be a sequence of ints (C, T, H, W), got {input_shape!r}") from None
    if len(shape) == 4:
        shape = (1, *shape)
    if len(shape) != 5 or any(s < 1 for s in shape):
        raise ValueError(f"input_shape must be (C, T, H, W) or (B, C, T, H, W) with positive sizes, got {tuple(input_shape)}")
    tensors = dict(model.named_parameters(remove_duplicate=False))
    tensors.update(model.named_buffers(remove_duplicate=False))
    meta_state = {name: torch.empty_like(t, device="meta") for name, t in tensors.items()}
    dtype = next((t.dtype for t in tensors.values() if t.is_floating_point()), torch.float32)
    x = torch.empty(shape, dtype=dtype, device="meta")
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            torch.func.functional_call(model, meta_state, (x,), strict=False)
    finally:
        for m, training in modes.items():
            m.training = training
    return counter.get_total_flops() / 2 / shape[0] / 1e9
