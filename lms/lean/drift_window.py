"""A drift window's facts for many KPIs at once: numpy columns in, one ``WindowFacts`` per KPI out.

The vectorised Theil-Sen here takes the same medians of the same pairwise slopes as
``lms.lean.drift.theil_sen``: the fitted change of every KPI is the very same float, and so is
its noise (``lms.lean.drift.trend_noise``: the robust scatter of the measurements about the fit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from lms.lazy import LazyModule

np = LazyModule("numpy")  # imported on first use: `lms --help` and most commands never need it


@dataclass(frozen=True)
class WindowFacts:
    """What a KPI's measurements come to for the rules, as of a day."""

    count: int  # measurements inside the window
    distinct_days: int  # days they fall on
    first_day: date | None  # the earliest of them
    newest_day: date | None  # the newest measurement up to as_of, inside the window or before it
    kpi_change: float | None  # the fitted change over the window (``relative_change``)
    fitted_start: float | None = None  # the trend's value on the first measuring day in the window
    fitted_end: float | None = None  # ... and on the last
    noise: float | None = None  # robust standard deviation of the measurements about the trend
    newest_value: float | None = None  # the newest measurement inside the window


NO_FACTS = WindowFacts(0, 0, None, None, None)  # a KPI never measured up to as_of

# 1.4826 x the median absolute residual estimates the standard deviation of normal noise, and a
# few wild values do not inflate it (the MAD scale of Rousseeuw & Croux).
MAD_TO_SD = 1.4826


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def as_days(days: Sequence[date] | Sequence[str]) -> np.ndarray:
    """Return dates, or ISO date strings, as a datetime64[D] array.

    Dates go through their ordinals: numpy converts date objects one by one, 40 times slower.
    """
    if days and isinstance(days[0], date):
        ordinals = np.fromiter(map(date.toordinal, days), dtype=np.int64, count=len(days))
        return (ordinals - _EPOCH_ORDINAL).astype("datetime64[D]")
    return np.array(days, dtype="datetime64[D]")


def window_facts_many(
    kpi_ids: np.ndarray, days: np.ndarray, values: np.ndarray, start: date, as_of: date,
    newest: dict[int, date],
) -> dict[int, WindowFacts]:
    """Return the window facts of every KPI that has a measurement in (start, as_of].

    ``kpi_ids``, ``days`` (datetime64[D]) and ``values`` are the measurements as columns, in
    any order; ``newest`` is each KPI's newest measurement day up to ``as_of``: a KPI found
    only there has facts too (no measurement in the window, but a newest day).
    """
    x = (days.astype("datetime64[D]") - np.datetime64(start, "D")).astype(np.int64)
    inside = (x > 0) & (x <= (as_of - start).days)
    kpi_ids, x, values = kpi_ids[inside], x[inside], values[inside].astype(np.float64)
    order = np.lexsort((x, kpi_ids))
    kpi_ids, x, values = kpi_ids[order], x[order], values[order]
    ids, first, counts = np.unique(kpi_ids, return_index=True, return_counts=True)
    new_day = np.ones(len(x), dtype=bool)
    new_day[1:] = (x[1:] != x[:-1]) | (kpi_ids[1:] != kpi_ids[:-1])
    distinct = np.add.reduceat(new_day, first) if len(first) else np.zeros(0, dtype=np.int64)
    trends = _trends(x.astype(np.float64), values, first, counts)
    newest_values = values[first + counts - 1].tolist() if len(first) else []
    found = {kpi_id: WindowFacts(0, 0, None, day, None) for kpi_id, day in newest.items()}
    for kpi_id, i, n, d, trend, last_value in zip(ids.tolist(), first.tolist(), counts.tolist(),
                                                  distinct.tolist(), trends, newest_values, strict=True):
        found[kpi_id] = WindowFacts(
            count=n, distinct_days=d, first_day=start + timedelta(days=int(x[i])),
            newest_day=newest.get(kpi_id), kpi_change=trend.change, fitted_start=trend.start,
            fitted_end=trend.end, noise=trend.noise, newest_value=last_value,
        )
    return found


_PAIRS_PER_CHUNK = 400_000  # bounds the pairwise-slope matrix of one vectorised batch


@dataclass(frozen=True)
class _Trend:
    """A group's fitted trend: its value on the first and last day, relative change and noise."""

    start: float | None = None
    end: float | None = None
    change: float | None = None
    noise: float | None = None


def _trends(x: np.ndarray, y: np.ndarray, first: np.ndarray, counts: np.ndarray) -> list[_Trend]:
    """Return the trend of each group x[first:first+count], x sorted in each group."""
    changes: list[_Trend] = [_Trend()] * len(first)
    for n in np.unique(counts):
        if n < 2:
            continue
        groups = np.flatnonzero(counts == n)
        pairs = n * (n - 1) // 2
        step = max(1, _PAIRS_PER_CHUNK // pairs)
        for at in range(0, len(groups), step):
            chosen = groups[at : at + step]
            rows = first[chosen][:, None] + np.arange(n)
            fits, noises = _theil_sen_rows(x[rows], y[rows])
            for group, fit, noise, xs in zip(chosen, fits, noises, x[rows], strict=True):
                changes[group] = _trend_of_fit(fit, noise, xs[0], xs[-1])
    return changes


def _theil_sen_rows(x: np.ndarray, y: np.ndarray) -> tuple[list[tuple[float, float] | None], list[float]]:
    """Fit ``theil_sen`` to each row of (x, y) at once: the same medians, the same floats.

    Also return each row's noise, ``trend_noise`` of the fit: MAD_TO_SD x the median absolute residual.
    """
    left, right = np.triu_indices(x.shape[1], 1)
    dx = x[:, right] - x[:, left]
    distinct = dx != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = (y[:, right] - y[:, left]) / dx
    slopes[~distinct] = np.nan
    valid = np.count_nonzero(distinct, axis=1)
    slope = _median_of_first(np.sort(slopes, axis=1), valid)  # NaN sorts last
    raw = y - slope[:, None] * x
    everyone = np.full(len(x), x.shape[1])
    intercept = _median_of_first(np.sort(raw, axis=1), everyone)
    with np.errstate(invalid="ignore", over="ignore"):  # rows without a fit carry NaN, left unused
        deviations = np.sort(np.abs(raw - intercept[:, None]), axis=1)
    noise = (MAD_TO_SD * _median_of_first(deviations, everyone)).tolist()
    return [None if v == 0 else (float(s), float(i))
            for v, s, i in zip(valid, slope, intercept, strict=True)], noise


def _median_of_first(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Return each row's median of its first ``count`` (sorted) values, as ``statistics.median``."""
    rows = np.arange(len(ordered))
    low = ordered[rows, np.maximum(counts - 1, 0) // 2]
    high = ordered[rows, np.minimum(counts // 2, ordered.shape[1] - 1)]
    with np.errstate(over="ignore"):  # two values near the float limit: inf, as statistics.median gives
        middle = (low + high) / 2
    return np.where(counts % 2 == 1, low, middle)


def _trend_of_fit(fit: tuple[float, float] | None, noise: float, first_x: float, last_x: float) -> _Trend:
    """Return the fitted values at first_x and last_x, the change relative to the start, and the noise."""
    if fit is None:
        return _Trend()
    slope, intercept = float(fit[0]), float(fit[1])  # Python floats, as drift.py computes it
    start = intercept + slope * float(first_x)
    end = intercept + slope * float(last_x)
    return _Trend(start, end, (end - start) / abs(start) if start else None, noise)
