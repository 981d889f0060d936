"""The sentences of a drift assessment: how a KPI and satisfaction moved, as a manager would say it.

Near zero a relative change explodes (0.5 -> 3 defects is "+500 %"): a KPI's change is written
as a percentage only where its base is meaningful, otherwise as its two ends ("from 0.5 to 3").
"""

from collections.abc import Sequence
from dataclasses import dataclass

from lms.lean.drift_outcomes import (
    SatisfactionChange,
    SatisfactionPoint,
    respondents_to_settle,
    segment_waves,
)

MINUS = "\u2212"


@dataclass(frozen=True)
class KpiTrend:
    """What the rules found of a KPI's trend in the window, for the sentences that explain it."""

    name: str
    unit: str
    direction: str
    days: int
    start: float
    end: float
    band: float  # the noise band's half-width, in the KPI's unit
    change: float | None  # relative to the start; None where a percentage would mislead
    move: str  # better, worse or steady
    min_change: float  # the smallest relative change that counts as a move


def amount(value: float) -> str:
    """Write a KPI value to four significant digits, at most three decimals: 1,235 / 104.9 / 2.14 / 0."""
    magnitude = abs(value)
    decimals = 0 if magnitude >= 1000 else 1 if magnitude >= 100 else 2 if magnitude >= 10 else 3
    text = f"{value:,.0f}" if decimals == 0 else f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "0") else text.replace("-", MINUS)


def percent(fraction: float) -> str:
    """Format a fraction as a percentage with at most one decimal: 0.48 -> 48, 0.125 -> 12.5."""
    return f"{abs(fraction) * 100:.1f}".removesuffix(".0")


def points(value: float) -> str:
    """Write satisfaction points with one decimal, two where one would hide the value (0.01)."""
    text = f"{value:.1f}"
    if value and abs(value) < 0.095:
        text = f"{value:.2f}"
    return text


def level(value: float) -> str:
    """Write a satisfaction level with one decimal, two where the second is not 0: 5.0, 5.01."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def signed_points(value: float) -> str:
    """Write a change of satisfaction with its sign: +0.5, −1.2, 0.0."""
    text = points(abs(value))
    return f"+{text}" if value > 0 and text.strip("0.") else f"{MINUS}{text}" if value < 0 else text


def plural(count: int, noun: str) -> str:
    """Put a noun in the singular for a count of one, in the plural otherwise."""
    return noun if count == 1 else f"{noun}s"


def _with_unit(text: str, unit: str) -> str:
    """Put the unit after a value: 3 defects, 92 %."""
    return f"{text} {unit}" if unit else text


def kpi_sentence(trend: KpiTrend) -> str:
    """Say how the KPI moved over the window, against its noise."""
    start, end = amount(trend.start), _with_unit(amount(trend.end), trend.unit)
    band = f"±{_with_unit(amount(trend.band), trend.unit)}"
    delta = trend.end - trend.start
    if abs(delta) <= trend.band:
        return (f"{trend.name} held steady over {trend.days} days "
                f"({start} → {end}, inside its noise of {band})")
    verb = "rose" if delta > 0 else "fell"
    if trend.change is not None:
        moved = f"{trend.name} {verb} {percent(trend.change)} % in {trend.days} days"
        ends = f"{start} → {end}, "
    else:
        moved, ends = f"{trend.name} {verb} from {start} to {end} in {trend.days} days", ""
    if trend.move == "steady":  # beyond the noise, but a smaller share of the start than counts
        return f"{moved} ({ends}less than the {percent(trend.min_change)} % that counts as a move)"
    return f"{moved} ({ends}beyond its noise of {band})"


def _respondents(change: SatisfactionChange) -> str:
    """Say how many answered each wave, where the ratings say."""
    before, after = change.before.respondents, change.after.respondents
    if before is None or after is None:
        return ""
    return f", {before} and {after} respondents"


def outcome_phrase(statement: str, change: SatisfactionChange | None,
                   ratings: Sequence[SatisfactionPoint], minimum: float) -> str:
    """Say how satisfaction with one outcome moved, with its uncertainty, or why it cannot be told."""
    if change is None:
        waves = segment_waves(ratings)
        count = sum(len(w) for w in waves.values())
        if not count:
            return f"'{statement}' was not rated in the window"
        if count == 1:
            return f"'{statement}' was rated only once in the window"
        return f"'{statement}' was not rated twice by one segment in the window"
    segment = f"{change.segment}: " if change.segment else ""
    ends = (f"({segment}{level(change.before.satisfaction)} → {level(change.after.satisfaction)}"
            f"{_respondents(change)})")
    margin = "" if change.margin is None else f" ± {points(change.margin)}"
    if change.move == "improved":
        return f"'{statement}' rose {points(change.change)}{margin} points {ends}"
    if change.move == "worse":
        return f"'{statement}' fell {points(-change.change)}{margin} points {ends}"
    moved = f"{signed_points(change.change)}{margin} points {ends}"
    if change.move == "steady":
        floor = f", under the {points(minimum)}-point minimum" if change.margin is None else ""
        return f"'{statement}' held steady: {moved}{floor}"
    return f"'{statement}' moved {moved}, inside the survey's noise"


def satisfaction_sentence(phrases: Sequence[str]) -> str:
    """Join the outcomes' phrases: one outcome by itself, several after their count."""
    if len(phrases) == 1:
        return f"satisfaction with {phrases[0]}"
    return f"satisfaction with its {len(phrases)} linked outcomes: {'; '.join(phrases)}"


def verdict_reasons(status: str, trend: KpiTrend, side: str, phrases: Sequence[str],
                    improved: Sequence[str], settle: str) -> list[str]:
    """Say why a KPI is worsening, diverging, inconclusive or aligned, with both moves' figures."""
    kpi, outcomes = kpi_sentence(trend), satisfaction_sentence(phrases)
    if status == "worsening":
        return [f"{kpi}, the wrong way for a KPI that should {trend.direction}, and {outcomes}.",
                "The KPI and what the customer feels both got worse: take it to the next review."]
    if status == "diverging":
        return [f"{kpi} while {outcomes}.",
                "Check that the KPI still stands for what the customer needs before rewarding it."]
    if status == "aligned" and side == "steady":
        return [f"{kpi} and {outcomes}: both hold steady."]
    if status == "aligned":
        joint = "and satisfaction moved with it" if trend.move == "better" else "while the customer gained"
        return [f"{kpi} {joint}: {'; '.join(improved)}."]
    return [f"{kpi} while {outcomes}.", settle]


def what_would_settle(side: str, unsettled: Sequence[SatisfactionChange], minimum: float) -> str:
    """Say what data would turn an inconclusive assessment into a verdict."""
    if side == "unrated":
        return ("A second survey wave of the same segment inside the window would settle it: "
                "one wave cannot show a change.")
    if side == "unsettled" and unsettled:
        needed = respondents_to_settle(unsettled[0], minimum)
        return (f"About {needed} respondents a wave would tell a {points(minimum)}-point change from the "
                f"survey's noise (the last wave had {unsettled[0].after.respondents}).")
    return ("The KPI and its outcome did not move together here: more measurements and the next "
            "survey wave will show whether the KPI still stands for the outcome.")
