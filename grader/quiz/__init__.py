"""Quizzes: the Markdown bank, scoring, FSRS practice and item statistics.

`grader.service.quizzes` holds the functions the `grader quiz` commands call.
"""
