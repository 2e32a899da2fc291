"""The job queue of a course on PostgreSQL: procrastinate, in the course's own database.

`grader serve --db postgresql+psycopg://...` stores each upload and defers its grading job in
the same transaction (`jobs.defer_grading`, called from the upload's `on_stored` hook): a
submission is never stored without its job, nor a job deferred for a submission that was
rolled back. Any number of `grader worker` processes, on any machines that reach the
database, fetch jobs (`FOR UPDATE SKIP LOCKED`, woken by LISTEN/NOTIFY) and grade them
(`worker`). Nothing else has to run: no broker, no second server.

Delivery is at least once and the outcome exactly once: a worker that dies leaves its job
"doing" with a heartbeat that stops, the others put it back in the queue within seconds,
and recording a result is idempotent (`grader.store.submissions.complete_submission`), so a
job that runs twice records one result. Every run that ends without a result counts as a
failure of the grader's own; after three the submission is `not_gradable` (no attempt spent).

Order: students' submissions before instructors' regrades, and within each, a student's
k-th waiting job goes behind everyone's first (`priority`), so one student with fifty
queued attempts holds up nobody else.
"""
