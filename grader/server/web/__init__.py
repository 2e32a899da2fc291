"""The course in the browser: pages served by `grader serve` over the same service functions
as the command line.

Students sign in with their token and see their submissions with the terminal's feedback,
their standing against the course's rules, and take quizzes and practise; TAs and
instructors watch the class's gradebook update as students submit, read any student's
attempts and code, and instructors regrade, override, extend deadlines and export.

    pages       what the application takes from here: the routes and the shared state
    routes      every page's URL, in one list
    sessions    signing in: the signed session cookie, and one-time notices
    csrf        a signed double-submit token on every form, checked before any handler runs
    templating  Jinja2 (autoescaping everything), the filters, and the page renderer
    guard       who may see a page: the signed-in person and their role, as pages need them
    auth, student, quizzes, practice, staff   the pages, thin like the commands
    feedback    the terminal's feedback text, arranged for a page
    source      submitted files, highlighted by Pygments (which escapes them)
    live        server-sent events: pages learn that the database changed and reload parts
    queue       the grading queue's state, where the course grades with workers
    regrading   an instructor's regrade, run in a fresh trusted process

Templates are in `grader/server/templates/`, CSS and the one small script in
`grader/server/static/`; no build step, nothing from a CDN, and every page works without
JavaScript (the script only keeps live pages up to date).
"""
