"""Temporal action heads (TAHNet) and their complexity in the paper's GFLOPs (= GMACs).

- :mod:`hiar_lib.models.tahnet`: heads built from spec strings such as
  ``"CB+Conv3Dx5+GAP+FC"``, presets ``tahnet_v1`` .. ``tahnet_v4`` and
  ``tahnet_v2_wo_cb``.
- :mod:`hiar_lib.models.flops`: :func:`count_gflops`.

The paper's rows as heads, and their GFLOPs beside the paper's, are in
:mod:`hiar_lib.experiments` (the model layer does not read the paper's tables).
"""

from hiar_lib.models.flops import count_gflops
from hiar_lib.models.tahnet import (
    PRESET_NAMES,
    HeadSpec,
    TAHNet,
    TAHNetConfig,
    TAHNetSpecError,
    create_channel_bottleneck,
    create_conv_stack,
    create_tahnet,
    parse_head_spec,
    preset_config,
    tahnet_v1,
    tahnet_v2,
    tahnet_v2_wo_cb,
    tahnet_v3,
    tahnet_v4,
)

__all__ = [
    "PRESET_NAMES",
    "HeadSpec",
    "TAHNet",
    "TAHNetConfig",
    "TAHNetSpecError",
    "count_gflops",
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
