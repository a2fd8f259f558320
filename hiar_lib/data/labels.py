"""Class names of the datasets the paper evaluates on (Section 4.1).

These are facts of the datasets, embedded so that an index can name its classes
without any file from the dataset:

- NTU RGB+D 60 (Shahroudy et al., CVPR 2016): 60 actions ``A001``..``A060``; the label
  of action ``Axxx`` is ``xxx - 1`` (0..59). 40 daily, 9 health-related (A041..A049) and
  11 mutual actions (A050..A060).
- Northwestern-UCLA Multiview Action 3D (Wang et al., CVPR 2014): 10 actions with the
  ids ``a01``..``a06``, ``a08``, ``a09``, ``a11``, ``a12`` (``a07`` and ``a10`` are not
  used by the dataset), labelled 0..9 in that order.
"""

from __future__ import annotations

__all__ = [
    "NTU60_ACTION_IDS",
    "NTU60_CLASSES",
    "NTU60_MUTUAL_ACTIONS",
    "NUCLA_ACTION_IDS",
    "NUCLA_CLASSES",
    "NUCLA_LABEL_OF_ACTION",
    "ntu60_action_id",
]

# NTU RGB+D 60 action names, A001..A060 in order: NTU60_CLASSES[label] for label = A - 1.
NTU60_CLASSES: tuple[str, ...] = (
    "drink water",  # A001
    "eat meal/snack",  # A002
    "brushing teeth",  # A003
    "brushing hair",  # A004
    "drop",  # A005
    "pickup",  # A006
    "throw",  # A007
    "sitting down",  # A008
    "standing up (from sitting position)",  # A009
    "clapping",  # A010
    "reading",  # A011
    "writing",  # A012
    "tear up paper",  # A013
    "wear jacket",  # A014
    "take off jacket",  # A015
    "wear a shoe",  # A016
    "take off a shoe",  # A017
    "wear on glasses",  # A018
    "take off glasses",  # A019
    "put on a hat/cap",  # A020
    "take off a hat/cap",  # A021
    "cheer up",  # A022
    "hand waving",  # A023
    "kicking something",  # A024
    "reach into pocket",  # A025
    "hopping (one foot jumping)",  # A026
    "jump up",  # A027
    "make a phone call/answer phone",  # A028
    "playing with phone/tablet",  # A029
    "typing on a keyboard",  # A030
    "pointing to something with finger",  # A031
    "taking a selfie",  # A032
    "check time (from watch)",  # A033
    "rub two hands together",  # A034
    "nod head/bow",  # A035
    "shake head",  # A036
    "wipe face",  # A037
    "salute",  # A038
    "put the palms together",  # A039
    "cross hands in front (say stop)",  # A040
    "sneeze/cough",  # A041
    "staggering",  # A042
    "falling",  # A043
    "touch head (headache)",  # A044
    "touch chest (stomachache/heart pain)",  # A045
    "touch back (backache)",  # A046
    "touch neck (neckache)",  # A047
    "nausea or vomiting condition",  # A048
    "use a fan (with hand or paper)/feeling warm",  # A049
    "punching/slapping other person",  # A050
    "kicking other person",  # A051
    "pushing other person",  # A052
    "pat on back of other person",  # A053
    "point finger at the other person",  # A054
    "hugging other person",  # A055
    "giving something to other person",  # A056
    "touch other person's pocket",  # A057
    "handshaking",  # A058
    "walking towards each other",  # A059
    "walking apart from each other",  # A060
)

# "A001".."A060": NTU60_ACTION_IDS[label].
NTU60_ACTION_IDS: tuple[str, ...] = tuple(f"A{a:03d}" for a in range(1, 61))

# Two-person (mutual) actions A050..A060, as action numbers.
NTU60_MUTUAL_ACTIONS: frozenset[int] = frozenset(range(50, 61))

# N-UCLA action ids in label order: NUCLA_ACTION_IDS[label].
NUCLA_ACTION_IDS: tuple[str, ...] = ("a01", "a02", "a03", "a04", "a05", "a06", "a08", "a09", "a11", "a12")

# N-UCLA action names in label order: NUCLA_CLASSES[label].
NUCLA_CLASSES: tuple[str, ...] = (
    "pick up with one hand",  # a01
    "pick up with two hands",  # a02
    "drop trash",  # a03
    "walk around",  # a04
    "sit down",  # a05
    "stand up",  # a06
    "donning",  # a08
    "doffing",  # a09
    "throw",  # a11
    "carry",  # a12
)

# Action number (1, 2, ..., 12) -> label 0..9; numbers 7 and 10 are absent.
NUCLA_LABEL_OF_ACTION: dict[int, int] = {int(a[1:]): i for i, a in enumerate(NUCLA_ACTION_IDS)}


def ntu60_action_id(label: int) -> str:
    """``"A001"``..``"A060"`` for a label 0..59.

    Raises:
        ValueError: ``label`` is not in 0..59.
    """
    if not 0 <= int(label) < len(NTU60_CLASSES):
        raise ValueError(f"NTU RGB+D 60 label must be in 0..59, got {label}")
    return NTU60_ACTION_IDS[int(label)]
