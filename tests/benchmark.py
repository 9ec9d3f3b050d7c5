"""Benchmark (`make bench`): prints build times and peak memory; asserts nothing.

1. one agency built cold (`packet bundle` in a new process), PDF included: seconds (median of
   three runs) and peak memory;
2. a batch of 50 generated agencies with --jobs 2, against the conversion floor: the same 50
   bundle.docx files converted by one plain `soffice --convert-to pdf` call;
3. a no-op rebuild of that batch;
4. one agency with a 2,000-entry directory and a 1,000-person training log (median of three
   runs), against a plain `soffice --convert-to pdf` of its bundle measured after each run;
5. the sample agency with fifty changes of its own wording against the same agency without
   them (cold builds with PDF, in turn, median of three runs each);
6. `packet ingest` of an edited bundle.docx (the reading and writing, in the process).

`make bench-against REV=<commit>` (`--against REV [PAIRS]`) prints only the first figure, for
this checkout and for the code of REV, their builds taken in turn (eight pairs unless said).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline import training
from pipeline.content import content

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "inputs" / "harbor-family-health"
BATCH_SIZE = 50
SINGLE_RUNS = 3  # one build takes seconds; the median steadies a noisy machine's figure
DIRECTORY_ENTRIES = 2000
TRAINING_PEOPLE = 1000

# Runs `packet bundle` for one agency in a fresh interpreter and reports its own peak memory
# (not LibreOffice's, which runs in processes of its own).
MEASURED_BUILD = """
import json, resource, sys, time
started = time.perf_counter()
from pipeline.cli import main
main(["bundle", sys.argv[1], "--out", sys.argv[2]], standalone_mode=False)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measured_build(folder: Path, out: Path, checkout: Path = ROOT) -> dict[str, float]:
    """One build of `folder` by the code of `checkout` (this one unless said)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", MEASURED_BUILD, str(folder), str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=checkout,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["wall_seconds"] = time.perf_counter() - started
    return figures


# Times `packet ingest` of one edited document in the process, after the imports.
MEASURED_INGEST = """
import json, sys, time
from pathlib import Path
from pipeline.ingest import ingest
started = time.perf_counter()
ingest(Path(sys.argv[1]), [Path(sys.argv[2])])
print(json.dumps({"seconds": time.perf_counter() - started}))
"""
WORDING_CHANGES = 50


def make_worded(folder: Path) -> None:
    """The sample with fifty changes of its policy's wording: rewritten, removed and added."""
    import yaml

    from pipeline.load import load_agency
    from pipeline.wording.apply import standard_markup
    from pipeline.wording.listing import standard_blocks

    shutil.copytree(SAMPLE, folder)
    inputs = load_agency(folder)
    paragraphs = [
        block for block in standard_blocks(inputs, ["policy"]) if block.kind == "paragraph"
    ]
    changes = []
    for number, block in enumerate(paragraphs[: WORDING_CHANGES // 2]):
        standard = standard_markup(block, inputs.values)
        changes.append(
            {"replace": block.ref, "standard": standard, "text": f"{standard} ({number})"}
        )
    headings = [block for block in standard_blocks(inputs, ["policy"]) if block.kind == "heading"]
    for number, block in enumerate(headings[: WORDING_CHANGES - len(changes)]):
        changes.append({"after": block.ref, "add": [f"The agency's own paragraph {number}."]})
    (folder / "wording.yaml").write_text(yaml.safe_dump({"changes": changes}, sort_keys=False))


def edited_bundle(bundle: Path, target: Path) -> None:
    """A bundle with ten paragraphs rewritten, as a person would in Word."""
    from docx import Document

    document = Document(bundle)
    prose = [p for p in document.paragraphs if len(p.text) > 80][:10]
    for paragraph in prose:
        paragraph.add_run(" Our agency adds a sentence here.")
    document.save(target)


def listed(seconds) -> str:
    return ", ".join(f"{value:.1f}" for value in seconds)


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def plain_conversion(sources: list[str], outdir: Path, profile: Path) -> float:
    """Seconds for one plain `soffice --convert-to pdf` call on `sources`: the conversion floor."""
    return timed(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *sources,
        ]
    )


def make_batch(root: Path) -> None:
    for number in range(1, BATCH_SIZE + 1):
        folder = root / f"bench-agency-{number:03d}"
        shutil.copytree(SAMPLE, folder)
        profile = folder / "profile.yaml"
        profile.write_text(
            profile.read_text().replace(
                "Harbor Family Health Center", f"Bench Agency {number:03d} (fictional)"
            )
        )


def make_large(folder: Path) -> None:
    shutil.copytree(SAMPLE, folder)
    (folder / "directory.csv").unlink()
    (folder / "training.yaml").unlink()
    categories = [c["id"] for g in content("directory")["groups"] for c in g["categories"]]
    with (folder / "directory.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["name", "category", "services", "phones", "hours", "languages", "last_verified"]
        )
        for number in range(DIRECTORY_ENTRIES):
            writer.writerow(
                [
                    f"Fictional Service {number:04d}",
                    categories[number % len(categories)],
                    "Case management and referrals",
                    f"(555) 01{number % 10}-{number:04d}",
                    "Mon-Fri 9:00-17:00",
                    "English;Spanish",
                    "2026-06-01",
                ]
            )
    topics = "identification_response;mandatory_reporting;confidentiality;trauma_informed_care"
    with (folder / "training.csv").open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=training.COLUMNS.names)
        writer.writeheader()
        for number in range(TRAINING_PEOPLE):
            writer.writerow(
                {
                    "staff_id": f"S{number:04d}",
                    "name": f"Staff Member {number:04d}",
                    "role": "Clinician",
                    "department": "Clinic",
                    "topics": topics,
                    "date": f"2026-{1 + number % 12:02d}-15",
                    "hours": 2,
                    "method": "webinar",
                    "trainer": f"Trainer {number % 7}",
                }
            )


def main() -> None:
    packet = [sys.executable, "-m", "pipeline"]  # this checkout's code, run from ROOT
    with tempfile.TemporaryDirectory(prefix="packet-bench-") as work:
        work = Path(work)
        print(
            f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        runs = sorted(
            (measured_build(SAMPLE, work / f"single-{run}") for run in range(SINGLE_RUNS)),
            key=lambda figures: figures["wall_seconds"],
        )
        single = runs[len(runs) // 2]
        each = listed(figures["wall_seconds"] for figures in runs)
        print(
            f"1. one agency, cold, with PDF (median of {SINGLE_RUNS} runs): "
            f"{single['wall_seconds']:.1f} s (build {single['seconds']:.1f} s; runs "
            f"{each}), "
            f"peak memory {single['peak_mb']:.0f} MB"
        )

        inputs, outputs = work / "inputs", work / "outputs"
        make_batch(inputs)
        batch = timed([*packet, "batch", str(inputs), "--out", str(outputs), "--jobs", "2"])
        floor_dir = work / "floor"
        floor_dir.mkdir()
        bundles = []
        for folder in sorted(path for path in outputs.iterdir() if path.is_dir()):
            copy = floor_dir / f"{folder.name}.docx"
            shutil.copy(folder / "bundle.docx", copy)
            bundles.append(str(copy))
        floor = plain_conversion(bundles, floor_dir, work / "floor-profile")
        print(
            f"2. batch of {BATCH_SIZE} agencies, --jobs 2: {batch:.1f} s; plain soffice "
            f"conversion of the same {BATCH_SIZE} bundles: {floor:.1f} s; "
            f"ratio {batch / floor:.2f}x"
        )
        noop = timed([*packet, "batch", str(inputs), "--out", str(outputs), "--jobs", "2"])
        print(f"3. no-op rebuild of the batch: {noop:.2f} s")

        large = work / "large" / "large-agency"
        make_large(large)
        builds, floors = [], []
        for run in range(SINGLE_RUNS):  # a build, then LibreOffice alone on its bundle, in turn
            builds.append(measured_build(large, work / f"large-out-{run}"))
            floors.append(
                plain_conversion(
                    [str(work / f"large-out-{run}" / "bundle.docx")],
                    work / f"large-floor-{run}",
                    work / "floor-profile",
                )
            )
        builds.sort(key=lambda figures: figures["wall_seconds"])
        figures, floor = builds[len(builds) // 2], sorted(floors)[len(floors) // 2]
        print(
            f"4. {DIRECTORY_ENTRIES}-entry directory, {TRAINING_PEOPLE}-person training log "
            f"(median of {SINGLE_RUNS} runs): {figures['wall_seconds']:.1f} s (runs "
            f"{listed(b['wall_seconds'] for b in builds)}), peak memory "
            f"{figures['peak_mb']:.0f} MB; plain soffice conversion of its bundle alone: "
            f"{floor:.1f} s (runs {listed(floors)}); "
            f"ratio {figures['wall_seconds'] / floor:.2f}x"
        )

        worded = work / "worded" / "harbor-family-health"
        make_worded(worded)
        plain_runs, worded_runs = [], []
        for run in range(SINGLE_RUNS):
            plain_runs.append(measured_build(SAMPLE, work / f"plain-{run}")["wall_seconds"])
            worded_runs.append(measured_build(worded, work / f"worded-{run}")["wall_seconds"])
        without, with_changes = sorted(plain_runs)[1], sorted(worded_runs)[1]
        print(
            f"5. {WORDING_CHANGES} changes of the agency's own wording: {with_changes:.1f} s "
            f"(runs {listed(worded_runs)}) against {without:.1f} s without (runs "
            f"{listed(plain_runs)}): {100 * (with_changes / without - 1):+.0f}%"
        )

        edited = work / "edited-bundle.docx"
        edited_bundle(work / "plain-0" / "bundle.docx", edited)
        result = subprocess.run(
            [sys.executable, "-c", MEASURED_INGEST, str(worded), str(edited)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        seconds = json.loads(result.stdout.strip().splitlines()[-1])["seconds"]
        print(f"6. packet ingest of an edited bundle.docx: {seconds:.2f} s")


def against(revision: str, pairs: int) -> None:
    """`make bench-against REV=...`: the sample's cold build by this checkout and by the code of
    `revision`, one of each in turn, so that both see the same moments of a machine whose speed
    drifts. Each builds its own sample inputs (the inputs an older version reads)."""
    with tempfile.TemporaryDirectory(prefix="packet-bench-") as work:
        work = Path(work)
        other = work / "other"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(other), revision],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            checkouts = {"this checkout": ROOT, revision: other}
            seconds: dict[str, list[float]] = {name: [] for name in checkouts}
            for run in range(pairs + 1):  # the first pair warms the caches, and is not counted
                for index, (name, checkout) in enumerate(checkouts.items()):
                    figures = measured_build(
                        checkout / "inputs" / SAMPLE.name, work / f"out-{index}-{run}", checkout
                    )
                    if run:
                        seconds[name].append(figures["wall_seconds"])
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=True
            )
    medians = {name: statistics.median(runs) for name, runs in seconds.items()}
    for name, runs in seconds.items():
        print(f"{name}: median {medians[name]:.2f} s (runs {listed(runs)})")
    mine, theirs = medians.values()
    print(f"this checkout against {revision}: {100 * (mine / theirs - 1):+.0f}% ({pairs} pairs)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--against":
        against(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 8)
    else:
        main()
