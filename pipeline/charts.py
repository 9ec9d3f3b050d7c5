"""Charts placed in the documents, drawn with matplotlib into PNG files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ACCENT = "#1B4F72"
LOW = "#C0392B"
FONT = ["Carlito", "Liberation Sans", "DejaVu Sans"]


def short_label(domain: dict[str, Any], width: int = 42) -> str:
    label = f"{domain['number']}. {domain['title']}"
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def domain_rating_chart(domains: list[dict[str, Any]], threshold: int, target: Path) -> Path:
    """Horizontal bars of each rated domain's mean rating, in domain order, low ones in red."""
    # Imported here: matplotlib takes a noticeable share of start-up, and only completed
    # assessments have a chart.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rated = [d for d in domains if d["rated"]]
    labels = [short_label(d) for d in rated]
    values = [d["rating"]["mean"] or 0 for d in rated]
    colours = [LOW if d["low_rating"] else ACCENT for d in rated]
    plt.rcParams.update({"font.family": "sans-serif", "font.sans-serif": FONT, "font.size": 9})
    figure, axes = plt.subplots(figsize=(7.2, 4.0), dpi=150)
    positions = range(len(rated))
    axes.barh(positions, values, color=colours, height=0.6)
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()
    axes.set_xlim(0, 5)
    axes.set_xticks(range(0, 6))
    axes.set_xlabel(
        "1 very weak · 2 somewhat weak · 3 moderate · 4 somewhat strong · 5 very strong"
    )
    axes.axvline(threshold, color=LOW, linestyle="--", linewidth=1)
    axes.text(threshold + 0.05, -0.7, f"improvement threshold ({threshold})", color=LOW, fontsize=8)
    for position, value, domain in zip(positions, values, rated, strict=True):
        text = f"{value:.1f}" if domain["rating"]["mean"] is not None else "not rated"
        axes.text(value + 0.05, position, text, va="center", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title("Mean domain rating across respondents", loc="left", fontsize=10, color=ACCENT)
    figure.tight_layout()
    # No timestamp or software tag in the file, so the same ratings give the same bytes.
    figure.savefig(target, metadata={"Software": None})
    plt.close(figure)
    return target
