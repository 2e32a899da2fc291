"""The quiz bank, installed with the grader as the package `grader.quizzes`.

This file holds no questions: it makes the folder a package, so that the `*.md` quizzes
beside it ship in the wheel as package data and `grader quiz ...` finds them in any
installation (`grader.settings.bundled_quizzes_dir`). The quiz format is in README.md.
"""
