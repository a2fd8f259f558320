"""Evaluating a trained head on the test videos of a feature cache (Section 4.2).

One instance per test video is classified (:class:`~hiar_lib.engine.data.TestTubes`:
the most confident track, ``rule="score"``, NTU RGB+D; or the largest box,
``rule="area"``, N-UCLA); its arg-max class (eqs. 12/14) is the video's prediction.
A test video without any track gets no prediction and counts as **wrong**: the
denominators are all test videos, and the results report how many had no track.

Metrics are computed with NumPy: top-1 accuracy, per-class accuracy (``None`` for a
class without test videos), the confusion matrix (rows: true class, columns: predicted
class, over the videos that got a prediction), and the majority-class baseline (the most
frequent training label predicted for every test video). :func:`summarize_runs` gives
mean and standard deviation over repeated runs (the paper reports 3 runs per N-UCLA
protocol).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from hiar_lib.engine.compat import check_head_matches_cache
from hiar_lib.engine.data import ClipSettings, EngineError, TestRule, TestTubes, collate_instances, split_names
from hiar_lib.engine.train import load_checkpoint
from hiar_lib.models import TAHNet, TAHNetConfig

__all__ = ["classification_metrics", "evaluate_head", "format_summary", "load_head", "majority_baseline", "summarize_runs"]


def load_head(checkpoint: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[TAHNet, dict[str, Any]]:
    """The head of a checkpoint, in eval mode on ``device``, and the checkpoint dict.

    Raises:
        EngineError: not a head checkpoint.
    """
    ckpt = load_checkpoint(checkpoint)
    model = TAHNet(TAHNetConfig(**ckpt["head_config"]))
    model.load_state_dict(ckpt["model"])
    return model.to(device).eval(), ckpt


def classification_metrics(labels: Sequence[int], predictions: Sequence[int], num_classes: int) -> dict[str, Any]:
    """Top-1 accuracy, per-class accuracy and confusion matrix of video predictions.

    Args:
        labels: ``(V,)`` true classes.
        predictions: ``(V,)`` predicted classes, ``-1`` for "no prediction" (always wrong).
        num_classes: matrix size.

    Returns:
        ``accuracy`` (fraction of all V), ``correct``, ``num_videos``, ``per_class_accuracy``
        (list of ``num_classes``; ``None`` where a class has no video), ``class_counts``,
        ``confusion_matrix`` (``num_classes`` lists of ``num_classes`` ints, rows true,
        columns predicted; videos without a prediction are not in it) and
        ``no_prediction_per_class``.
    """
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(predictions, dtype=np.int64)
    if y.shape != p.shape or y.ndim != 1:
        raise EngineError(f"labels and predictions must be two lists of the same length, got {y.shape} and {p.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes or p.max() >= num_classes):
        raise EngineError(f"labels/predictions outside 0..{num_classes - 1}")
    has = p >= 0
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(confusion, (y[has], p[has]), 1)
    counts = np.bincount(y, minlength=num_classes)
    correct_per = np.bincount(y[p == y], minlength=num_classes)
    missing = np.bincount(y[~has], minlength=num_classes)
    correct = int((p == y).sum())
    return {
        "accuracy": correct / y.size if y.size else float("nan"),
        "correct": correct,
        "num_videos": int(y.size),
        "per_class_accuracy": [float(c / n) if n else None for c, n in zip(correct_per, counts)],
        "class_counts": counts.tolist(),
        "confusion_matrix": confusion.tolist(),
        "no_prediction_per_class": missing.tolist(),
    }


def majority_baseline(train_labels: Sequence[int], test_labels: Sequence[int], counts: bool = False) -> dict[str, Any]:
    """Accuracy of predicting the most frequent training label for every test video.

    Args:
        train_labels: the training videos' labels, or (``counts=True``) the count of
            training videos per class.
        test_labels: the test videos' labels.

    Returns:
        ``{"label": the majority class (lowest on a tie), "accuracy": fraction of test
        videos with that label}``.
    """
    freq = np.asarray(train_labels, dtype=np.int64) if counts else np.bincount(np.asarray(train_labels, dtype=np.int64))
    if freq.size == 0 or freq.sum() == 0:
        raise EngineError("majority baseline: no training label")
    label = int(np.argmax(freq))
    test = np.asarray(test_labels, dtype=np.int64)
    return {"label": label, "accuracy": float((test == label).mean()) if test.size else float("nan")}


@torch.no_grad()
def evaluate_head(
    checkpoint: str | os.PathLike,
    cache_dir: str | os.PathLike,
    test_names: Sequence[str] | None = None,
    rule: TestRule = "score",
    device: str | torch.device = "cpu",
    batch_size: int = 16,
    num_workers: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Classify one instance per test video with a trained head.

    Args:
        checkpoint: ``last.pt`` from :func:`~hiar_lib.engine.train.train_head` (or its folder).
        cache_dir: the feature cache folder.
        test_names: the test videos; ``None``: every cached video whose split is ``"test"``.
        rule: ``"score"`` (most confident track, NTU RGB+D) or ``"area"`` (largest box, N-UCLA).
        batch_size: videos per forward pass.

    Returns:
        :func:`classification_metrics` plus ``num_without_track`` and ``without_track``
        (their names; counted as wrong), ``rule``, ``num_classes``, ``iteration`` (of the
        checkpoint), ``majority_baseline`` (from the training label counts stored in the
        checkpoint), ``predictions`` (per video: ``name``, ``label``, ``prediction`` or
        ``-1``, ``track`` row chosen or ``-1``, ``confidence``), and, when the cache has
        per-track ground truth, ``selected_is_actor``: the fraction of the chosen tracks
        whose person carries the video's label (how often the rule picked the actor
        rather than a distractor); ``actor_instances``: top-1 over every actor track of
        the test clips (per person; ``None`` without ground truth); ``train_videos`` and
        ``train_videos_without_track`` (left out of training) as the checkpoint records them.

    Raises:
        EngineError: empty test split, a head trained on another dataset, label space or
            cache settings (:func:`~hiar_lib.engine.compat.check_head_matches_cache`), a
            head that does not fit the cached tubes.
        CacheError: not a cache, a video not in it.
    """
    if test_names is None:
        test_names = split_names(cache_dir, "test")
    model, ckpt = load_head(checkpoint, device)
    check_head_matches_cache(ckpt, checkpoint, cache_dir)
    clip = ckpt["config"].get("clip")
    dataset = TestTubes(cache_dir, list(test_names), rule=rule, clip=ClipSettings(**clip) if clip else None)
    if dataset.tube_shape is not None and tuple(dataset.tube_shape) != model.expected_input_shape:
        raise EngineError(
            f"the head in {checkpoint} takes tubes {model.expected_input_shape} but the cache at {cache_dir} holds "
            f"{tuple(dataset.tube_shape)} (was it trained on a cache with other pooler settings?)"
        )
    num_classes = int(model.config.num_classes)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, collate_fn=collate_instances, num_workers=num_workers)
    predictions: list[dict[str, Any]] = []
    actor_hits, actor_known = 0, 0
    for batch in tqdm(loader, desc="evaluate", unit="batch", disable=not progress):
        pred = torch.full((len(batch.names),), -1, dtype=torch.int64)
        conf = torch.full((len(batch.names),), float("nan"))
        if batch.tubes.shape[0]:
            prob = model(batch.tubes.to(device)).softmax(dim=1).cpu()  # (N, num_classes), eq. 12/14
            best, cls = prob.max(dim=1)
            pred[batch.video_index] = cls
            conf[batch.video_index] = best
        for v, name in enumerate(batch.names):
            label = int(batch.video_labels[v])
            track = batch.selected[v]
            person = batch.person_labels[v]
            if person is not None and track >= 0:
                actor_known += 1
                actor_hits += int(int(person[track]) == label)
            predictions.append(
                {"name": name, "label": label, "prediction": int(pred[v]), "track": track,
                 "confidence": None if torch.isnan(conf[v]) else float(conf[v])}
            )  # fmt: skip
    labels = [p["label"] for p in predictions]
    result = classification_metrics(labels, [p["prediction"] for p in predictions], num_classes)
    result["actor_instances"] = _actor_instance_metrics(model, dataset, device, num_classes)
    result.update(
        num_without_track=len(dataset.no_track),
        without_track=list(dataset.no_track),
        rule=rule,
        num_classes=num_classes,
        iteration=int(ckpt["iteration"]),
        checkpoint=str(checkpoint),
        predictions=predictions,
        selected_is_actor=actor_hits / actor_known if actor_known else None,
        train_videos=ckpt.get("train_videos"),
        train_videos_without_track=ckpt.get("train_videos_without_track"),
    )
    counts = ckpt.get("train_label_counts")
    result["majority_baseline"] = majority_baseline(counts, labels, counts=True) if counts else None
    return result


def _actor_instance_metrics(model: TAHNet, dataset: TestTubes, device: str | torch.device, num_classes: int) -> dict[str, Any] | None:
    """Accuracy over every actor track of the test clips (per person, not per video).

    Each track whose ground-truth person performs the video's action is classified on
    its own; actors the detector/tracker never followed are counted as missed (wrong).
    ``None`` when the cache has no per-track ground truth (real datasets).
    """
    labels: list[int] = []
    predictions: list[int] = []
    for i, meta in enumerate(dataset.videos):
        tubes = dataset.actor_tubes(i)
        if tubes is None:
            return None
        if tubes.shape[0]:
            labels += [meta.label] * tubes.shape[0]
            predictions += model(tubes.to(device)).argmax(dim=1).cpu().tolist()
    if not labels:
        return None
    metrics = classification_metrics(labels, predictions, num_classes)
    return {"accuracy": metrics["accuracy"], "correct": metrics["correct"], "num_instances": metrics["num_videos"],
            "per_class_accuracy": metrics["per_class_accuracy"], "confusion_matrix": metrics["confusion_matrix"]}  # fmt: skip


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


def summarize_runs(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation of repeated runs (e.g. 3 seeds, as the paper on N-UCLA).

    Args:
        results: :func:`evaluate_head` dicts of the same test set.

    Returns:
        ``runs``, ``accuracies``, ``accuracy_mean``, ``accuracy_std`` (sample standard
        deviation, ddof = 1; 0 for one run), ``per_class_accuracy_mean`` (``None`` for
        classes without test videos), ``confusion_matrix_sum`` (summed over runs),
        ``num_videos``, ``num_without_track`` (of the first run; the same test set gives
        the same count), ``majority_baseline`` (of the first run that has one),
        ``actor_instance_accuracy_mean``/``_std`` (per-person accuracy over every actor
        track, where the cache has ground truth; else ``None``) and ``selected_is_actor``.

    Raises:
        EngineError: no results, or results over different numbers of test videos.
    """
    if not results:
        raise EngineError("summarize_runs needs at least one result")
    sizes = {r["num_videos"] for r in results}
    if len(sizes) > 1:
        raise EngineError(f"the runs were evaluated on different numbers of test videos: {sorted(sizes)}")
    accs = [float(r["accuracy"]) for r in results]
    mean, std = _mean_std(accs)
    per_class: list[float | None] = []
    for values in zip(*(r["per_class_accuracy"] for r in results)):
        known = [v for v in values if v is not None]
        per_class.append(float(np.mean(known)) if known else None)
    confusion = np.sum([np.asarray(r["confusion_matrix"], dtype=np.int64) for r in results], axis=0)
    baseline = next((r["majority_baseline"] for r in results if r.get("majority_baseline")), None)
    actor = [r["actor_instances"]["accuracy"] for r in results if r.get("actor_instances")]
    actor_mean, actor_std = _mean_std(actor) if len(actor) == len(results) else (None, None)
    selected = [r["selected_is_actor"] for r in results if r.get("selected_is_actor") is not None]
    return {
        "runs": len(results),
        "accuracies": accs,
        "accuracy_mean": mean,
        "accuracy_std": std,
        "per_class_accuracy_mean": per_class,
        "confusion_matrix_sum": confusion.tolist(),
        "num_videos": results[0]["num_videos"],
        "num_without_track": results[0].get("num_without_track", 0),
        "majority_baseline": baseline,
        "actor_instance_accuracy_mean": actor_mean,
        "actor_instance_accuracy_std": actor_std,
        "selected_is_actor": selected[0] if selected else None,
    }


def format_summary(summary: dict[str, Any]) -> str:
    """One line for people: ``top-1 87.50 ± 1.20 % over 3 runs (majority baseline 10.00 %) ...``."""
    base = summary.get("majority_baseline")
    base_text = f", majority baseline {100 * base['accuracy']:.2f} %" if base else ""
    runs = summary["runs"]
    spread = f" ± {100 * summary['accuracy_std']:.2f}" if runs > 1 else ""
    text = (
        f"top-1 accuracy {100 * summary['accuracy_mean']:.2f}{spread} % over {runs} run{'s' if runs > 1 else ''}"
        f"{base_text}; {summary['num_videos']} test videos, {summary['num_without_track']} without a track (counted wrong)"
    )
    if summary.get("actor_instance_accuracy_mean") is not None:
        actor_spread = f" ± {100 * summary['actor_instance_accuracy_std']:.2f}" if runs > 1 else ""
        text += f"; per actor track {100 * summary['actor_instance_accuracy_mean']:.2f}{actor_spread} %"
    if summary.get("selected_is_actor") is not None:
        text += f"; the tested track is an actor in {100 * summary['selected_is_actor']:.0f} % of videos"
    return text
