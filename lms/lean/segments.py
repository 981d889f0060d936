"""Opportunity per segment of respondents, the figure for all segments, and the segments to call out.

A rating may name the segment that answered it ("New customers", "Utility engineers"). Each
segment's newest rating stands for that segment; ratings that name no segment are a group of
their own. The figure for all segments is the mean of those newest ratings' importance and
satisfaction, weighted by their respondent counts, and its opportunity is scored from that mean.
When a count is missing the figure is still given, with equal weights, and says so
(``Combined.weighting`` and ``Combined.note``): never a silent default. A rating stored off the
0-10 scale is left out of the mean, and the note names it.

Outcome-based segmentation: a segment is called out when it is underserved where the figure for
all is not, and its opportunity exceeds that figure by at least ``SEGMENT_GAP`` points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lms.lean.opportunity import DEFAULT_THRESHOLDS, OpportunityThresholds, score_outcome

MAX_SEGMENT = 100  # as long as a rating's segment may be
SEGMENT_GAP = 2.0  # points of opportunity by which an underserved segment must exceed the figure for all
NO_SEGMENT_LABEL = "No segment"
# The records below are made per segment of thousands of outcomes on a page: slotted, not frozen
# (a frozen dataclass sets each field through object.__setattr__, twice the cost), and never changed.
WEIGHTINGS = ("unrated", "single", "respondents", "equal")


@dataclass(slots=True)
class SegmentRating:
    """The newest rating of one segment of an outcome (``segment`` None: ratings naming no segment)."""

    segment: str | None
    importance: float
    satisfaction: float
    respondents: int | None
    rated_on: date


@dataclass(slots=True)
class SegmentScore:
    """A segment's newest rating scored: opportunity, status and band (None and unrated off the scale)."""

    segment: str | None
    importance: float
    satisfaction: float
    respondents: int | None
    rated_on: date
    opportunity: float | None
    status: str
    band: str | None
    off_scale: bool = False

    @property
    def label(self) -> str:
        """Name the segment for a person; ratings naming none are 'No segment'."""
        return self.segment if self.segment is not None else NO_SEGMENT_LABEL


@dataclass(slots=True)
class Combined:
    """An outcome's figure for all segments, its score, how it was combined, and each segment's score.

    ``weighting``: ``unrated`` (no rating), ``single`` (one group: its newest rating),
    ``respondents`` (weighted by respondent counts) or ``equal`` (a count is missing: equal
    weights, ``note`` says whose). ``respondents`` is the sum, when every count is known.
    """

    importance: float | None
    satisfaction: float | None
    respondents: int | None
    rated_on: date | None
    weighting: str
    note: str
    segments: tuple[SegmentScore, ...]
    opportunity: float | None = None
    status: str = "unrated"
    band: str | None = None
    off_scale: bool = False

    def segment(self, name: str) -> SegmentScore | None:
        """Return the score of the segment called ``name``, or None when it has not rated the outcome."""
        return next((s for s in self.segments if s.segment == name), None)


def score_segment(rating: SegmentRating,
                  thresholds: OpportunityThresholds = DEFAULT_THRESHOLDS) -> SegmentScore:
    """Score one segment's newest rating; one stored off the 0-10 scale is unrated (``off_scale``)."""
    scored = score_outcome(rating.importance, rating.satisfaction, thresholds)
    return SegmentScore(rating.segment, rating.importance, rating.satisfaction, rating.respondents,
                        rating.rated_on, scored.opportunity, scored.status, scored.band, scored.off_scale)


def _order(score: SegmentScore) -> tuple:
    return score.segment is None, (score.segment or "").casefold(), score.segment or ""


def _names(scores: Sequence[SegmentScore]) -> str:
    return ", ".join(s.label for s in scores)


def _scored(importance: float | None, satisfaction: float | None, respondents: int | None,
            rated_on: date | None, weighting: str, note: str, segments: tuple[SegmentScore, ...],
            thresholds: OpportunityThresholds) -> Combined:
    scored = score_outcome(importance, satisfaction, thresholds)
    return Combined(importance, satisfaction, respondents, rated_on, weighting, note, segments,
                    scored.opportunity, scored.status, scored.band, scored.off_scale)


def _as_single(only: SegmentScore, rated_on: date, note: str, segments: tuple[SegmentScore, ...]) -> Combined:
    """Return one group's newest rating as the figure, with its own score (the same figures)."""
    return Combined(only.importance, only.satisfaction, only.respondents, rated_on, "single", note, segments,
                    only.opportunity, only.status, only.band, only.off_scale)


def combine_segments(latest: Sequence[SegmentRating],
                     thresholds: OpportunityThresholds = DEFAULT_THRESHOLDS) -> Combined:
    """Combine the newest rating of each segment into the outcome's figure for all segments."""
    if len(latest) == 1:  # the usual case: one group, its newest rating is the figure (as before segments)
        only = score_segment(latest[0], thresholds)
        return _as_single(only, only.rated_on, "", (only,))
    scores = tuple(sorted((score_segment(r, thresholds) for r in latest), key=_order))
    if not scores:
        return Combined(None, None, None, None, "unrated", "", ())
    usable = [s for s in scores if not s.off_scale]
    left_out = [s for s in scores if s.off_scale]
    if not usable:
        return Combined(None, None, None, max(s.rated_on for s in scores), "unrated",
                        f"Not scored: the newest rating of every segment is off the 0–10 scale "
                        f"({_names(scores)}).", scores)
    notes = [f"Leaves out {_names(left_out)}: newest rating off the 0–10 scale."] if left_out else []
    rated_on = max(s.rated_on for s in usable)
    if len(usable) == 1:
        return _as_single(usable[0], rated_on, " ".join(notes), scores)
    counts = [s.respondents for s in usable]
    if all(count is not None and count > 0 for count in counts):
        total = sum(counts)
        importance = sum(s.importance * s.respondents for s in usable) / total
        satisfaction = sum(s.satisfaction * s.respondents for s in usable) / total
        notes.insert(0, f"Weighted by respondents ({total} in {len(usable)} segments).")
        return _scored(importance, satisfaction, total, rated_on, "respondents", " ".join(notes), scores,
                       thresholds)
    missing = [s for s in usable if not s.respondents]
    importance = sum(s.importance for s in usable) / len(usable)
    satisfaction = sum(s.satisfaction for s in usable) / len(usable)
    notes.insert(0, f"Equal weights: no respondent count for {_names(missing)}.")
    return _scored(importance, satisfaction, None, rated_on, "equal", " ".join(notes), scores, thresholds)


def underserved_segments(combined: Combined, gap: float = SEGMENT_GAP) -> list[SegmentScore]:
    """Return the named segments underserved where the figure for all is not, by at least ``gap`` points.

    Largest opportunity first. Nothing when the figure for all is itself underserved or unscored, or
    when one group alone rated the outcome. Statuses are those ``combine_segments`` scored.
    """
    overall = combined.opportunity
    if overall is None or combined.status == "underserved" or len(combined.segments) < 2:
        return []
    called = [s for s in combined.segments
              if s.segment is not None and s.status == "underserved" and s.opportunity is not None
              and s.opportunity - overall >= gap]
    return sorted(called, key=lambda s: (-s.opportunity, _order(s)))


def callout_message(segment: str, statement: str, opportunity: float, overall: float) -> str:
    """Say that a segment is underserved on an outcome where the average is not."""
    return (f"{segment} are underserved on “{statement}” "
            f"(opportunity {opportunity:.1f} vs {overall:.1f} overall)")


def segment_arg(value: str | None) -> str | None:
    """Read a ``?segment=`` choice: None (all segments) for nothing, blank or a name too long to exist."""
    if value is None:
        return None
    value = value.strip()
    return value if 0 < len(value) <= MAX_SEGMENT else None
