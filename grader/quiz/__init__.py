"""Quizzes: the Markdown bank, scoring, FSRS practice and item statistics.

`grader.quiz.service` holds the functions the `grader quiz` commands call.
"""
