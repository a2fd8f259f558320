"""Temporal action heads (TAHNet) and their complexity in the paper's GFLOPs (= GMACs).

- :mod:`hiar_lib.models.tahnet`: heads built from spec strings such as
  ``"CB+Conv3Dx5+GAP+FC"``, presets ``tahnet_v1`` .. ``tahnet_v4`` and
  ``tahnet_v2_wo_cb``, and :func:`paper_rows`, every head of Tables 1, 2, 4-7.
- :mod:`hiar_lib.models.flops`: :func:`count_gflops` and :func:`gflops_table`.
"""

from hiar_lib.models.flops import count_gflops, gflops_table
from hiar_lib.models.tahnet import (
    PRESET_NAMES,
    HeadSpec,
    PaperRow,
    TAHNet,
    TAHNetConfig,
    TAHNetSpecError,
    create_channel_bottleneck,
    create_conv_stack,
    create_tahnet,
    paper_rows,
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
    "PaperRow",
    "TAHNet",
    "TAHNetConfig",
    "TAHNetSpecError",
    "count_gflops",
    "create_channel_bottleneck",
    "create_conv_stack",
    "create_tahnet",
    "gflops_table",
    "paper_rows",
    "parse_head_spec",
    "preset_config",
    "tahnet_v1",
    "tahnet_v2",
    "tahnet_v2_wo_cb",
    "tahnet_v3",
    "tahnet_v4",
]
