"""Grading: a workspace's files graded by the hidden suites, run against sandboxed student code.

`grade.grade_workspace` snapshots a workspace and grades it; `runner` runs the pytest suites in
this trusted process; `checks` and `feedback` are what suites assert with; `scoring` turns test
outcomes into points; `examples` runs the docstring examples for `grader check`; `exercises`
knows which exercises exist; `workspace` reads a student's folder. Nothing here stores anything.
"""
