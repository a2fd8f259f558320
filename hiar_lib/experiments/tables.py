"""The paper's ablation tables measured on a feature cache, our rows beside the paper's.

Each row of a table is a head trained from one feature cache with the clip settings the
row changes (:func:`hiar_lib.experiments.heads.train_heads`: heads are cached per head
config, clip settings and seed, so a rerun trains nothing and a head two tables share
is trained once), scored on the cache's test split, and put beside the number the paper
printed for that row (``paper_tables/``; never copied into our columns). On the
synthetic benchmark our cross-subject column stands beside the paper's NTU RGB+D
cross-subject one, and on ``v12_3`` (cameras 1 and 2 train, camera 3 tests) beside the
paper's N-UCLA V(1,2)->3 column (Tables 3-7; each protocol's record is named by it
unless it is ``cs``).

Tables 1, 2 and 4-7 are the authors' heads as
:func:`hiar_lib.experiments.paper_heads.paper_rows` builds them (a row naming a model,
"TAHNet-v1", is that preset), shrunk by the profile's width rule
(:class:`hiar_lib.head_widths.WidthRule`, the same for every row and printed with the
table), on the clips the row's input size and FPN levels say (``8x7x7`` pools ``S = 7``,
``16x28x28`` ``T = 16, S = 28``). Table 1 is measured on both protocols, beside the
paper's cross-subject and cross-view columns (:func:`table1`); Table 2 on N-UCLA's three
cross-view protocols (on the synthetic benchmark its three cameras), each head fine-tuned
from the cross-subject head of its row (:func:`table2`). Table 3 is TAHNet-v1 over each
action region (TAHNet-v2 in the N-UCLA column, as the paper's). Tables 3-7 are measured
in both of their columns on the synthetic benchmark (:func:`table_columns`), the N-UCLA
analogue's heads fine-tuned from the cross-subject ones like Table 2's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hiar_lib.errors import HiarError
from hiar_lib.experiments.suite import SuiteParams, head_runs

__all__ = [
    "MEASURED_TABLES", "ORACLE_PROTOCOLS", "TABLE2_PROTOCOLS", "TableRow", "TableSpec", "has_oracle",
    "head_gmacs", "oracle_rows", "paper_gmacs", "paper_number", "row_head_options", "row_start", "cross_subject_head", "starts_from_cross_subject",
    "seed_spread", "table1", "table2", "table2_start", "table_columns", "table_rows", "table_spec",
]  # fmt: skip

MEASURED_TABLES: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
"""The tables :func:`table_rows` measures."""

_PAPER_CSV = {1: "table1_ntu_sota", 2: "table2_nucla_sota"}  # where a table's paper CSV is named otherwise than its artefact
_ARTEFACTS = {1: "table1_ntu", 2: "table2_nucla", 3: "table3_action_region", 4: "table4_layers", 5: "table5_gap_cb", 6: "table6_fpn_levels", 7: "table7_complexity"}


@dataclass(frozen=True)
class TableRow:
    """One row of a table.

    Attributes:
        name: how the row is shown (``"row 2: CB+Conv3Dx5+GAP+FC"``).
        head: a preset name or a head spec.
        paper_row: the row's number in the paper's CSV.
        clip: the clip settings the row changes (:data:`hiar_lib.experiments.heads.CLIP_FIELDS`).
        widths: the paper's ``(dim_conv, dim_fc, cb_widths)`` of the head, shrunk by the
            profile's rule; ``None`` for a preset, which the profile shrinks itself.
        options: the head's other settings (strides, kernels) as ``head_options``.
        instances: ``"detected"`` (the method) or ``"ground_truth"`` (an oracle row:
            trained and tested on the synthetic benchmark's annotated people,
            :func:`oracle_rows`).
    """

    name: str
    head: str
    paper_row: int
    clip: dict[str, Any] = field(default_factory=dict)
    widths: tuple[int, int, tuple[int, int, int] | None] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    instances: str = "detected"


@dataclass(frozen=True)
class TableSpec:
    """A table: its artefact name, its rows, and per protocol of ours the paper's column
    it stands beside (Table 1 has NTU RGB+D cross-subject and cross-view columns, Table 2
    N-UCLA's three cross-view protocols; Tables 3-7 NTU RGB+D cross-subject and N-UCLA
    V(1,2)->3, whose synthetic analogue is ``v12_3``). ``default_protocol``: the protocol
    whose record is named without it (``None``: every record names its protocol)."""

    table: int
    artefact: str
    paper_columns: dict[str, str]
    rows: tuple[TableRow, ...]
    default_protocol: str | None = None

    def results_name(self, protocol: str, profile: str) -> str:
        """``<artefact>[_<protocol>]_<profile>``: the protocol is named unless it is the default."""
        return f"{self.artefact}_{profile}" if protocol == self.default_protocol else f"{self.artefact}_{protocol}_{profile}"


ORACLE_PROTOCOLS: tuple[str, ...] = ("cs", "cv")
"""The protocols whose tables get oracle rows (:func:`oracle_rows`): those trained from
scratch (the N-UCLA analogues fine-tune from cross-subject heads of detected people)."""

TABLE2_PROTOCOLS: tuple[str, ...] = ("v12_3", "v31_2", "v23_1")
"""Table 2's protocols (N-UCLA's cross-view ones; on the synthetic benchmark its cameras)."""


_STRUCTURAL = ("cb_temporal_kernel", "cb_temporal_stride", "first_conv_stride", "last_conv_stride", "norm", "dropout")


def _paper_head_rows(table: int) -> tuple[TableRow, ...]:
    """The authors' heads of Table 1, 2, 4, 5, 6 or 7 as rows."""
    from hiar_lib.experiments.paper import paper_table
    from hiar_lib.experiments.paper_heads import paper_rows
    from hiar_lib.models.tahnet import PRESET_NAMES, TAHNetConfig, preset_config

    frame = paper_table(_PAPER_CSV.get(table, _ARTEFACTS[table])).set_index("row")
    levels = frame["fpn_levels"] if "fpn_levels" in frame else {}
    default = TAHNetConfig(spec="Conv3Dx1+GAP+FC")
    rows = []
    for r in paper_rows([table]):
        c = r.config
        clip: dict[str, Any] = {"clip_len": c.input_size[0], "output_size": c.input_size[1]}
        text = levels.get(r.row)
        if isinstance(text, str) and text.strip():
            clip["levels"] = tuple(t.strip() for t in text.split(","))
        name = f"row {r.row}: {c.spec}" + (f" ({r.name})" if r.name.startswith("TAHNet") else "")
        # A head that is a preset (named in the paper's row or not: Table 6's rows are
        # TAHNet-v1 and v2 over other levels) is trained as that preset, so the heads the
        # tables and the claims share train once (same widths under the profile's rule).
        named = r.name.lower().replace("-", "_")
        preset = next((p for p in (named, *PRESET_NAMES) if p in PRESET_NAMES and _same_head(preset_config(p), c)), None)
        if preset is not None:
            rows.append(TableRow(name, preset, r.row, clip))
            continue
        options = {k: getattr(c, k) for k in _STRUCTURAL if getattr(c, k) != getattr(default, k)}
        rows.append(TableRow(name, c.spec, r.row, clip, (c.dim_conv, c.dim_fc, c.cb_widths), options))
    return tuple(rows)


def _same_head(a: Any, b: Any) -> bool:
    """Whether two head configs differ in nothing but their input and classifier sizes."""
    from dataclasses import asdict

    skip = ("in_channels", "input_size", "num_classes")
    return {k: v for k, v in asdict(a).items() if k not in skip} == {k: v for k, v in asdict(b).items() if k not in skip}


def table_spec(table: int, protocol: str | None = None) -> TableSpec:
    """The rows of a measured table (one of :data:`MEASURED_TABLES`) on ``protocol``.

    Table 3's rows are TAHNet-v1 over each region on NTU RGB+D's protocols and TAHNet-v2
    on N-UCLA's (``v12_3``), as the paper's were.

    Raises:
        HiarError: a table that is not measured here.
    """
    if table not in MEASURED_TABLES:
        raise HiarError(f"table {table} is not measured here; tables: {', '.join(map(str, MEASURED_TABLES))}")
    if table == 3:  # the paper's NTU RGB+D column used TAHNet-v1, its N-UCLA column TAHNet-v2
        head = "tahnet_v2" if protocol in TABLE2_PROTOCOLS else "tahnet_v1"
        rows = (TableRow("basic", head, 1, {"box": "basic"}), TableRow("outermost", head, 2, {"box": "outermost"}))
    else:
        rows = _paper_head_rows(table)
    default: str | None = "cs"
    if table == 1:
        columns, default = {"cs": "cs", "cv": "cv"}, None
    elif table == 2:
        columns, default = {p: f"{p}_mean" for p in TABLE2_PROTOCOLS}, None
    else:
        columns = {"cs": "ntu_cs", "v12_3": "nucla_v12_3_mean"}
    return TableSpec(table, _ARTEFACTS[table], columns, rows, default)


def row_head_options(row: TableRow, params: SuiteParams) -> dict[str, Any]:
    from hiar_lib.profiles import get_profile

    if row.widths is None:
        return {}
    return {**get_profile(params.profile).widths.scale(*row.widths), **row.options}


def head_gmacs(config: dict[str, Any]) -> float:
    """GMACs per clip of the head ``config`` describes (built on the meta device)."""
    import torch

    from hiar_lib.models.flops import count_gflops
    from hiar_lib.models.tahnet import TAHNet, TAHNetConfig

    cfg = TAHNetConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in config.items()})
    with torch.device("meta"):
        model = TAHNet(cfg)
    return count_gflops(model, model.expected_input_shape)


def paper_gmacs(row: TableRow) -> float:
    """GMACs of the row's head at the paper's widths and input (256 channels, 60 classes)."""
    from dataclasses import asdict

    from hiar_lib.models.tahnet import PRESET_NAMES, TAHNetConfig, preset_config

    t, s = row.clip.get("clip_len", 8), row.clip.get("output_size", 14)
    if row.widths is None:
        if row.head in PRESET_NAMES:
            config = preset_config(row.head, input_size=(t, s, s))
        else:
            config = TAHNetConfig(spec=row.head, input_size=(t, s, s))
    else:
        dim_conv, dim_fc, cb = row.widths
        config = TAHNetConfig(spec=row.head, input_size=(t, s, s), dim_conv=dim_conv, dim_fc=dim_fc, cb_widths=cb, **row.options)
    return head_gmacs(asdict(config))


def paper_number(table: int, protocol: str, paper_row: int) -> float | None:
    """The paper's top-1 (percent) for its row ``paper_row`` of ``table`` in the column
    that ``protocol`` stands beside (:attr:`TableSpec.paper_columns`); ``None`` where the
    paper has no such column or printed no number there."""
    from hiar_lib.experiments.paper import paper_table

    spec = table_spec(table, protocol)
    column = spec.paper_columns.get(protocol)
    if column is None:
        return None
    value = paper_table(_PAPER_CSV.get(table, spec.artefact)).set_index("row").loc[paper_row, column]
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def oracle_rows(table: int, protocol: str) -> tuple[TableRow, ...]:
    """The oracle rows of ``table`` on ``protocol``: the same heads trained and tested on
    the synthetic benchmark's annotated people instead of the detected ones, beside them,
    so that a reader sees what the instance stage costs. Table 1: TAHNet-v1 at T = 8;
    Table 3: both action regions; on the protocols of :data:`ORACLE_PROTOCOLS`. None
    elsewhere (each oracle row is one more head to train)."""
    from dataclasses import replace

    if protocol not in ORACLE_PROTOCOLS or table not in (1, 3):
        return ()
    rows = table_spec(table, protocol).rows
    if table == 1:
        rows = tuple(r for r in rows if r.head == "tahnet_v1" and r.clip.get("clip_len") == 8)
    return tuple(replace(r, name=f"{r.name} [ground-truth instances]", instances="ground_truth") for r in rows)


def table_rows(
    table: int,
    params: SuiteParams,
    cache: str | Path,
    progress: bool = True,
    init_from: Callable[[TableRow], str] | None = None,
    oracle_cache: str | Path | None = None,
) -> pd.DataFrame:
    """Train and score every row of ``table`` on ``cache``; write the table's record.

    Args:
        table: the paper's table number (one of :data:`MEASURED_TABLES`).
        params: the notebook's parameters (profile, protocol, seeds, device, folders).
        cache: the feature cache (:func:`hiar_lib.experiments.suite.feature_cache`).
        init_from: per row, the checkpoints its head is fine-tuned from (``{seed}`` for
            each seed's); ``None``: :func:`row_start` (on the synthetic
            cross-view protocols the same row's cross-subject head, else from scratch).
        oracle_cache: the synthetic benchmark's ground-truth instances cache
            (:func:`~hiar_lib.experiments.suite.feature_cache` with
            ``instances="ground_truth"``): the table's :func:`oracle_rows` follow its
            rows, with no paper number.

    Returns:
        One line per row: ``row``, ``instances`` (``detected`` or ``ground_truth``), ``head``, ``head_options`` (the widths trained),
        ``gmacs_trained`` and ``gmacs_paper_widths`` (the head's multiply-accumulates per
        clip, in billions, as trained and at the paper's widths, 256 input channels and
        60 classes), ``top1`` and ``top1_std`` (percent, mean and standard deviation over the seeds;
        ``None`` for one seed),
        ``seeds``, ``paper`` (the paper's number, percent) and ``difference`` (ours minus
        the paper's). The record goes to ``results_dir/<artefact>_<profile>.json`` (with
        the width rule, the extraction settings and each run's summary) and the table to
        the ``.csv`` beside it.

    Raises:
        HiarError: a table that is not measured here.
    """
    from hiar_lib.engine.data import read_cache_info
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record
    from hiar_lib.profiles import get_profile

    spec = table_spec(table, params.protocol)
    started = time.perf_counter()
    info = read_cache_info(cache)
    column = spec.paper_columns.get(params.protocol)  # None: the paper has no such column
    lines, runs = [], []
    oracle = oracle_rows(table, params.protocol) if oracle_cache is not None else ()
    for row in (*spec.rows, *oracle):
        options = row_head_options(row, params)
        detected = row.instances == "detected"
        start = row_start(params, row, progress) if init_from is None else init_from(row) if detected else None
        source = cache if detected else oracle_cache
        record = head_runs(params, source, row.head, clip=row.clip, head_options=options, progress=progress, init_from=start)
        summary = record.metrics["summary"]
        top1 = 100 * float(summary["accuracy_mean"])
        printed = paper_number(table, params.protocol, row.paper_row) if detected else None
        trained = record.parameters["head_config"]
        lines.append({
            "row": row.name, "instances": row.instances, "head": row.head,
            "head_options": f"dim_conv {trained['dim_conv']}, dim_fc {trained['dim_fc']}",
            "gmacs_trained": head_gmacs(trained), "gmacs_paper_widths": paper_gmacs(row),
            "top1": top1,
            # no spread from one seed (not a spread of 0): the quick tables print the measured seed spread beside
            "top1_std": 100 * float(summary["accuracy_std"]) if len(params.seeds) > 1 else None, "seeds": len(params.seeds),
            "paper": printed, "difference": None if printed is None else top1 - printed,
        })  # fmt: skip
        runs.append({"row": row.name, "paper_row": row.paper_row, "instances": row.instances, "cache": str(source),
                     "clip": record.parameters["train_config"]["clip"], "run": str(record.path), "init_from": start,
                     "summary": summary})  # fmt: skip
    frame = pd.DataFrame(lines)
    out = params.results_dir / f"{spec.results_name(params.protocol, params.profile)}.json"
    prov = provenance(profile=params.profile, seeds=list(params.seeds), device=params.device,
                      wall_time_s=time.perf_counter() - started)  # fmt: skip
    parameters = {"table": table, "dataset": params.dataset, "protocol": params.protocol, "cache": str(cache),
                  "extraction": info.config, "paper_column": column,
                  "width_rule": get_profile(params.profile).widths.describe()}  # fmt: skip
    write_record(out, spec.artefact, parameters, {"rows": lines, "runs": runs}, prov)
    frame.to_csv(out.with_suffix(".csv"), index=False)
    return frame


def seed_spread(params: SuiteParams) -> dict[str, Any] | None:
    """How much one head's top-1 moves from seed to seed at this profile: differences
    between rows smaller than this are noise.

    Read from ``results_dir/<profile>_tahnet_v1_cs.json``, the record of TAHNet-v1 over
    3 seeds that ``make reproduce`` writes.

    Returns:
        ``{"head", "seeds", "accuracies", "std", "range", "record"}`` (percent), or
        ``None`` when that record is not there (yet).
    """
    from hiar_lib.experiments.records import read_record

    path = params.results_dir / f"{params.profile}_tahnet_v1_cs.json"
    if not path.is_file():
        return None
    summary = read_record(path).metrics["summary"]
    acc = [100 * float(a) for a in summary["accuracies"]]
    return {"head": "tahnet_v1", "seeds": len(acc), "accuracies": acc, "std": 100 * float(summary["accuracy_std"]),
            "range": max(acc) - min(acc), "record": str(path)}  # fmt: skip


def table1(params: SuiteParams, progress: bool = True) -> pd.DataFrame:
    """Table 1's TAHNet rows on both protocols of the dataset: for cross-subject and
    cross-view each, the feature cache (:func:`~hiar_lib.experiments.suite.feature_cache`)
    and :func:`table_rows`; ``params.protocol`` is not used.

    Returns:
        One line per row: ``row``, ``head``, ``head_options``, ``gmacs_trained``,
        ``gmacs_paper_widths``, then ``top1``, ``paper`` and ``difference`` per protocol
        (``top1_cs``, ``paper_cs``, ...).
    """
    return _merge_protocols(1, params, progress)


def table2(params: SuiteParams, progress: bool = True) -> pd.DataFrame:
    """Table 2's TAHNet rows on the three cross-view protocols (:data:`TABLE2_PROTOCOLS`)
    and their average, each head fine-tuned from the cross-subject head of the same row,
    as the paper's N-UCLA heads start from its NTU RGB+D ones (Section 4.2).

    On the synthetic benchmark the three cameras stand for N-UCLA's three views: each
    protocol trains on two and tests on the third, from its own feature cache; the
    cross-subject heads train on the cross-subject cache first (cached like every head).
    On the real N-UCLA the heads train from scratch here (the paper's start, an NTU RGB+D
    head, is another dataset's cache; ``hiar train --init-from`` takes one).
    ``params.protocol`` is not used.

    Returns:
        One line per row: ``row``, ``head``, ``head_options``, ``gmacs_trained``,
        ``gmacs_paper_widths``, then ``top1``, ``paper`` and ``difference`` per protocol
        (``top1_v12_3``, ...), then ``top1_avg``, ``paper_avg`` and ``difference_avg``.
        Each protocol's record goes to ``results_dir/table2_nucla_<protocol>_<profile>.json``
        (with each head's starting checkpoints), the whole table to
        ``table2_nucla_<profile>.csv``.
    """
    from hiar_lib.experiments.paper import paper_table

    merged = _merge_protocols(2, params, progress)
    protocols = TABLE2_PROTOCOLS
    merged["top1_avg"] = merged[[f"top1_{p}" for p in protocols]].mean(axis=1)
    paper = paper_table("table2_nucla_sota").set_index("row")["avg"]
    merged["paper_avg"] = [float(paper.loc[r.paper_row]) for r in table_spec(2).rows]
    merged["difference_avg"] = merged["top1_avg"] - merged["paper_avg"]
    merged.to_csv(params.results_dir / f"table2_nucla_{params.profile}.csv", index=False)
    return merged


def starts_from_cross_subject(params: SuiteParams, row: TableRow) -> bool:
    """Whether the head of ``row`` on ``params.protocol`` is fine-tuned from the same
    row's cross-subject head: the rule of :func:`row_start` (a row of detected instances
    on the synthetic benchmark's N-UCLA analogues, :data:`TABLE2_PROTOCOLS`)."""
    return params.dataset == "synthetic" and params.protocol in TABLE2_PROTOCOLS and row.instances == "detected"


def row_start(params: SuiteParams, row: TableRow, progress: bool = True) -> str | None:
    """Where the head of ``row`` on ``params.protocol`` starts from: the one rule the
    tables, the claims and the estimate go by. On the synthetic benchmark's cross-view
    protocols (the N-UCLA analogues, :data:`TABLE2_PROTOCOLS`) a row of detected
    instances starts from the same row's cross-subject head (as the paper's N-UCLA heads
    start from its NTU RGB+D ones, Section 4.2), trained first when it is not yet
    (:func:`table2_start`, which says where before it is); ``None`` (from scratch)
    everywhere else, and for oracle rows (whose tables train them where heads start from
    scratch, :data:`ORACLE_PROTOCOLS`). :func:`starts_from_cross_subject` is the rule."""
    if not starts_from_cross_subject(params, row):
        return None
    return cross_subject_head(params, row, progress)


def cross_subject_head(params: SuiteParams, row: TableRow, progress: bool = True) -> str:
    """The same row's cross-subject head at ``params``' profile, trained first where not
    yet: its run folder with ``{seed}`` for each seed (:func:`table2_start`)."""
    from dataclasses import replace

    from hiar_lib.experiments.suite import feature_cache, head_runs

    cs = replace(params, protocol="cs")
    head_runs(cs, feature_cache(cs, progress=progress), row.head, clip=row.clip,
              head_options=row_head_options(row, cs), progress=progress)  # fmt: skip
    return table2_start(params, row)


def table2_start(params: SuiteParams, row: TableRow) -> str:
    """Where :func:`table2` fine-tunes ``row``'s heads from on the synthetic benchmark: the
    run folder of the same row's cross-subject head, ``{seed}`` standing for each seed
    (``.../seed{seed}``), whether or not it is trained yet."""
    from dataclasses import replace

    from hiar_lib.experiments.suite import feature_cache_dir, head_run_dir

    cs = replace(params, protocol="cs")
    run = head_run_dir(cs, feature_cache_dir(cs), row.head, row.clip, row_head_options(row, cs))
    return str(run / "seed{seed}")


def table_columns(table: int, params: SuiteParams, progress: bool = True) -> pd.DataFrame:
    """Table 3, 4, 5, 6 or 7 in every column we can measure beside the paper's.

    On the synthetic benchmark: the paper's NTU RGB+D cross-subject column on ``cs`` and
    its N-UCLA column on ``v12_3`` (each head there fine-tuned from the same row's
    cross-subject head, :func:`row_start`), side by side, then
    ``params.protocol`` when it is neither. On a real dataset: ``params.protocol`` alone
    (:func:`table_rows` on its feature cache). Each protocol's record is written by
    :func:`table_rows`.

    Returns:
        One line per row: ``row``, ``head``, ``head_options``, ``gmacs_trained``,
        ``gmacs_paper_widths``, then ``top1``, ``top1_std``, ``paper`` and ``difference``
        per protocol (``top1_cs``, ``top1_v12_3``, ...), and ``head_<protocol>`` where a
        protocol's head is another than the first's (Table 3: TAHNet-v2 on ``v12_3``).
    """
    from hiar_lib.experiments.suite import feature_cache

    if params.dataset != "synthetic":
        return table_rows(table, params, feature_cache(params, progress=progress), progress=progress)
    protocols = list(table_spec(table).paper_columns)
    if params.protocol not in protocols:
        protocols.append(params.protocol)
    return _merge_protocols(table, params, progress, protocols)


def _merge_protocols(table: int, params: SuiteParams, progress: bool, protocols: list[str] | None = None) -> pd.DataFrame:
    """:func:`table_rows` on each of ``protocols`` (default: the table's paper columns),
    each from the feature cache of its protocol, side by side: ``top1_<protocol>``,
    ``top1_std_<protocol>``, ``paper_<protocol>``, ``difference_<protocol>``, and
    ``head_<protocol>`` where its head is another than the first protocol's."""
    from dataclasses import replace

    from hiar_lib.experiments.suite import feature_cache

    merged: pd.DataFrame | None = None
    for protocol in protocols or table_spec(table).paper_columns:
        p = replace(params, protocol=protocol)
        oracle = feature_cache(p, progress=progress, instances="ground_truth") if has_oracle(table, p) else None
        frame = table_rows(table, p, feature_cache(p, progress=progress), progress=progress, oracle_cache=oracle)
        keep = frame[["row", "top1", "top1_std", "paper", "difference"]].rename(
            columns={c: f"{c}_{protocol}" for c in ("top1", "top1_std", "paper", "difference")}
        )
        if merged is None:
            merged = frame.drop(columns=["top1", "top1_std", "paper", "difference", "seeds"])
        elif list(frame["head"]) != list(merged["head"]):
            keep[f"head_{protocol}"] = list(frame["head"])
        merged = merged.merge(keep, on="row", how="left")  # oracle rows: on some protocols only
    assert merged is not None
    return merged


def has_oracle(table: int, params: SuiteParams) -> bool:
    """Whether ``table`` on ``params``' protocol gets :func:`oracle_rows`: on the synthetic
    benchmark (the one dataset here annotated per person) where the table has some."""
    return params.dataset == "synthetic" and params.data_root is None and bool(oracle_rows(table, params.protocol))
