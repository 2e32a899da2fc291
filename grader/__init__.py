"""nn-grader: auto-graded numpy exercises and quizzes for a course on neural-network fundamentals.

The package is a library first: grading (`grader.grading`), the sandbox (`grader.sandbox`),
storage (`grader.store`) and quizzes (`grader.quiz`) are plain modules; `grader.cli` is a thin
command line over them.
"""

__version__ = "0.1.0"
