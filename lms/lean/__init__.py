"""The pure lean and jobs-to-be-done domain: plain values in, plain values out.

Nothing in this package imports Flask or SQLAlchemy; every function is unit-tested
without an application.
"""
