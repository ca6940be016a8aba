"""The fault suite (issue 14 §5): a node under a write load, broken on purpose, with figures.

Run ``python -m bench.faults`` (short, as CI runs it) or ``python -m bench.faults --long``.
"""
