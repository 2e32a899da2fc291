"""The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.

Written out rather than generated: it is the contract that clients are built against, so it
changes only when the API does, on purpose. A test checks that every route is described.
"""

from __future__ import annotations

from typing import Any

from grader.service.uploads import MAX_FILE_BYTES, MAX_UPLOAD_BYTES

ERROR = {"$ref": "#/components/schemas/Error"}
QUIZ_ID = {"name": "quiz_id", "in": "path", "required": True, "schema": {"type": "string"}}
SITTING_ID = {"name": "sitting_id", "in": "path", "required": True, "schema": {"type": "integer"}}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    return {"description": description, "content": content}


def _json_body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    meaning = {
        401: "no token, or a token the course does not know",
        403: "your role may not do this, or every attempt the course allows is used",
        404: "no such thing that you may see",
        413: f"an upload over the limits: {MAX_FILE_BYTES} bytes a file, {MAX_UPLOAD_BYTES} in all",
        422: "a request the server cannot use; the error says why",
        429: "too fast: the course's cool-down, or too many submissions a minute (see Retry-After)",
    }
    return {str(code): _answer(meaning[code], ERROR) for code in codes}


SUBMISSION = {
    "type": "object",
    "required": ["submission_id", "status"],
    "properties": {
        "submission_id": {"type": "integer"},
        "status": {"enum": ["queued", "grading", "graded", "not_gradable"]},
        "student": {"type": "string"},
        "attempt": {"type": "integer", "description": "the student's own count: 1 for their first"},
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "sandbox": {"type": "object"},
        "exercises": {"type": "array", "items": {"type": "object"}},
    },
    "description": "Once graded, every key of `grader submit --json` is present too.",
}


PRACTICE = {
    "type": "object",
    "required": ["due", "new", "next_due", "question", "ticket"],
    "properties": {
        "quiz": {"type": ["string", "null"]},
        "due": {"type": "integer", "description": "questions due now"},
        "new": {"type": "integer", "description": "questions never practised"},
        "next_due": {"type": ["string", "null"], "description": "when the next question not due yet comes back"},
        "question": {"type": ["object", "null"], "description": "options numbered as shown, without the answer"},
        "ticket": {"type": ["object", "null"], "description": "send it back with the answer"},
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "nn-grader course server",
            "version": "1",
            "description": "Students submit exercises and read their feedback; staff read the class.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "Submission": SUBMISSION,
            },
        },
        "paths": {
            "/api/v1/health": {
                "get": {"summary": "Is the server up", "responses": {"200": _answer("it is", {"type": "object"})}}
            },
            "/api/v1/course": {
                "get": {
                    "summary": "The course's exercises and the file each one is",
                    "security": BEARER,
                    "responses": {"200": _answer("exercises"), **_errors(401)},
                }
            },
            "/api/v1/me": {
                "get": {
                    "summary": "Who the token belongs to, and their role",
                    "security": BEARER,
                    "responses": {"200": _answer("name and role"), **_errors(401)},
                }
            },
            "/api/v1/submissions": {
                "post": {
                    "summary": "Submit exercise files to be graded",
                    "security": BEARER,
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "the same key from the same student returns the same submission",
                        },
                        {
                            "name": "wait",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "number", "maximum": 60, "default": 3},
                            "description": "seconds to wait for the grade before answering 202 (0: answer at once)",
                        },
                    ],
                    "requestBody": _json_body(
                        ["files"],
                        {
                            "files": {"type": "object", "additionalProperties": {"type": "string"}},
                            "exercises": {"type": "array", "items": {"type": "string"}},
                        },
                    ),
                    "responses": {
                        "200": _answer("graded within a short wait", {"$ref": "#/components/schemas/Submission"}),
                        "202": _answer("stored and queued", {"$ref": "#/components/schemas/Submission"}),
                        **_errors(401, 403, 413, 422, 429),
                    },
                }
            },
            "/api/v1/submissions/{submission_id}": {
                "get": {
                    "summary": "A submission's status, and its feedback once graded",
                    "security": BEARER,
                    "parameters": [
                        {"name": "submission_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                        {
                            "name": "wait",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "number", "maximum": 60},
                            "description": "seconds to wait for the grade before answering",
                        },
                    ],
                    "responses": {
                        "200": _answer("the submission", {"$ref": "#/components/schemas/Submission"}),
                        **_errors(401, 404, 422),
                    },
                }
            },
            "/api/v1/submissions/{submission_id}/source": {
                "get": {
                    "summary": "The files of a submission, exactly as submitted",
                    "security": BEARER,
                    "parameters": [
                        {"name": "submission_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                        {"name": "file", "in": "query", "required": False, "schema": {"type": "string"}},
                    ],
                    "responses": {"200": _answer("student and files"), **_errors(401, 404, 422)},
                }
            },
            "/api/v1/class/submissions": {
                "post": {
                    "summary": "An instructor submits a student's files on their behalf",
                    "security": BEARER,
                    "responses": {
                        "200": _answer("graded", {"$ref": "#/components/schemas/Submission"}),
                        "202": _answer("queued", {"$ref": "#/components/schemas/Submission"}),
                        **_errors(401, 403, 413, 422, 429),
                    },
                }
            },
            "/api/v1/progress": {
                "get": {
                    "summary": "Attempts and best and latest score per exercise (`grader progress --json`)",
                    "security": BEARER,
                    "parameters": [{"name": "student", "in": "query", "required": False, "schema": {"type": "string"}}],
                    "responses": {"200": _answer("progress"), **_errors(401, 404, 422)},
                }
            },
            "/api/v1/students/{student}/history": {
                "get": {
                    "summary": "Every attempt of a student with its feedback (`grader report --student`)",
                    "security": BEARER,
                    "parameters": [
                        {"name": "student", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "format", "in": "query", "required": False, "schema": {"enum": ["json", "table"]}},
                    ],
                    "responses": {"200": _answer("history"), **_errors(401, 404, 422)},
                }
            },
            "/api/v1/report": {
                "get": {
                    "summary": "The class report (`grader report`), for TAs and instructors",
                    "security": BEARER,
                    "parameters": [
                        {
                            "name": "format",
                            "in": "query",
                            "required": False,
                            "schema": {"enum": ["json", "table", "csv", "html"]},
                        },
                        {"name": "policy", "in": "query", "required": False, "schema": {"enum": ["best", "latest"]}},
                        {"name": "width", "in": "query", "required": False, "schema": {"type": "integer"}},
                    ],
                    "responses": {"200": _answer("the report"), **_errors(401, 403, 422)},
                }
            },
            "/api/v1/quizzes": {
                "get": {
                    "summary": "The course's quizzes (`grader quiz list --json`)",
                    "security": BEARER,
                    "responses": {"200": _answer("the quizzes"), **_errors(401)},
                }
            },
            "/api/v1/quizzes/{quiz_id}/sittings": {
                "post": {
                    "summary": "Begin a sitting of a quiz (`grader quiz take`): its id and first question, "
                    "options in the order shown, without the answer",
                    "security": BEARER,
                    "parameters": [QUIZ_ID],
                    "responses": {"201": _answer("the sitting"), **_errors(401, 404)},
                }
            },
            "/api/v1/quizzes/{quiz_id}/attempts": {
                "post": {
                    "summary": "A whole quiz answered at once (`grader quiz take --answers`): "
                    '`{"answers": {question id: [option keys] or a number}}`',
                    "security": BEARER,
                    "parameters": [QUIZ_ID],
                    "responses": {"201": _answer("the attempt, scored and stored"), **_errors(401, 404, 422)},
                }
            },
            "/api/v1/quiz-sittings/{sitting_id}/answers": {
                "post": {
                    "summary": 'Answer the current question: `{"position": answered so far, "answer": [keys]}`; '
                    "the verdict (with the right answer and the explanation), the next question, and the "
                    "attempt once the last is answered",
                    "security": BEARER,
                    "parameters": [SITTING_ID],
                    "responses": {
                        "200": _answer("the verdict"),
                        "409": _answer("that question was answered already", ERROR),
                        **_errors(401, 404, 422),
                    },
                }
            },
            "/api/v1/quiz-sittings/{sitting_id}/stop": {
                "post": {
                    "summary": "Stop: the answers given are stored as an incomplete attempt",
                    "security": BEARER,
                    "parameters": [SITTING_ID],
                    "responses": {
                        "200": _answer("the attempt, or null when nothing was answered"),
                        **_errors(401, 404),
                    },
                }
            },
            "/api/v1/practice": {
                "get": {
                    "summary": "Spaced repetition: where your practice stands, and the question due first (no answer)",
                    "security": BEARER,
                    "parameters": [
                        {"name": "quiz", "in": "query", "required": False, "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": _answer(
                            "due, new, next_due, and question with its ticket (both null when nothing is due)",
                            PRACTICE,
                        ),
                        **_errors(401, 404),
                    },
                }
            },
            "/api/v1/practice/answers": {
                "post": {
                    "summary": "Answer the ticket's question: scored, stored and rescheduled; the next one",
                    "security": BEARER,
                    "requestBody": _json_body(
                        ["quiz", "ticket", "answer"],
                        {
                            "quiz": {"type": "string", "description": "the quiz, or empty for all"},
                            "ticket": {"type": "object", "description": "as the question came with it"},
                            "answer": {"type": "array", "items": {"type": "string"}},
                        },
                    ),
                    "responses": {
                        "200": _answer("the verdict (with next_due), and next: as GET /api/v1/practice"),
                        "409": _answer("that question was answered already, or is no longer the one due first", ERROR),
                        **_errors(401, 404, 422),
                    },
                }
            },
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": _answer("OpenAPI 3.1")}}},
        },
    }
