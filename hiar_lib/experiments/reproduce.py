"""``make reproduce``: every notebook of the suite executed with papermill, resumable.

Each notebook of :data:`NOTEBOOKS` runs in order with the same parameters (``profile``,
``cache_dir``, ``results_dir``, ...) into ``results/notebooks/<name>.ipynb``. What every
run took is kept in ``results/notebooks/runs.json``: per notebook the source's SHA-256,
the parameters, the commit, the date and the wall time. A notebook whose source and
parameters match its entry there, with its executed copy present, is done: a second run
skips it, and a run stopped half-way starts again at the first notebook not done (the
stages under each, benchmark, detector, feature caches and trained heads, are cached
themselves, so a notebook stopped mid-way loses only its unfinished head).

Before it starts, :func:`estimate` says what is left, from measured times only: a
notebook run before takes what it took then; otherwise its missing stages take what they
took when last measured (the detector's training from its record, a feature cache the
benchmark's videos at the seconds per video the caches here recorded, each head its
iterations at the median seconds per iteration that the heads trained here at this
profile logged, else the committed reference record's time per seed);
a stage never measured is said to be so, never guessed.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hiar_lib.errors import HiarError

__all__ = ["EXTRA_NOTEBOOKS", "NOTEBOOKS", "Estimate", "add_pending_head", "add_pending_row", "notebook_estimate", "NotebookStep", "estimate", "notebook_steps", "run_notebooks"]

NOTEBOOKS: tuple[str, ...] = (
    "00_overview", "table1_ntu", "table2_nucla", "table3_action_region", "table4_layers", "table5_gap_cb", "table6_fpn_levels",
    "table7_complexity", "fig5_confusion", "fig6_multiperson", "inspect", "timing",
)  # fmt: skip
"""The notebooks ``make reproduce`` runs, in order (cheap ones first where they share
nothing; Figures 5 and 6 and the inspector after Table 3, whose outermost head they read)."""

EXTRA_NOTEBOOKS: tuple[str, ...] = ("claims",)
"""Notebooks ``--only`` may name that ``make reproduce`` does not run: ``claims`` (every
ablation claim over seeds at ``synthetic-full``, hours: ``make claims``)."""

_TABLES: dict[str, tuple[int, tuple[str, ...] | None]] = {
    "table1_ntu": (1, ("cs", "cv")),
    "table2_nucla": (2, ("cs", "v12_3", "v31_2", "v23_1")),  # the cross-subject heads first: the others start from them
    "table3_action_region": (3, ("cs", "v12_3")),  # tables.table_columns: both of the paper's columns
    "table4_layers": (4, ("cs", "v12_3")),
    "table5_gap_cb": (5, ("cs", "v12_3")),
    "table6_fpn_levels": (6, ("cs", "v12_3")),
    "table7_complexity": (7, ("cs", "v12_3")),
    "fig5_confusion": (3, None),
    "fig6_multiperson": (3, None),
    "inspect": (3, None),
}
"""Which table's heads a notebook trains, on which protocols (``None``: the notebook's
own) on the synthetic benchmark; on a real dataset, the notebook's own protocol."""

RUNS_FILE = "runs.json"


@dataclass(frozen=True)
class NotebookStep:
    """One notebook of the run: its source, where its executed copy goes, and whether an
    earlier run already did it with the same source and parameters."""

    name: str
    source: Path
    output: Path
    done: bool
    last: dict[str, Any] | None = None


@dataclass
class Estimate:
    """What is left of a run: ``seconds`` (the measured part), ``unmeasured`` (stages
    never timed on record) and one line per notebook saying where its figure comes from."""

    seconds: float = 0.0
    unmeasured: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"estimate: {_duration(self.seconds)} of measured work left"
        if self.unmeasured:
            text += f", plus {', '.join(sorted(set(self.unmeasured)))} never timed yet"
        return text


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_runs(out_dir: Path) -> dict[str, Any]:
    p = out_dir / RUNS_FILE
    if not p.is_file():
        return {}
    try:
        runs = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise HiarError(f"unreadable {p} ({e}); delete it to run every notebook again") from None
    return runs if isinstance(runs, dict) else {}


def notebook_steps(
    notebooks_dir: str | Path, out_dir: str | Path, parameters: dict[str, Any], names: Sequence[str] | None = None
) -> list[NotebookStep]:
    """The notebooks to run (``names``, default :data:`NOTEBOOKS`), each marked done when
    ``out_dir/runs.json`` has it with this source and these parameters and its executed
    copy is in ``out_dir``.

    Raises:
        HiarError: an unknown notebook name, or a source missing from ``notebooks_dir``.
    """
    notebooks_dir, out_dir = Path(notebooks_dir), Path(out_dir)
    names = list(NOTEBOOKS if names is None else names)
    unknown = [n for n in names if n not in NOTEBOOKS + EXTRA_NOTEBOOKS]
    if unknown:
        raise HiarError(f"unknown notebook {', '.join(unknown)}: expected some of {', '.join(NOTEBOOKS + EXTRA_NOTEBOOKS)}")
    runs = _read_runs(out_dir)
    steps = []
    for name in names:
        source = notebooks_dir / f"{name}.ipynb"
        if not source.is_file():
            raise HiarError(f"notebook {source} not found")
        output = out_dir / f"{name}.ipynb"
        last = runs.get(name)
        done = (
            last is not None and output.is_file() and last.get("source_sha256") == _sha256(source)
            and last.get("parameters") == parameters
        )  # fmt: skip
        steps.append(NotebookStep(name, source, output, done, last))
    return steps


def _record_seconds(path: Path) -> float | None:
    try:
        return float(json.loads(path.read_text())["provenance"]["wall_time_s"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


def _seconds_per_iteration(log: Path) -> tuple[float, int] | None:
    """Seconds per training iteration measured in a head's ``train_log.jsonl`` (between
    consecutive lines of one process: a resumed run restarts its clock), and iterations."""
    from hiar_lib.engine.train_log import read_train_log, stretches

    seconds, iterations = 0.0, 0
    try:
        entries = read_train_log(log)
    except OSError:
        return None
    for stretch in stretches(entries):
        for (it0, t0), (it1, t1) in zip(stretch, stretch[1:]):
            if it1 > it0:
                iterations += it1 - it0
                seconds += t1 - t0
    return (seconds / iterations, iterations) if iterations else None


def _alike_profiles(profile: str) -> list[str]:
    """``profile``, then the profiles whose heads and caches cost the same per iteration
    and per video: the same frames (size and length), extraction settings, head widths
    and batch (``synthetic-full``: ``quick``)."""
    from hiar_lib.profiles import PROFILES, get_profile

    def cost(name: str) -> Any:
        p = get_profile(name)
        frames = None if p.synth is None else (p.synth.width, p.synth.height, p.synth.num_frames)
        return frames, p.extraction, p.widths, p.head_fields().get("batch_size")

    return [profile] + [n for n in PROFILES if n != profile and cost(n) == cost(profile)]


def _seconds_per_head_iteration(params: Any, repo_results: Path) -> tuple[float | None, str]:
    """Seconds per training iteration of a head at ``params.profile``: the median that
    the heads trained under ``cache_dir/runs`` at this profile logged (else at a profile
    of the same cost, :func:`_alike_profiles`), else the committed reference record's
    wall time per seed over the profile's iterations."""
    from hiar_lib.profiles import get_profile

    for profile in _alike_profiles(params.profile):
        rates = []
        for log in sorted((params.cache_dir / "runs").glob(f"*_{profile}_*/seed*/train_log.jsonl")):
            measured = _seconds_per_iteration(log)
            if measured is not None and measured[1] >= 10:
                rates.append(measured[0])
        if rates:
            whose = "" if profile == params.profile else f" at {profile} (the same widths, batch and clips)"
            return statistics.median(rates), f"the median rate of {len(rates)} heads trained here{whose}"
    ref = repo_results / f"{params.profile}_tahnet_v1_cs.json"
    seconds = _record_seconds(ref)
    if seconds is not None:
        seeds = json.loads(ref.read_text())["provenance"].get("seeds") or [0]
        iterations = int(get_profile(params.profile).heads["default"]["iterations"])
        return seconds / len(seeds) / iterations, f"{ref.name}"
    return None, ""


def _cache_seconds(params: Any) -> float | None:
    """Seconds to extract one more feature cache of ``params``' synthetic benchmark: its
    videos at the seconds per video that the caches of this profile (and of profiles of
    the same cost, :func:`_alike_profiles`) recorded
    (``cache.json``'s ``extraction_time``); ``None`` where none did."""
    from hiar_lib.data.synthetic import load_manifest
    from hiar_lib.engine.data import read_cache_info
    from hiar_lib.errors import DatasetError
    from hiar_lib.features import CacheError

    videos = seconds = 0.0
    for meta in sorted(m for p in _alike_profiles(params.profile) for m in (params.cache_dir / "features").glob(f"{p}-*/cache.json")):
        try:
            timed = read_cache_info(meta.parent).extraction_time or {}
        except CacheError:
            continue
        videos += float(timed.get("videos", 0))
        seconds += float(timed.get("seconds", 0.0))
    if not videos or params.dataset != "synthetic":
        return None
    try:
        clips = len(load_manifest(params.cache_dir / "synthetic" / params.profile)["clips"])
    except DatasetError:  # not made yet: as many clips as its plan has takes times views
        from hiar_lib.profiles import get_profile
        from hiar_lib.synth.benchmark import plan_benchmark

        config = get_profile(params.profile).synth
        if config is None:
            return None
        clips = len(plan_benchmark(config)) * len(config.views)
    from hiar_lib.experiments.extraction import extraction_settings

    limit = extraction_settings(params.profile).videos_per_split
    return seconds / videos * (clips if limit is None else min(clips, 2 * limit))


def _clip_key(profile: str, clip: dict[str, Any]) -> Any:
    """The clip a row's head will pool, named as its run folder names it
    (:func:`~hiar_lib.experiments.heads.clip_name`: the profile's clip with ``clip``'s
    fields over it), before the cache is made; a row's own fields where the profile's
    cache holds tubes (their clip is fixed at extraction)."""
    from hiar_lib.experiments.extraction import extraction_settings
    from hiar_lib.experiments.heads import clip_name, clip_settings

    settings = extraction_settings(profile)
    config = {"kind": settings.kind, "levels": list(settings.levels), "max_clip_len": settings.max_clip_len}
    try:
        resolved = clip_settings(config, profile, clip)
    except HiarError:  # a clip the cache cannot give: the head run will say so; keep the row's fields
        return clip
    return clip if resolved is None else clip_name(resolved)


def add_pending_head(p: Any, row: Any, init: str | None, heads: dict[tuple[str, ...], int], caches: list[str]) -> None:
    """Add the heads of ``row`` on ``p.protocol`` (one per seed of ``p``) not trained yet
    to ``heads`` (run folder, or where its cache is not made yet the row's key, and
    seed -> its training iterations left: a seed stopped part-way resumes at its last
    checkpoint) and its feature cache to ``caches`` when it is not
    made yet or only in part (:func:`~hiar_lib.features.cache_share_left`). ``init``: where the head is
    fine-tuned from (``None``: from scratch)."""
    from hiar_lib.engine import checkpoint_iteration
    from hiar_lib.experiments.suite import feature_cache_dir, head_run_dir
    from hiar_lib.experiments.tables import row_head_options
    from hiar_lib.features import cache_share_left
    from hiar_lib.profiles import get_profile

    cache = feature_cache_dir(p, row.instances)
    options = row_head_options(row, p)
    iterations = int(get_profile(p.profile).head_fields(p.dataset, finetune=init is not None)["iterations"])
    if not (cache / "cache.json").is_file():
        if cache.name not in caches:
            caches.append(cache.name)
        key = (cache.name, p.protocol, row.head, json.dumps([_clip_key(p.profile, row.clip), options, init], sort_keys=True, default=list))
        heads.update({(*key, str(seed)): iterations for seed in p.seeds})
        return
    if cache.name not in caches and cache_share_left(cache) > 0:  # a killed extraction resumes
        caches.append(cache.name)
    run = head_run_dir(p, cache, row.head, row.clip, options, init)
    done = set(json.loads((run / "results.json").read_text())["provenance"].get("seeds") or []) if (run / "results.json").is_file() else set()
    for seed in set(p.seeds) - done:  # a seed stopped part-way resumes at its last checkpoint
        left = iterations - checkpoint_iteration(run / f"seed{seed}")
        if left > 0:
            heads[(str(run), str(seed))] = left


def add_pending_row(
    p: Any, row: Any, heads: dict[tuple[str, ...], int], caches: list[str], scratch: bool = False, start_from: Any = None
) -> None:
    """:func:`add_pending_head` of ``row`` as its table trains it
    (:func:`~hiar_lib.experiments.tables.row_start`): where it is fine-tuned from the same
    row's cross-subject head, that head comes along; ``scratch``: from scratch anyway;
    ``start_from``: fine-tuned from the row's cross-subject head at these parameters' profile
    (another benchmark's: the claims' "larger" start), whatever the rule says."""
    from hiar_lib.experiments.tables import starts_from_cross_subject

    init = None
    if start_from is not None:
        init = _add_pending_start(start_from, p, row, heads, caches)
    elif not scratch and starts_from_cross_subject(p, row):
        init = _add_pending_start(p, p, row, heads, caches)
    add_pending_head(p, row, init, heads, caches)


def _add_pending_start(of: Any, p: Any, row: Any, heads: dict[tuple[str, ...], int], caches: list[str]) -> str:
    """Add the row's cross-subject head at ``of``'s profile (where a head on ``p`` starts
    from) and return what the fine-tuned head is keyed by: that head's run folder once
    its cache is made; before, a name of it (its profile's where it is not ``p``'s)."""
    from hiar_lib.experiments.suite import feature_cache_dir
    from hiar_lib.experiments.tables import table2_start

    cs = replace(of, protocol="cs")
    add_pending_head(cs, row, None, heads, caches)
    if (feature_cache_dir(cs) / "cache.json").is_file():
        return table2_start(of, row)
    return "cross-subject" if of.profile == p.profile else f"{of.profile} cross-subject"


def _claims_pending(params: Any) -> tuple[dict[tuple[str, ...], int], list[str]]:
    """:func:`_pending_heads` of the ``claims`` notebook: both arms of every claim of
    :data:`hiar_lib.experiments.claims.CLAIMS` and the trade-off's heads, at
    ``params.seeds`` (seeds added later to inconclusive claims are not foreseen)."""
    from hiar_lib.experiments.claims import CLAIMS, trade_off_rows

    heads: dict[tuple[str, ...], int] = {}
    caches: list[str] = []
    for claim in CLAIMS:
        for arm in (claim.claimed, claim.baseline):
            add_pending_row(arm.params(params), arm.row(), heads, caches, scratch=arm.start == "scratch",
                            start_from=params if arm.start == "larger" else None)  # fmt: skip
    for row in trade_off_rows():
        add_pending_row(replace(params, protocol="cs"), row, heads, caches)
    return heads, caches


def notebook_estimate(name: str, params: Any, repo_results: str | Path | None = None) -> Estimate:
    """:func:`estimate` of the notebook ``name`` alone, as if not run yet (the ``claims``
    notebook prints it before it starts)."""
    step = NotebookStep(name, Path(f"{name}.ipynb"), params.results_dir / "notebooks" / f"{name}.ipynb", done=False)
    return estimate([step], params, repo_results or params.results_dir)


def _pending_heads(params: Any, name: str) -> tuple[dict[tuple[str, ...], int], list[str]]:
    """The heads (one per seed: run folder or row, and seed) the notebook ``name`` would
    train that are not trained yet, each with its training iterations, and the feature
    caches it would extract first. A head fine-tuned from a cross-subject one (Table 2,
    and Tables 3-7's N-UCLA column, on the synthetic benchmark) brings its start along."""
    from hiar_lib.experiments.tables import has_oracle, oracle_rows, table_spec

    if name == "claims":
        return _claims_pending(params)
    if name not in _TABLES:
        return {}, []
    table, protocols = _TABLES[name]
    if params.dataset != "synthetic" or protocols is None:
        protocols = (params.protocol,)
    heads: dict[tuple[str, ...], int] = {}
    caches: list[str] = []
    for protocol in protocols:
        if name.startswith("fig") or name == "inspect":  # Figures 5 and 6 and the demo: TAHNet-v1's outermost head
            rows = tuple(r for r in table_spec(3, "cs").rows if r.name == "outermost")
        else:
            rows = table_spec(table, protocol).rows
            if has_oracle(table, replace(params, protocol=protocol)):  # and its ground-truth instances cache
                rows = (*rows, *oracle_rows(table, protocol))
        p = replace(params, protocol=protocol)
        for row in rows:
            add_pending_row(p, row, heads, caches)
    return heads, caches


def estimate(steps: Sequence[NotebookStep], params: Any, repo_results: str | Path) -> Estimate:
    """What the notebooks not done will take, from measured times (see the module doc).

    Args:
        steps: from :func:`notebook_steps`.
        params: the run's :class:`~hiar_lib.experiments.suite.SuiteParams`.
        repo_results: the checkout's ``results/`` (the committed reference records).
    """
    from hiar_lib.experiments.suite import joint_caches
    from hiar_lib.features import cache_share_left

    repo_results = Path(repo_results)
    est = Estimate()
    pending = [s for s in steps if not s.done]
    if not pending:
        est.lines.append("every notebook is done with these parameters: nothing to run")
        return est
    if params.dataset == "synthetic" and params.weights is None and params.profile != "paper":
        from hiar_lib.profiles import detector_profile

        owner = detector_profile(params.profile)
        if not (params.cache_dir / "detectors" / f"synthetic-{owner}.pt").is_file():
            name = f"detector_synthetic_{owner}.json"
            seconds = _record_seconds(params.results_dir / name) or _record_seconds(repo_results / name)
            if seconds is None:
                est.unmeasured.append("the detector's training")
            else:
                est.seconds += seconds
                est.lines.append(f"detector training: {_duration(seconds)} (its record {name})")
    per_iteration, source = _seconds_per_head_iteration(params, repo_results)
    per_cache = _cache_seconds(params)
    features = params.cache_dir / "features"
    pair = joint_caches(params)  # made together: one pass, one cost
    joint = tuple(c.name for c in pair) if pair is not None else ()
    seen_caches: set[str] = set()
    seen_heads: set[tuple[str, ...]] = set()
    for step in pending:
        if step.last is not None and step.last.get("parameters", {}).get("profile") == params.profile:
            seconds = float(step.last["wall_time_s"])
            est.seconds += seconds
            est.lines.append(f"{step.name}: {_duration(seconds)} (its last run, {step.last.get('date', '?')[:10]})")
            continue
        pending, caches = _pending_heads(params, step.name)
        new = {k: v for k, v in pending.items() if k not in seen_heads}  # a head two notebooks share trains once
        seen_heads |= set(pending)
        heads, iterations = len(new), sum(new.values())
        passes: list[tuple[str, ...]] = []  # the caches each detector pass fills (a joint pair's unmade ones: one pass)
        for c in caches:
            if c not in seen_caches:
                passes.append(tuple(x for x in joint if cache_share_left(features / x) > 0) if c in joint else (c,))
                seen_caches.update(joint if c in joint else (c,))
        shares = {g: cache_share_left(*(features / c for c in g)) for g in passes}
        if passes and per_cache is None:
            est.unmeasured.append("feature extraction")
        elif passes:
            est.seconds += sum(shares.values()) * per_cache
        line = f"{step.name}: {heads} head{'s' if heads != 1 else ''} to train"
        if heads and per_iteration is not None:
            est.seconds += iterations * per_iteration
            line += f", {iterations} iterations x {per_iteration:.2f} s ({source}): {_duration(iterations * per_iteration)}"
        elif heads:
            est.unmeasured.append("head training")
        if passes:
            named = [
                " + ".join(g) + (" (one detector pass)" if len(g) > 1 else "") + ("" if shares[g] == 1.0 else f" ({100 * shares[g]:.0f} % of it)")
                for g in passes
            ]  # fmt: skip
            line += f", feature caches {', '.join(named)} to extract"
            if per_cache is not None:
                line += f" x {_duration(per_cache)} a whole cache (the benchmark's videos at the rate logged in the caches here)"
        est.lines.append(line)
    return est


def run_notebooks(
    params: Any,
    notebooks_dir: str | Path,
    out_dir: str | Path,
    names: Sequence[str] | None = None,
    force: bool = False,
    repo_results: str | Path | None = None,
    log: Callable[[str], Any] = print,
    estimate_only: bool = False,
) -> list[dict[str, Any]]:
    """Execute the notebooks with papermill, skipping those already done.

    Args:
        params: the run's checked :class:`~hiar_lib.experiments.suite.SuiteParams`; each
            notebook gets its fields as papermill parameters.
        notebooks_dir: where the source notebooks are.
        out_dir: where the executed notebooks and ``runs.json`` go.
        names: the notebooks to run (default :data:`NOTEBOOKS`).
        force: run them even when done.
        repo_results: the checkout's ``results/`` for the estimate (default ``params.results_dir``).
        log: where the estimate and the progress lines go; each notebook's own output
            (its progress bars among it) goes to this process's stdout and stderr.
        estimate_only: print the estimate and run nothing.

    Returns:
        One entry per notebook run now (``name``, ``wall_time_s``, ``output``).

    Raises:
        HiarError: a notebook failed; the message names it and its executed copy, which
            holds the traceback (``runs.json`` keeps the notebooks done before it).
    """
    import papermill

    from hiar_lib.experiments.provenance import git_commit, utc_now

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parameters = {
        "profile": params.profile, "dataset": params.dataset,
        "data_root": None if params.data_root is None else str(params.data_root), "protocol": params.protocol,
        "seeds": list(params.seeds), "device": params.device, "cache_dir": str(params.cache_dir),
        "results_dir": str(params.results_dir), "weights": None if params.weights is None else str(params.weights),
    }  # fmt: skip
    steps = notebook_steps(notebooks_dir, out_dir, parameters, names)
    if force:
        steps = [replace(s, done=False) for s in steps]
    est = estimate(steps, params, repo_results or params.results_dir)
    for line in est.lines:
        log(f"  {line}")
    log(est.summary())
    done_now: list[dict[str, Any]] = []
    if estimate_only:
        return done_now
    for i, step in enumerate(steps, 1):
        if step.done:
            log(f"[{i}/{len(steps)}] {step.name}: done before ({step.last['wall_time_s']:.0f} s on {step.last['date'][:10]}), skipped")
            continue
        log(f"[{i}/{len(steps)}] {step.name}: running -> {step.output}")
        started = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(step.source), str(step.output), parameters=parameters, cwd=str(step.source.parent),
                kernel_name="python3", progress_bar=True, stdout_file=sys.stdout, stderr_file=sys.stderr,
                # Not the widgets' saved state (nbclient's store_widget_state): for the tqdm bars every
                # head's training draws it is megabytes, and a static copy shows the cells' text anyway.
                store_widget_state=False,
            )  # fmt: skip
        except papermill.PapermillExecutionError as e:
            raise HiarError(f"notebook {step.name} failed ({e.ename}: {e.evalue}); its traceback is in {step.output}") from None
        seconds = time.perf_counter() - started
        runs = _read_runs(out_dir)
        runs[step.name] = {
            "source_sha256": _sha256(step.source), "parameters": parameters, "git_commit": git_commit(),
            "date": utc_now(), "wall_time_s": round(seconds, 1),
        }  # fmt: skip
        (out_dir / RUNS_FILE).write_text(json.dumps(runs, indent=2, sort_keys=True) + "\n")
        log(f"[{i}/{len(steps)}] {step.name}: done in {_duration(seconds)}")
        done_now.append({"name": step.name, "wall_time_s": seconds, "output": str(step.output)})
    return done_now
