"""`grader report`: the class gradebook, where students struggle, and a student's history.

`gradebook` and `struggles` are pure functions over rows from `grader.store.reports`;
`text`, `csvfile`, `page` (HTML with `charts`) and `history` turn the records into output.
Nothing here touches the database, prints or exits.
"""
