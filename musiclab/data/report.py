"""The drop report: what a build kept, skipped and changed, naming every tune."""

import dataclasses

# Reasons a tune is left out of a built corpus.
UNPARSEABLE = "unparseable"
EMPTY = "empty"
TOO_SHORT = "too short"
UNSUPPORTED_METER = "unsupported meter"
OUT_OF_RANGE = "out of range"
TOO_LARGE = "too large"  # over a bound on the work one file may cause (musiclab.data.parsing)
TOO_SLOW = "too slow"  # still parsing when a tune's time ran out
DROP_REASONS = (UNPARSEABLE, EMPTY, TOO_SHORT, OUT_OF_RANGE, TOO_LARGE, TOO_SLOW)

# Tunes that are kept with a change or a limit: an unsupported meter (free, or
# changing mid-tune) keeps the whole tune but gives no bar-aligned windows.
POLYPHONIC_REDUCED = "polyphonic-reduced"
OFF_GRID = "off-grid (quantised)"
FLAG_REASONS = (UNSUPPORTED_METER, POLYPHONIC_REDUCED, OFF_GRID)


@dataclasses.dataclass
class BuildReport:
    """Counts per reason, with the tunes (and why) behind each count.

    Attributes:
        source: what was built (a collection name or a folder).
        total: tunes found.
        kept: tunes in the result.
        dropped: ``{reason: [(tune_id, detail), ...]}`` for tunes left out.
        flagged: ``{reason: [(tune_id, detail), ...]}`` for kept tunes that were changed.
        ignored: files of a folder that are not music (by suffix), so every file of the
            folder is accounted for.
    """

    source: str
    total: int = 0
    kept: int = 0
    dropped: dict = dataclasses.field(default_factory=dict)
    flagged: dict = dataclasses.field(default_factory=dict)
    ignored: list = dataclasses.field(default_factory=list)

    def drop(self, reason, tune_id, detail=""):
        """Record that ``tune_id`` was left out for ``reason``."""
        self.dropped.setdefault(reason, []).append((tune_id, detail))

    def flag(self, reason, tune_id, detail=""):
        """Record that ``tune_id`` was kept but changed for ``reason``."""
        self.flagged.setdefault(reason, []).append((tune_id, detail))

    def counts(self):
        """``{reason: count}`` over dropped and flagged reasons, in a fixed order."""
        counts = {reason: len(self.dropped.get(reason, [])) for reason in DROP_REASONS}
        counts.update({reason: len(self.flagged.get(reason, [])) for reason in FLAG_REASONS})
        return counts

    def summary(self, examples=3):
        """A few lines: totals, then each non-zero reason with example tunes.

        Args:
            examples: tunes named per reason; ``None`` names every one.
        """
        dropped = sum(len(entries) for entries in self.dropped.values())
        lines = [f"{self.source}: {self.kept} of {self.total} tunes kept, {dropped} dropped"]
        shown = slice(None) if examples is None else slice(examples)
        for title, table in (("dropped", self.dropped), ("kept but changed", self.flagged)):
            for reason, entries in sorted(table.items()):
                named = "; ".join(
                    f"{tune_id} ({detail})" if detail else tune_id
                    for tune_id, detail in entries[shown]
                )
                extra = len(entries) - len(entries[shown])
                more = f"; ... and {extra} more" if extra > 0 else ""
                lines.append(f"  {title}: {reason}: {len(entries)}: {named}{more}")
        if self.ignored:
            extra = len(self.ignored) - len(self.ignored[shown])
            more = f"; ... and {extra} more" if extra > 0 else ""
            lines.append(f"  ignored, not music files: {len(self.ignored)}: "
                         f"{'; '.join(self.ignored[shown])}{more}")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def to_dict(self):
        """A JSON-ready dict."""
        return {
            "source": self.source,
            "total": self.total,
            "kept": self.kept,
            "dropped": {reason: [list(entry) for entry in e] for reason, e in self.dropped.items()},
            "flagged": {reason: [list(entry) for entry in e] for reason, e in self.flagged.items()},
            "ignored": list(self.ignored),
        }

    @classmethod
    def from_dict(cls, data):
        """Inverse of ``to_dict``."""
        return cls(
            source=data["source"],
            total=data["total"],
            kept=data["kept"],
            dropped={r: [tuple(x) for x in e] for r, e in data.get("dropped", {}).items()},
            flagged={r: [tuple(x) for x in e] for r, e in data.get("flagged", {}).items()},
            ignored=list(data.get("ignored", [])),
        )
