"""What the commands (and the course server) do, as functions over an open store.

Each module holds the use cases of one audience: `submissions` (a student's attempts),
`batch` (a class graded at once), `reports` (an instructor's views), `quizzes` (taking and
practising quizzes). None prints, prompts, exits or knows about HTTP.
"""
