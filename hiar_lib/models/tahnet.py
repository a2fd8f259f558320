"""TAHNet, the temporal action head network (Sec. 3.3.1, Fig. 4, Tables 1, 2 and 4-7).

A head maps one person's action-region tube, a ``(B, C, T, S, S)`` tensor of pooled
FPN features (C = 256), to class logits ``(B, num_classes)``. Every head of the paper is
one spec string plus a few numbers::

    head = create_tahnet("CB+Conv3Dx5+GAP+FC", dim_conv=1024, input_size=(8, 14, 14))
    head = tahnet_v4(num_classes=12)                     # a preset, any field overridable

Spec grammar
------------
``spec := module ("+" module)*``, ``module := NAME ["x" N]`` with ``N >= 1``. The names are
case-sensitive and must come in this order, each at most once:

``CB``
    Channel Bottleneck: three 1x1x1 Conv3D that increase then decrease the channels,
    widths ``cb_widths`` (default ``(D, D/4, D/8)`` for ``D = dim_conv``). No repeat count.
``Conv3DxN`` / ``Conv2DxN``
    N convolutions with 3x3x3 (Conv3D) or 1x3x3 (Conv2D) kernels, ``dim_conv`` output
    channels each. Not both in one head.
``GAP``
    Global average pooling over T, H and W. No repeat count.
``FCxN``
    N hidden fully connected layers of width ``dim_fc`` (each followed by ReLU).

Whitespace around ``+`` is ignored; ``×`` is accepted for ``x``. Anything else (an unknown
or mis-cased name, a repeated or out-of-order module, a zero count, a count on CB or
GAP) raises :class:`TAHNetSpecError` naming the offending token.

Interpretations (what the paper leaves open, and what this module does)
-----------------------------------------------------------------------
1. **FC vs. classifier.** Eq. 13 applies a linear classifier ``a = w c + b`` to the head's
   output ``c``, and the captions of Tables 4 and 5 give the FC layers 1024 output
   channels, so the spec's ``FC`` layers are *hidden* layers (width ``dim_fc`` = 1024,
   ReLU after each, as in torchvision's ``TwoMLPHead``) and every head ends in one more
   ``Linear(feature_dim, num_classes)``, the eq. 13 classifier, which is not part of the
   spec. ``FCx2`` is therefore 1024 -> 1024 -> classifier. Table 7 block 4 "removes the
   last linear FC layer": ``...+GAP`` goes straight from GAP to the classifier.
2. **No GAP** (``Conv3Dx3+FCx2``, ``FCx2``): the conv output is flattened (C*T*H*W
   features) into the first FC.
3. **Conv2D on a T x S x S input** is a Conv3d with a 1x3x3 kernel (padding 0,1,1): the
   same 2D convolution applied to every frame, frames never mixed. Its output width is
   ``dim_conv`` (256 in Table 4's caption).
4. **Conv3D** is 3x3x3 with padding 1. The first conv maps the CB output (or the 256
   input channels when there is no CB) to ``dim_conv``; the others keep ``dim_conv``.
5. **Where the stride-2 conv sits.** The *last* conv has stride 2 on every axis it
   covers (Conv3D: 2,2,2; Conv2D: 1,2,2), so 8x14x14 -> 4x7x7. This is forced
   by Table 7 block 1: with every conv but the last at 8x14x14 and the last at 4x7x7, the
   head costs 56.4 / 100.8 / 145.1 / 189.5 GMACs for x3..x6; a stride anywhere else does
   not fit. ``last_conv_stride`` overrides it. With a single conv (Conv3Dx1),
   ``first_conv_stride`` and ``last_conv_stride`` are multiplied.
6. **CB widths scale with DIM_Conv**: (1024, 256, 128) for DIM 1024 and (512, 128, 64)
   for DIM 512. Table 7's text states 1024/256/128 only for the baseline (block 1); blocks
   2-4 with 1024/256/128 would cost 16.1 GMACs for block 2 x3 instead of the printed 14.2,
   while (512, 128, 64) gives 14.2 / 25.3 / 36.4 / 47.5 exactly. (``paper_tables`` fills
   1024/256/128 into every Table 7 row; we do not follow that for DIM 512.)
7. **Table 7 block 3** ("the first Conv3D kernel and stride of CB are replaced by 3 and 2
   at the temporal axis"): the CB's first 1x1x1 conv becomes 3x1x1, stride (2,1,1),
   padding (1,0,0), so everything after the CB runs at T/2; nothing else changes from
   block 2 (CB 512/128/64). The printed GFLOPs (8.0 / 13.5 / 19.1 / 24.6) then fit only if
   the last Conv3D no longer halves T, i.e. ``last_conv_stride = (1, 2, 2)``: ours
   7.997 / 13.546 / 19.095 / 24.644, each equal to the printed value at its printed
   precision. In other words the temporal downsampling *moved* from the last conv into
   the CB. This contradicts the printed output size ``2x7x7``: our conv stack ends at
   ``4x7x7``. Keeping the last conv's temporal stride too gives the printed ``2x7x7`` but
   7.30 / 12.85 / 18.40 / 23.95 GMACs (3-9 % low). An exhaustive search over CB widths
   (256..2048 / 64..512 / 32..256), CB first kernel 1 or 3 (temporal and spatial), CB
   temporal stride 1 or 2, and first/last conv strides (DIM 512) found two layouts that
   keep the printed sizes ``2x7x7`` and ``1x7x7`` with every cell of blocks 3 and 4
   within 1 %: CB widths 512/128/**128** with the 3x1x1 first conv, and 512/**512**/128
   with a 1x1x1 first conv. We reject both: the text announces no width change, block 2
   needs 512/128/64, the second contradicts "kernel 3", and the first misses 3 of the 8
   printed values at their printed precision (13.552, 24.650, 10.854), whereas our
   reading reproduces all 8. So we follow
   the GFLOPs column and treat the output-size column as the paper's slip.
8. **Table 7 block 4** ("increase the input to 8x28x28, remove the last FC, change the
   stride of the first Conv3D from 1 to 2 at all the axes"): block 3's CB change is kept
   (the text changes from block 3 to block 4), the first Conv3D has stride (2,2,2) and,
   as in block 3, the last has (1,2,2): 8x28x28 -CB-> 4x28x28 -conv1-> 2x14x14 -last->
   2x7x7, giving 5.279 / 8.054 / 10.828 / 13.603 GMACs (printed 5.3 / 8.1 / 10.8 / 13.6).
   The printed output size is ``1x7x7``; the literal reading (last stride 2,2,2) gives
   ``1x7x7`` but 4.93 / 7.71 / 10.48 / 13.26 GMACs. This is TAHNet-v4. At 16 frames every
   head costs twice its 8-frame count, as Tables 1 and 2 print.
9. **Normalisation and activation.** The paper names neither. Every conv (CB and
   Conv2D/Conv3D) is followed by ``BatchNorm3d`` (``norm="batch"``, the default; the conv
   then has no bias) or nothing (``norm="none"``, the conv has a bias), then ReLU. Hidden
   FC layers are followed by ReLU; the classifier by nothing. Optional dropout
   (default 0) sits before the classifier. None of this changes the GFLOPs by more than
   0.01 %. (The one printed cell our count does not hit at the printed precision is
   TAHNet-v1's 145.1: we count 145.150, of which the hidden FC and the classifier are
   0.001; without them it is 145.149. The paper's counter may have skipped linear layers.)
10. **num_classes** of the presets follow the dataset the paper uses each head on:
    60 (NTU RGB+D) for v1 and v4, 10 (N-UCLA) for v2, v2 w/o CB and v3.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from hiar_lib.errors import HiarError

Triple = tuple[int, int, int]
NormKind = Literal["batch", "none"]
ConvType = Literal["Conv2D", "Conv3D"]

__all__ = [
    "PRESET_NAMES",
    "HeadSpec",
    "TAHNet",
    "TAHNetConfig",
    "TAHNetSpecError",
    "create_channel_bottleneck",
    "create_conv_stack",
    "create_tahnet",
    "parse_head_spec",
    "preset_config",
    "tahnet_v1",
    "tahnet_v2",
    "tahnet_v2_wo_cb",
    "tahnet_v3",
    "tahnet_v4",
]


class TAHNetSpecError(HiarError, ValueError):
    """A head spec string or a head option is malformed (the message says which part)."""


# ----------------------------------------------------------------------------- spec

_MODULE_NAMES: tuple[str, ...] = ("CB", "Conv3D", "Conv2D", "GAP", "FC")
_RANK = {"CB": 0, "Conv3D": 1, "Conv2D": 1, "GAP": 2, "FC": 3}
_TOKEN = re.compile(r"^(?P<name>[A-Za-z0-9]+?)(?:[x×](?P<count>\d+))?$")


@dataclass(frozen=True)
class HeadSpec:
    """A parsed head spec; the fields match ``paper_tables``' ``cb, conv_type, n_conv, gap, n_fc``."""

    cb: bool = False
    conv_type: ConvType | None = None
    n_conv: int = 0
    gap: bool = False
    n_fc: int = 0

    def __str__(self) -> str:
        parts: list[str] = []
        if self.cb:
            parts.append("CB")
        if self.conv_type is not None:
            parts.append(f"{self.conv_type}x{self.n_conv}")
        if self.gap:
            parts.append("GAP")
        if self.n_fc == 1:
            parts.append("FC")
        elif self.n_fc > 1:
            parts.append(f"FCx{self.n_fc}")
        return "+".join(parts)


def parse_head_spec(spec: str) -> HeadSpec:
    """Parse ``"CB+Conv3Dx5+GAP+FC"`` and the like (grammar in the module docstring).

    Raises :class:`TAHNetSpecError` on an empty spec, an unknown or mis-cased module, a
    repeated or out-of-order module, a zero repeat count, or a count on ``CB``/``GAP``.
    """
    if not isinstance(spec, str):
        raise TAHNetSpecError(f"head spec must be a string such as 'CB+Conv3Dx5+GAP+FC', got {type(spec).__name__}")
    if not spec.strip():
        raise TAHNetSpecError("empty head spec; expected modules joined by '+', e.g. 'CB+Conv3Dx5+GAP+FC'")
    fields: dict[str, Any] = {}
    last_rank, last_name = -1, ""
    for raw in spec.split("+"):
        token = raw.strip()
        m = _TOKEN.match(token)
        if not token or m is None:
            raise TAHNetSpecError(f"bad module {token!r} in head spec {spec!r}; expected NAME or NAMExN with NAME one of {', '.join(_MODULE_NAMES)}")
        name, count_text = m.group("name"), m.group("count")
        if name not in _RANK:
            hint = next((n for n in _MODULE_NAMES if n.lower() == name.lower()), None)
            did_you_mean = f" (did you mean {hint!r}? names are case-sensitive)" if hint else ""
            raise TAHNetSpecError(f"unknown module {name!r} in head spec {spec!r}{did_you_mean}; known modules: {', '.join(_MODULE_NAMES)}")
        if count_text is not None and name in ("CB", "GAP"):
            raise TAHNetSpecError(f"{name} takes no repeat count, got {token!r} in head spec {spec!r}")
        count = 1 if count_text is None else int(count_text)
        if count < 1:
            raise TAHNetSpecError(f"repeat count must be at least 1, got {token!r} in head spec {spec!r}")
        rank = _RANK[name]
        if rank == last_rank:
            what = "Conv2D and Conv3D cannot be mixed" if {name, last_name} == {"Conv2D", "Conv3D"} else f"{name} appears twice; write one module with a repeat count (e.g. {name}x{count + 1})"
            raise TAHNetSpecError(f"{what}, in head spec {spec!r}")
        if rank < last_rank:
            raise TAHNetSpecError(f"{name} after {last_name} in head spec {spec!r}; modules must come in the order CB, Conv3D|Conv2D, GAP, FC")
        last_rank, last_name = rank, name
        if name == "CB":
            fields["cb"] = True
        elif name in ("Conv3D", "Conv2D"):
            fields["conv_type"], fields["n_conv"] = name, count
        elif name == "GAP":
            fields["gap"] = True
        else:
            fields["n_fc"] = count
    return HeadSpec(**fields)


# ---------------------------------------------------------------------------- config


def _triple(value: Any, what: str) -> Triple:
    try:
        t = tuple(int(v) for v in value)
        whole = all(int(v) == v and not isinstance(v, bool) for v in value)
    except (TypeError, ValueError):
        raise TAHNetSpecError(f"{what} must be three integers (T, H, W), got {value!r}") from None
    if len(t) != 3 or any(v < 1 for v in t) or not whole:
        raise TAHNetSpecError(f"{what} must be three positive integers (T, H, W), got {value!r}")
    return t  # type: ignore[return-value]


def _conv_out(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


@dataclass(frozen=True)
class TAHNetConfig:
    """Everything that defines one head. Validated on construction; see the module docstring.

    Attributes:
        spec: head spec, normalised on construction (``"CB+Conv3Dx5+GAP+FC"``).
        in_channels: C of the action-region input (256, the FPN width).
        input_size: (T, H, W) of the input, e.g. (8, 14, 14); the head accepts only this size.
        dim_conv: output channels of every Conv3D/Conv2D (DIM_Conv).
        dim_fc: width of the hidden FC layers.
        cb_widths: the CB's three output widths; ``None`` -> (dim_conv, dim_conv/4, dim_conv/8).
        cb_temporal_kernel, cb_temporal_stride: temporal kernel and stride of the CB's first
            conv (1, 1 normally; 3, 2 in Table 7 blocks 3-4 and TAHNet-v4).
        first_conv_stride: (T, H, W) stride of the first Conv2D/Conv3D ((2, 2, 2) in Table 7
            block 4).
        last_conv_stride: (T, H, W) stride of the last Conv2D/Conv3D; ``None`` -> 2 on every
            axis the conv covers ((2, 2, 2) for Conv3D, (1, 2, 2) for Conv2D).
        num_classes: outputs of the eq. 13 classifier.
        norm: ``"batch"`` (BatchNorm3d after each conv) or ``"none"``.
        dropout: dropout probability before the classifier.
    """

    spec: str
    in_channels: int = 256
    input_size: Triple = (8, 14, 14)
    dim_conv: int = 1024
    dim_fc: int = 1024
    cb_widths: Triple | None = None
    cb_temporal_kernel: int = 1
    cb_temporal_stride: int = 1
    first_conv_stride: Triple = (1, 1, 1)
    last_conv_stride: Triple | None = None
    num_classes: int = 60
    norm: NormKind = "batch"
    dropout: float = 0.0

    def __post_init__(self) -> None:
        head = parse_head_spec(self.spec)
        object.__setattr__(self, "spec", str(head))
        for name in ("in_channels", "dim_conv", "dim_fc", "num_classes", "cb_temporal_kernel", "cb_temporal_stride"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TAHNetSpecError(f"{name} must be a positive integer, got {value!r}")
        object.__setattr__(self, "input_size", _triple(self.input_size, "input_size"))
        object.__setattr__(self, "first_conv_stride", _triple(self.first_conv_stride, "first_conv_stride"))
        if self.last_conv_stride is not None:
            object.__setattr__(self, "last_conv_stride", _triple(self.last_conv_stride, "last_conv_stride"))
        if self.cb_widths is not None:
            widths = tuple(self.cb_widths)
            if len(widths) != 3 or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
                raise TAHNetSpecError(f"cb_widths must be three positive integers, got {self.cb_widths!r}")
            object.__setattr__(self, "cb_widths", widths)
        if self.norm not in ("batch", "none"):
            raise TAHNetSpecError(f"norm must be 'batch' or 'none', got {self.norm!r}")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise TAHNetSpecError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.cb_temporal_kernel % 2 == 0:
            raise TAHNetSpecError(f"cb_temporal_kernel must be odd (it is padded symmetrically), got {self.cb_temporal_kernel}")
        if not head.cb and (self.cb_widths is not None or self.cb_temporal_kernel != 1 or self.cb_temporal_stride != 1):
            raise TAHNetSpecError(f"CB options are set but head spec {self.spec!r} has no CB")
        if head.conv_type is None and (self.first_conv_stride != (1, 1, 1) or self.last_conv_stride is not None):
            raise TAHNetSpecError(f"conv strides are set but head spec {self.spec!r} has no Conv3D/Conv2D")
        if head.conv_type == "Conv2D":
            for name in ("first_conv_stride", "last_conv_stride"):
                stride = getattr(self, name)
                if stride is not None and stride[0] != 1:
                    raise TAHNetSpecError(f"{name} {stride} has a temporal stride, but Conv2D (1x3x3 kernels) never strides over T")

    @property
    def head(self) -> HeadSpec:
        """The parsed spec."""
        return parse_head_spec(self.spec)

    @property
    def cb_channels(self) -> Triple:
        """The CB's widths, (dim_conv, dim_conv // 4, dim_conv // 8) unless given."""
        if self.cb_widths is not None:
            return self.cb_widths
        d = self.dim_conv
        return (d, max(1, d // 4), max(1, d // 8))

    def conv_strides(self) -> list[Triple]:
        """(T, H, W) stride of each Conv2D/Conv3D, first to last."""
        head = self.head
        n = head.n_conv
        if n == 0:
            return []
        last = self.last_conv_stride
        if last is None:
            last = (2, 2, 2) if head.conv_type == "Conv3D" else (1, 2, 2)
        strides = [(1, 1, 1)] * n
        strides[0] = self.first_conv_stride
        strides[-1] = tuple(a * b for a, b in zip(strides[-1], last))  # type: ignore[assignment]
        return strides

    def stage_shapes(self) -> list[tuple[str, tuple[int, int, int, int]]]:
        """(name, (C, T, H, W)) after the input and after each layer with a spatial output."""
        head = self.head
        c, (t, h, w) = self.in_channels, self.input_size
        shapes: list[tuple[str, tuple[int, int, int, int]]] = [("input", (c, t, h, w))]
        if head.cb:
            k, s = self.cb_temporal_kernel, self.cb_temporal_stride
            t = _conv_out(t, k, s, k // 2)
            for i, width in enumerate(self.cb_channels):
                shapes.append((f"cb.{i}", (width, t, h, w)))
            c = self.cb_channels[-1]
        if head.conv_type is not None:
            kt = 3 if head.conv_type == "Conv3D" else 1
            for i, (st, sh, sw) in enumerate(self.conv_strides()):
                t, h, w = _conv_out(t, kt, st, kt // 2), _conv_out(h, 3, sh, 1), _conv_out(w, 3, sw, 1)
                c = self.dim_conv
                shapes.append((f"convs.{i}", (c, t, h, w)))
        return shapes

    @property
    def output_size(self) -> Triple:
        """(T, H, W) at the end of the CB/conv stack, before GAP (Table 7's 'A -> B')."""
        _, (_, t, h, w) = self.stage_shapes()[-1]
        return (t, h, w)

    @property
    def feature_dim(self) -> int:
        """Width of the head output c (eqs. 10-11) fed to the classifier."""
        head = self.head
        if head.n_fc:
            return self.dim_fc
        _, (c, t, h, w) = self.stage_shapes()[-1]
        return c if head.gap else c * t * h * w


# ---------------------------------------------------------------------------- layers


def _conv_unit(cin: int, cout: int, kernel: Triple, stride: Triple, norm: NormKind) -> nn.Sequential:
    padding = tuple(k // 2 for k in kernel)
    layers: list[nn.Module] = [nn.Conv3d(cin, cout, kernel, stride=stride, padding=padding, bias=norm == "none")]
    if norm == "batch":
        layers.append(nn.BatchNorm3d(cout))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def create_channel_bottleneck(
    in_channels: int,
    widths: Sequence[int],
    *,
    temporal_kernel: int = 1,
    temporal_stride: int = 1,
    norm: NormKind = "batch",
) -> nn.Sequential:
    """The CB module: three 1x1x1 Conv3D (+norm, ReLU) with output ``widths``.

    The first conv's temporal kernel/stride may be raised (Table 7 blocks 3-4: 3 and 2,
    padding 1). Input (B, in_channels, T, H, W) -> (B, widths[-1], T', H, W) with
    T' = floor((T - 1) / temporal_stride) + 1.
    """
    layers, cin = [], in_channels
    for i, width in enumerate(widths):
        kernel = (temporal_kernel, 1, 1) if i == 0 else (1, 1, 1)
        stride = (temporal_stride, 1, 1) if i == 0 else (1, 1, 1)
        layers.append(_conv_unit(cin, width, kernel, stride, norm))
        cin = width
    return nn.Sequential(*layers)


def create_conv_stack(
    in_channels: int,
    out_channels: int,
    strides: Sequence[Triple],
    *,
    conv_type: ConvType = "Conv3D",
    norm: NormKind = "batch",
) -> nn.Sequential:
    """``len(strides)`` Conv3D (3x3x3) or Conv2D (1x3x3) layers (+norm, ReLU), ``out_channels`` wide.

    Input (B, in_channels, T, H, W) -> (B, out_channels, T', H', W'), each axis reduced by
    its strides (padding 1 on convolved axes).
    """
    kernel: Triple = (3, 3, 3) if conv_type == "Conv3D" else (1, 3, 3)
    layers, cin = [], in_channels
    for stride in strides:
        layers.append(_conv_unit(cin, out_channels, kernel, tuple(stride), norm))  # type: ignore[arg-type]
        cin = out_channels
    return nn.Sequential(*layers)


class TAHNet(nn.Module):
    """A temporal action head built from a :class:`TAHNetConfig`.

    Submodules, in order: ``cb`` (CB or Identity), ``convs`` (Conv3D/Conv2D stack or
    Identity), ``pool`` (GAP or Identity), ``fcs`` (hidden FC + ReLU layers), ``dropout``,
    ``classifier`` (the eq. 13 linear layer).

    Input: (B, C, T, H, W) action-region features with (C, T, H, W) =
    (config.in_channels, *config.input_size). Output: (B, num_classes) logits.
    """

    def __init__(self, config: TAHNetConfig) -> None:
        super().__init__()
        if not isinstance(config, TAHNetConfig):
            raise TypeError(f"TAHNet takes a TAHNetConfig, got {type(config).__name__}; use create_tahnet(spec, ...) for a spec string")
        self.config = config
        head = config.head
        channels = config.in_channels
        if head.cb:
            self.cb: nn.Module = create_channel_bottleneck(
                channels,
                config.cb_channels,
                temporal_kernel=config.cb_temporal_kernel,
                temporal_stride=config.cb_temporal_stride,
                norm=config.norm,
            )
            channels = config.cb_channels[-1]
        else:
            self.cb = nn.Identity()
        if head.conv_type is not None:
            self.convs: nn.Module = create_conv_stack(channels, config.dim_conv, config.conv_strides(), conv_type=head.conv_type, norm=config.norm)
        else:
            self.convs = nn.Identity()
        self.pool: nn.Module = nn.AdaptiveAvgPool3d(1) if head.gap else nn.Identity()
        _, (c, t, h, w) = config.stage_shapes()[-1]
        features = c if head.gap else c * t * h * w
        fcs: list[nn.Module] = []
        for _ in range(head.n_fc):
            fcs += [nn.Linear(features, config.dim_fc), nn.ReLU(inplace=True)]
            features = config.dim_fc
        self.fcs = nn.Sequential(*fcs)
        self.dropout: nn.Module = nn.Dropout(config.dropout) if config.dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(features, config.num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm3d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(m.bias)
        # The classifier starts near zero (uniform class probabilities). The hidden FC layers
        # keep He initialisation: drawn at std 0.01 like it, they scale every gradient reaching
        # the convolutions by ~1e-4 and plain SGD barely moves in a short schedule (measured on
        # the quick benchmark: loss 2.41 -> 2.41 in 400 iterations; 0.39 with He init).
        nn.init.normal_(self.classifier.weight, std=0.01)
        nn.init.zeros_(self.classifier.bias)

    @property
    def expected_input_shape(self) -> tuple[int, int, int, int]:
        """(C, T, H, W) this head accepts."""
        return (self.config.in_channels, *self.config.input_size)

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``ValueError`` (``TypeError`` for a non-tensor) unless x is (B, C, T, H, W) of the built size."""
        want = self.expected_input_shape
        pretty = "(B, {}, {}, {}, {})".format(*want)
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"TAHNet expects a tensor of shape {pretty}, got {type(x).__name__}")
        if x.ndim != 5:
            raise ValueError(f"TAHNet expects action-region features of shape (B, C, T, H, W) = {pretty}; got a {x.ndim}-d tensor of shape {tuple(x.shape)}")
        if tuple(x.shape[1:]) != want:
            raise ValueError(
                f"TAHNet {self.config.spec!r} was built for input {pretty}, got {tuple(x.shape)}; "
                f"build it with in_channels={x.shape[1]}, input_size={tuple(x.shape[2:])} to accept this size"
            )
        if not x.is_floating_point():
            raise ValueError(f"TAHNet expects floating-point features, got dtype {x.dtype}")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, H, W) -> (B, config.feature_dim): the head output c of eqs. 10-11."""
        self.check_input(x)
        x = self.pool(self.convs(self.cb(x)))
        return self.fcs(torch.flatten(x, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, H, W) -> (B, num_classes) logits (eq. 13, before the SoftMax of eq. 12)."""
        return self.classifier(self.dropout(self.forward_features(x)))


def create_tahnet(spec: str, **options: Any) -> TAHNet:
    """Build a head from a spec string and :class:`TAHNetConfig` keyword options.

    Example: ``create_tahnet("CB+Conv3Dx4+GAP+FC", dim_conv=512, num_classes=10)``.
    """
    unknown = sorted(set(options) - {f.name for f in dataclasses.fields(TAHNetConfig)})
    if unknown:
        raise TAHNetSpecError(f"unknown TAHNet option(s) {', '.join(unknown)}; options: {', '.join(f.name for f in dataclasses.fields(TAHNetConfig) if f.name != 'spec')}")
    return TAHNet(TAHNetConfig(spec, **options))


# ---------------------------------------------------------------------------- presets

_PRESETS: dict[str, dict[str, Any]] = {
    # Table 5 / 6 block 1 (P2-P5) and Table 7 block 1 x5: DIM 1024, NTU RGB+D.
    "tahnet_v1": dict(spec="CB+Conv3Dx5+GAP+FC", dim_conv=1024, num_classes=60),
    # Table 5 / 6 block 1 and Table 7 block 1 x4: DIM 1024, N-UCLA.
    "tahnet_v2": dict(spec="CB+Conv3Dx4+GAP+FC", dim_conv=1024, num_classes=10),
    # Table 2 "TAHNet-v2 w/o CB": Table 5 block 2 x4, DIM 1024 (105.4 GMACs).
    "tahnet_v2_wo_cb": dict(spec="Conv3Dx4+GAP+FC", dim_conv=1024, num_classes=10),
    # Table 7 block 2 x4: DIM 512, N-UCLA.
    "tahnet_v3": dict(spec="CB+Conv3Dx4+GAP+FC", dim_conv=512, num_classes=10),
    # Table 7 block 4 x3: DIM 512, 8x28x28, CB 3x1x1/2, first conv stride 2, no FC, NTU.
    "tahnet_v4": dict(
        spec="CB+Conv3Dx3+GAP",
        dim_conv=512,
        input_size=(8, 28, 28),
        cb_temporal_kernel=3,
        cb_temporal_stride=2,
        first_conv_stride=(2, 2, 2),
        last_conv_stride=(1, 2, 2),
        num_classes=60,
    ),
}
PRESET_NAMES: tuple[str, ...] = tuple(_PRESETS)

def preset_config(name: str, **overrides: Any) -> TAHNetConfig:
    """The config of preset ``name`` (one of :data:`PRESET_NAMES`) with fields overridden.

    Example: ``preset_config("tahnet_v1", input_size=(16, 14, 14))`` is Table 1's 16-frame row.
    """
    if name not in _PRESETS:
        raise TAHNetSpecError(f"unknown TAHNet preset {name!r}; presets: {', '.join(PRESET_NAMES)}")
    fields = {f.name for f in dataclasses.fields(TAHNetConfig)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise TAHNetSpecError(f"unknown TAHNet option(s) {', '.join(unknown)} for preset {name}")
    return TAHNetConfig(**{**_PRESETS[name], **overrides})


def tahnet_v1(**overrides: Any) -> TAHNet:
    """TAHNet-v1: CB+Conv3Dx5+GAP+FC, DIM 1024, 256x8x14x14 -> 60 classes (NTU RGB+D).

    145.1 GMACs per clip (Tables 1, 7). Any :class:`TAHNetConfig` field can be overridden.
    """
    return TAHNet(preset_config("tahnet_v1", **overrides))


def tahnet_v2(**overrides: Any) -> TAHNet:
    """TAHNet-v2: CB+Conv3Dx4+GAP+FC, DIM 1024, 256x8x14x14 -> 10 classes (N-UCLA). 100.8 GMACs."""
    return TAHNet(preset_config("tahnet_v2", **overrides))


def tahnet_v2_wo_cb(**overrides: Any) -> TAHNet:
    """TAHNet-v2 without CB: Conv3Dx4+GAP+FC, DIM 1024, 256x8x14x14 -> 10 classes. 105.4 GMACs."""
    return TAHNet(preset_config("tahnet_v2_wo_cb", **overrides))


def tahnet_v3(**overrides: Any) -> TAHNet:
    """TAHNet-v3: CB+Conv3Dx4+GAP+FC, DIM 512 (CB 512/128/64), 256x8x14x14 -> 10 classes. 25.3 GMACs."""
    return TAHNet(preset_config("tahnet_v3", **overrides))


def tahnet_v4(**overrides: Any) -> TAHNet:
    """TAHNet-v4: CB+Conv3Dx3+GAP, DIM 512, 256x8x28x28 -> 60 classes (NTU RGB+D). 5.3 GMACs.

    CB's first conv is 3x1x1 with temporal stride 2, the first Conv3D has stride 2 on
    every axis, the last stride (1, 2, 2): 8x28x28 -> 4x28x28 -> 2x14x14 -> 2x7x7 (see
    the module docstring, items 7-8, for why not the printed 1x7x7).
    """
    return TAHNet(preset_config("tahnet_v4", **overrides))
