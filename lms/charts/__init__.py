"""Charts drawn with matplotlib's object API (Agg), returned as bytes and cached by content.

No pyplot anywhere: every chart builds its own ``Figure``; user text is never parsed as math.
"""
