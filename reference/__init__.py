"""The instructors' solutions: one module per exercise, mirroring `exercises/` name for name.

Installed as `grader.reference` and read by the trusted side only; no sandbox can read it.
"""
