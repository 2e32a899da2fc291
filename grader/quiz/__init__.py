"""Quizzes: the Markdown bank, scoring, FSRS practice, item statistics, and their text.

Pure data and logic, no database: `grader.service.quizzes` (use cases) and
`grader.service.sittings` (a quiz sitting, a practice session) store what happens, and
`grader.quiz.text` words it for a terminal.
"""
