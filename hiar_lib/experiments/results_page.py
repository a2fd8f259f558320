"""``results/README.md``: one page with every record of a profile, ours beside the paper's.

:func:`write_results_page` reads the results records (``results_dir/*.json``, see
:mod:`hiar_lib.experiments.records`) of one profile and writes them as Markdown: per
record its rows, runs or clips (a table's rows keep the ``paper`` and ``difference`` columns the record
has; the paper's numbers there were read from ``paper_tables/`` when the record was
made), its scalar metrics otherwise, and under each its provenance (commit, profile,
seeds, device, date, wall time). Then the figures under ``results_dir/figures`` and the
notebooks ``make reproduce`` executed with the time each took. The page is generated:
``make reproduce`` rewrites it, nothing in it is typed in.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

__all__ = ["page_profile", "results_page", "write_results_page"]

# Records shown first, in this order (the paper's artefacts), then every other one by name.
_ORDER = (
    "table1_ntu", "table2_nucla", "table3_action_region", "table4_layers", "table5_gap_cb", "table6_fpn_levels",
    "table7_complexity", "figure5_confusion", "timing",
)  # fmt: skip
_HIDDEN_ROW_KEYS = ("head_options", "run", "summary", "clip")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, (list, tuple)):
        return " x ".join(map(str, value)) if all(isinstance(v, int) for v in value) else ", ".join(map(str, value))
    return str(value).replace("|", "/").replace("\n", " ")


def _nested(value: Any) -> bool:
    """A dict, or a list holding dicts: shown in the record, not in a table cell."""
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value))


def _table(rows: list[dict[str, Any]]) -> list[str]:
    keys: list[str] = []
    for row in rows:
        keys += [k for k, v in row.items() if k not in keys and k not in _HIDDEN_ROW_KEYS and not _nested(v)]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(_cell(row.get(k)) for k in keys) + " |" for row in rows]
    return lines


def _provenance(prov: dict[str, Any]) -> str:
    commit = str(prov.get("git_commit") or "unknown")
    seeds = prov.get("seeds")
    wall = prov.get("wall_time_s")
    parts = [f"commit `{commit[:12]}`"] + ([f"profile {prov['profile']}"] if prov.get("profile") else [])
    if seeds:
        parts.append(f"seeds {', '.join(map(str, seeds))}")
    parts += [f"device {prov.get('device')}", f"date {str(prov.get('date', '?'))[:10]}"]
    if wall is not None:
        parts.append(f"wall time {float(wall) / 60:.1f} min")
    if prov.get("reused"):
        parts.append("numbers reused from a cache")
    return "*" + "; ".join(parts) + "*"


def _records(results_dir: Path, profile: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(results_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and data.get("format") == "hiar.results" and data["provenance"].get("profile") == profile:
            found.append((path.name, data))
    rank = {a: i for i, a in enumerate(_ORDER)}
    return sorted(found, key=lambda item: (rank.get(item[1]["artefact"], len(rank)), item[0]))


CLAIMS_PROFILE = "synthetic-full"
"""The profile whose claims record answers "does the paper hold up?" on every page."""


_TITLE = "# Results at the `{}` profile"
"""The page's first line: what :func:`page_profile` reads back."""


def _work_lines(work: dict[str, Any] | None, prov: dict[str, Any]) -> list[str]:
    """What the heads and caches behind the claims took (``claims.work_done``), over every
    sitting; nothing for a record written before it was kept."""
    if not work:
        return []
    caches = [f"`{Path(c).name}` {t['videos']} videos" + (f" ({t['timed_videos']} of them timed: {t['seconds'] / 3600:.1f} h)"
              if t["timed_videos"] else " (not timed)") for c, t in work["caches"].items()]  # fmt: skip
    return [
        "",
        f"The work behind these numbers, over every sitting that made it (read from the heads' training logs and the "
        f"caches' records; the last sitting alone is the wall time below): {work['head_seeds']} heads and seeds trained "
        f"in {float(work['training_s']) / 3600:.1f} h" + (", from the feature caches " + "; ".join(caches) if caches else "")
        + f", on {prov.get('device')}.",
    ]  # fmt: skip


def _count(n: int, one: str, many: str) -> str:
    """``"1 holds"``, ``"3 hold"``: a count with its verb in number."""
    return f"{n} {one if n == 1 else many}"


def _short_statement(statement: str) -> str:
    """A claim's statement without its closing parenthesis of details: ``"Table 6: P2+P3
    beats P2 alone (CB+Conv3Dx5)"`` -> ``"Table 6: P2+P3 beats P2 alone"``; a parenthesis
    before the first colon stays (``"Table 2 (analogue without the leak): on ..."``), so
    claims of one table stay apart."""
    head, sep, rest = statement.partition(": ")
    return head + sep + rest.split(" (")[0] if sep else statement.split(" (")[0]


def _trade_off_lines(curve: list[dict[str, Any]]) -> list[str]:
    """The claims' trade-off curve (:func:`hiar_lib.experiments.claims.trade_off`) as a
    table: per head its GMACs per clip at the paper's widths and as trained, our top-1
    over seeds and the paper's."""
    if not curve:
        return []
    out = ["", "Table 7's trade-off, cross-subject (`figures/claims_trade_off_" + CLAIMS_PROFILE + ".png`):", "",
           "| head | GMACs per clip (the paper's widths) | GMACs per clip (as trained) | top-1 (mean ± std) | seeds | paper |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    for r in curve:
        out.append(f"| {r['head']} | {_cell(r['gmacs_paper_widths'])} | {float(r['gmacs_trained']):.3f} | "
                   f"{_cell(r['top1'])} ± {_cell(r.get('top1_std'))} | {r['seeds']} | {_cell(r.get('paper'))} |")  # fmt: skip
    return out


def _claims_section(results_dir: Path) -> list[str]:
    """"Do the paper's claims hold?": the verdicts of ``claims_synthetic-full.json``
    (``make claims``) counted and tabled, or a line saying they are not measured yet."""
    path = results_dir / f"claims_{CLAIMS_PROFILE}.json"
    out = ["## Do the paper's claims hold?", ""]
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return out + [f"Not measured yet: `make claims` (many hours at `{CLAIMS_PROFILE}` on 2 CPU cores) writes "
                      f"`{path.name}`, and this section then gives each claim's verdict.", ""]  # fmt: skip
    from hiar_lib.experiments.claims import CLAIMS, VERDICTS

    claims = data["metrics"]["claims"]
    counts = {v: sum(c["verdict"] == v for c in claims) for v in VERDICTS}
    out += [
        f"From `{path.name}` ({CLAIMS_PROFILE}): of {len(claims)} claims, each tested at 95 % on its own, "
        f"{_count(counts['holds'], 'holds', 'hold')}, {_count(counts['reversed'], 'is reversed', 'are reversed')} and "
        f"{_count(counts['inconclusive'], 'is inconclusive', 'are inconclusive')} on the "
        "synthetic benchmark. The rule: " + str(data["parameters"].get("rule", "")) + ".",
        "",
        *[f"- **{v}**: " + "; ".join(_short_statement(c["statement"]) + f" ({c['n_seeds']} seeds)" for c in claims if c["verdict"] == v)
          for v in VERDICTS if counts[v]],
        "",
        "| claim | seeds | claimed top-1 | baseline top-1 | difference (mean ± std) | 95 % interval | verdict | paper's difference |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in claims:
        std = c.get("difference_std")
        out.append(
            f"| {c['statement']} | {c['n_seeds']} | {_cell(c['claimed_top1'])} | {_cell(c['baseline_top1'])} | "
            f"{_cell(c['difference_mean'])} ± {_cell(std)} | [{_cell(c['ci_low'])}, {_cell(c['ci_high'])}] | "
            f"{c['verdict']} | {_cell(c.get('paper_difference'))} |"
        )
    spread = data["metrics"].get("seed_spread") or {}
    if spread.get("points"):
        r = spread.get("pearson_r")
        out += [
            "",
            f"Where the seed-to-seed spread comes from: over the {len(spread['points'])} heads and seeds the claims "
            f"trained, top-1 against the training loss each head ended at (mean over its last fifth of iterations) "
            f"correlates at Pearson r = {_cell(r) if r is not None else 'n/a (under three points, or no spread)'} "
            f"(`figures/claims_seed_spread_{CLAIMS_PROFILE}.png`). A strongly negative r says that the seeds scoring "
            "low are heads still learning when their iterations ran out, rather than heads that learned something else.",
        ]  # fmt: skip
    out += _trade_off_lines(data["metrics"].get("trade_off") or [])
    out += _work_lines(data["metrics"].get("work"), data["provenance"])
    notes = {c.key: c.here for c in CLAIMS}
    out += ["", "What about this benchmark each claim may feel, written before any verdict (`claims.CLAIMS`):", ""]
    out += [f"- {c['statement']} (**{c['verdict']}**): {notes[c['claim']]}" for c in claims if notes.get(c["claim"])]
    return out + ["", _provenance(data["provenance"]), ""]


def results_page(results_dir: str | Path, profile: str) -> str:
    """The Markdown of ``results_dir/README.md`` for ``profile`` (see the module doc)."""
    results_dir = Path(results_dir)
    out = [
        _TITLE.format(profile),
        "",
        "Generated by `make reproduce` (`hiar reproduce --profile " + profile + "`) from the records in this folder;",
        "do not edit by hand. Our numbers are measured; a `paper` column holds the paper's number",
        "(from `paper_tables/`), never ours. Each record's provenance is under it.",
        "",
    ]
    for name, data in _records(results_dir, profile):
        metrics = data["metrics"]
        out += [f"## {data['artefact']} (`{name}`)", ""]
        rows = next((metrics[k] for k in ("rows", "claims", "runs", "clips") if isinstance(metrics.get(k), list)), None)
        if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
            out += _table(rows)
        else:
            scalars = {k: v for k, v in (metrics.get("summary") or metrics).items() if isinstance(v, (int, float, str))}
            out += _table([scalars]) if scalars else ["(no scalar metrics; see the record)"]
        out += ["", _provenance(data["provenance"]), ""]
    out += _claims_section(results_dir)
    figures = sorted((results_dir / "figures").glob("*.png"))
    if figures:
        out += ["## Figures", ""]
        out += [f"![{p.stem}](figures/{p.name})\n" for p in figures]
        out.append("")
    runs_file = results_dir / "notebooks" / "runs.json"
    if runs_file.is_file():
        runs = json.loads(runs_file.read_text())
        out += ["## Notebooks executed", "", "| notebook | wall time (min) | commit | date |", "|---|---|---|---|"]
        for nb, run in sorted(runs.items()):
            out.append(f"| [{nb}](notebooks/{nb}.ipynb) | {float(run['wall_time_s']) / 60:.1f} | "
                       f"`{str(run.get('git_commit'))[:12]}` | {str(run.get('date'))[:10]} |")  # fmt: skip
        out.append("")
    bench = sorted((results_dir / "bench").glob("*.json"))
    if bench:
        out += ["## Benchmarks and tests of the tests", "",
                "Speed figures (`make bench`), detector recipes, mutation testing (`make mutation`) and planted bugs "
                "(`make planted-bugs`); each with the provenance its record names.", ""]  # fmt: skip
        out += [f"- [{p.name}](bench/{p.name}): {_bench_provenance(p)}" for p in bench]
        out.append("")
    return "\n".join(out)


def _bench_provenance(path: Path) -> str:
    """The provenance line of a benchmark's record, or ``unreadable record``."""
    try:
        return _provenance(dict(json.loads(path.read_text())["provenance"]))
    except (OSError, ValueError, KeyError, TypeError):
        return "unreadable record"


def page_profile(results_dir: str | Path) -> str | None:
    """The profile ``results_dir/README.md`` was written for (its title), ``None`` where
    there is no such page."""
    import re

    try:
        first = (Path(results_dir) / "README.md").read_text().split("\n", 1)[0]
    except OSError:
        return None
    found = re.fullmatch(re.escape(_TITLE).replace(re.escape("{}"), "([^`]+)"), first.strip())
    return found.group(1) if found else None


def write_results_page(results_dir: str | Path, profile: str) -> Path:
    """Write :func:`results_page` to ``results_dir/README.md`` and return its path."""
    path = Path(results_dir) / "README.md"
    path.write_text(results_page(results_dir, profile))
    return path
