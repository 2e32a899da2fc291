"""The course server: `grader serve`, an ASGI application over the same service functions as
the command line.

`app.create_app` builds the Starlette application; `api` holds the `/api/v1` handlers, thin
like the commands (authenticate, call one service function, answer with a contract from
`grader.contracts`); `errors` is the one place where errors become HTTP statuses;
`grading` grades received submissions in the server's own pool of sandboxed processes (the
embedded default); `limits` keeps one person from flooding the server; `openapi` describes
the API. `web` serves the course's pages to students and staff in a browser, over the same
service functions (templates in `templates/`, CSS and a small script in `static/`).
"""
