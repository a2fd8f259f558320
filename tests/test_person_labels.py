"""Which ground-truth person a track follows: the rule, from boxes and from stored IoUs."""

from __future__ import annotations

from pathlib import Path

import torch

from hiar_lib.data.synthetic import index_synthetic
from hiar_lib.data.synthetic_annotation import load_annotation
from hiar_lib.person_labels import ground_truth_iou, person_labels_from_iou, track_person_labels


def test_a_track_on_a_persons_true_boxes_carries_that_persons_label(synthetic_tiny: Path) -> None:
    index = index_synthetic(synthetic_tiny)
    sample = next(s for s in index.samples if "distractor" in load_annotation(synthetic_tiny, s.name).roles)
    ann = load_annotation(synthetic_tiny, sample.name)
    boxes = torch.from_numpy(ann.boxes).permute(1, 0, 2).float()  # (P, T, 4)
    present = torch.from_numpy(ann.present).T.clone()
    order = list(reversed(range(len(ann.track_ids))))  # tracks in another order than the people
    shifted = boxes[order[0]].clone()
    shifted[:, [0, 2]] += (shifted[:, 2] - shifted[:, 0])[:, None]  # beside the person: IoU 0
    far = torch.cat([boxes[order], shifted[None]])
    pres = torch.cat([present[order], present[order[0]][None]])
    frames = torch.arange(ann.num_frames)
    want = [int(ann.person_labels[i]) for i in order] + [-2]
    assert track_person_labels(far, pres, frames, ann).tolist() == want
    assert -1 in want and len({x for x in want if x >= 0}) >= 1  # actors and a distractor
    # From the IoUs a crop cache stores (half precision), the same labels.
    iou = ground_truth_iou(far, pres, frames, ann)
    assert iou.shape == (len(order) + 1, ann.num_frames, len(ann.track_ids))
    on_self = iou[0, :, order[0]][pres[0]]  # track 0 is person order[0]'s true boxes
    assert torch.allclose(on_self, torch.ones_like(on_self)) and iou[0][~pres[0]].abs().sum() == 0
    assert person_labels_from_iou(iou.to(torch.float16), pres, torch.as_tensor(ann.person_labels)).tolist() == want
    # Padding frames (-1) and a track present in no frame count for nothing.
    padded = torch.cat([frames[:4], torch.full((2,), -1)])
    assert ground_truth_iou(far[:, :6], pres[:, :6], padded, ann)[:, 4:].abs().sum() == 0
    none = person_labels_from_iou(iou[:1], torch.zeros_like(pres[:1]), torch.as_tensor(ann.person_labels))
    assert none.tolist() == [-2]
