"""Chart plumbing: user text is drawn as typed, bytes come out, the cache key follows content."""

from __future__ import annotations

from lms.charts.base import empty_message, new_figure, shorten, style_axes, to_pdf, to_png
from lms.charts.cache import content_key


def test_math_like_user_text_renders_instead_of_crashing():
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    style_axes(ax, title=r"$\foo$ step", xlabel=r"cost in $", ylabel=r"\frac{a}{b}")
    ax.bar([r"$\alpha$ stage", "plain"], [1, 2])
    assert to_png(fig).startswith(b"\x89PNG")
    assert to_pdf(fig).startswith(b"%PDF")


def test_empty_chart_says_so():
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    empty_message(ax, "No steps yet")
    assert [t.get_text() for t in ax.texts] == ["No steps yet"]


def test_content_key_changes_with_content_only():
    assert content_key("takt", {"a": 1, "b": 2}) == content_key("takt", {"b": 2, "a": 1})
    assert content_key("takt", {"a": 1}) != content_key("takt", {"a": 2})
    assert content_key("takt", {"a": 1}) != content_key("pareto", {"a": 1})


def test_shorten():
    assert shorten("short") == "short"
    assert shorten("x" * 40, 10) == "x" * 9 + "…"


def test_a_chart_the_primary_font_draws_alone_skips_the_fallback_fonts():
    from matplotlib.text import Text

    from lms.charts.fonts import PRIMARY, font_families, primary_draws

    # Greek and the minus sign are in DejaVu Sans; Japanese is not.
    assert primary_draws("Ωmega −5") and not primary_draws("検査")
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    style_axes(ax, title="Cycle time", xlabel="Step", ylabel="Seconds")
    ax.set_xticks([0, 1], ["Cut", "Ωmega"])
    to_png(fig)
    assert {tuple(t.get_fontfamily()) for t in fig.findobj(Text)} == {(PRIMARY,)}

    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    style_axes(ax, title="Cycle time", xlabel="Step", ylabel="Seconds")
    ax.set_xticks([0, 1], ["Cut", "検査"])  # a step name only a fallback font may draw
    to_png(fig)
    assert {tuple(t.get_fontfamily()) for t in fig.findobj(Text)} == {tuple(font_families())}
