"""How a profile shrinks the heads it trains: one rule for every head, so that heads the
paper tells apart by width (DIM_Conv 1024 vs 512, CB 1024/256/128 vs 512/128/64) stay
apart at every profile.

A :class:`WidthRule` divides every convolution width (DIM_Conv and the CB's three
widths) by ``conv_divisor`` and every hidden FC width (DIM_FC) by ``fc_divisor``,
rounding down, never below 1. The ``quick`` profile divides by 16 and 8 (TAHNet-v1's
1024-wide convolutions train at 64, its FC at 128), ``smoke`` by 64 and 32; the paper
profile trains the paper's widths. Everything else of a head (its spec, strides,
kernels, input size) is left as it is.

This module imports no deep-learning library (profiles hold a rule); :func:`head_widths`
imports the model code when it is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["WidthRule", "head_widths"]


@dataclass(frozen=True)
class WidthRule:
    """Divide convolution widths by ``conv_divisor`` and FC widths by ``fc_divisor``."""

    conv_divisor: int = 1
    fc_divisor: int = 1

    def __post_init__(self) -> None:
        for name in ("conv_divisor", "fc_divisor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"WidthRule.{name} must be a positive integer, got {value!r}")

    @property
    def identity(self) -> bool:
        """Whether the rule keeps every width (the paper profile)."""
        return self.conv_divisor == 1 and self.fc_divisor == 1

    def scale(self, dim_conv: int, dim_fc: int, cb_widths: tuple[int, int, int] | None = None) -> dict[str, Any]:
        """The head options of a head of these widths under the rule.

        Args:
            dim_conv, dim_fc: the head's DIM_Conv and DIM_FC (the paper's widths).
            cb_widths: the CB's three widths when the head states them (``None``: the
                head derives them from ``dim_conv``, and so will the scaled one).

        Returns:
            ``{"dim_conv", "dim_fc"}`` (and ``"cb_widths"`` when given), e.g. ``(1024,
            1024)`` under ``WidthRule(16, 8)`` -> ``{"dim_conv": 64, "dim_fc": 128}``.
        """
        out: dict[str, Any] = {
            "dim_conv": max(int(dim_conv) // self.conv_divisor, 1),
            "dim_fc": max(int(dim_fc) // self.fc_divisor, 1),
        }
        if cb_widths is not None:
            out["cb_widths"] = tuple(max(int(w) // self.conv_divisor, 1) for w in cb_widths)
        return out

    def describe(self) -> str:
        """One line for a table's caption."""
        if self.identity:
            return "the paper's widths"
        return (f"every convolution width (DIM_Conv, CB) divided by {self.conv_divisor} and every FC width "
                f"(DIM_FC) by {self.fc_divisor}")  # fmt: skip


def head_widths(head: str) -> tuple[int, int, tuple[int, int, int] | None]:
    """``(dim_conv, dim_fc, cb_widths)`` of a preset (``tahnet_v1`` ...) or a spec string
    (the model's default widths, 1024 and 1024, derived CB widths)."""
    from hiar_lib.models.tahnet import PRESET_NAMES, TAHNetConfig, preset_config

    config = preset_config(head) if head in PRESET_NAMES else TAHNetConfig(spec=head)
    return config.dim_conv, config.dim_fc, config.cb_widths
