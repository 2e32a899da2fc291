"""The command line's side of a course server: the login, the HTTP client, and uploads that
are kept until the server has acknowledged them.

`login` reads and writes the saved login (server URL and token, mode 0600 in the user's
config folder; GRADER_SERVER and GRADER_TOKEN override it); `http` talks to `/api/v1` and
turns its answers into the grader's records and errors; `pending` keeps each upload on disk
from before it is sent until the server answers, so a lost answer never loses it and a
resent one is never counted twice (it carries the same Idempotency-Key).
"""
