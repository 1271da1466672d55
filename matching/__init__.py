"""Dandelion matching: audience fit, eligibility, the assignment optimiser and explanations.

The pure core lives in :mod:`matching.solver` (instance → solution) and
:mod:`matching.market` (market records → instance, explanations). Nothing here imports
Flask or SQLAlchemy.
"""
