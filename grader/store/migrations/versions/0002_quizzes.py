"""quizzes, answers and practice schedules

Revision ID: 0002_quizzes
Revises: 0001_submissions
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_quizzes"
down_revision = "0001_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quizzes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quizzes")),
        sa.UniqueConstraint("slug", name=op.f("uq_quizzes_slug")),
    )
    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_attempts_quiz_id_quizzes")),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name=op.f("fk_quiz_attempts_student_id_students")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_attempts_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_attempts_quiz_id"), ["quiz_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_attempts_student_id"), ["student_id"], unique=False)

    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("current_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_questions_quiz_id_quizzes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_questions")),
        sa.UniqueConstraint("quiz_id", "slug", name=op.f("uq_quiz_questions_quiz_id")),
    )
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_questions_quiz_id"), ["quiz_id"], unique=False)

    op.create_table(
        "quiz_practice_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["quiz_questions.id"], name=op.f("fk_quiz_practice_cards_question_id_quiz_questions")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_quiz_practice_cards_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_practice_cards")),
        sa.UniqueConstraint("student_id", "question_id", name=op.f("uq_quiz_practice_cards_student_id")),
    )
    with op.batch_alter_table("quiz_practice_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_practice_cards_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_practice_cards_question_id"), ["question_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_practice_cards_student_id"), ["student_id"], unique=False)

    op.create_table(
        "quiz_question_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("answer", sa.Float(), nullable=True),
        sa.Column("tolerance", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["quiz_questions.id"], name=op.f("fk_quiz_question_versions_question_id_quiz_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_question_versions")),
        sa.UniqueConstraint("question_id", "content_hash", name=op.f("uq_quiz_question_versions_question_id")),
    )
    with op.batch_alter_table("quiz_question_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_question_versions_question_id"), ["question_id"], unique=False)

    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_quiz_answers_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name=op.f("fk_quiz_answers_student_id_students")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["quiz_question_versions.id"],
            name=op.f("fk_quiz_answers_version_id_quiz_question_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_answers")),
    )
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_answers_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_answers_student_id"), ["student_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_answers_version_id"), ["version_id"], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_answers_version_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_answers_student_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_answers_attempt_id"))

    op.drop_table("quiz_answers")
    with op.batch_alter_table("quiz_question_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_question_versions_question_id"))

    op.drop_table("quiz_question_versions")
    with op.batch_alter_table("quiz_practice_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_practice_cards_student_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_practice_cards_question_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_practice_cards_due"))

    op.drop_table("quiz_practice_cards")
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_questions_quiz_id"))

    op.drop_table("quiz_questions")
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_student_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_quiz_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_created_at"))

    op.drop_table("quiz_attempts")
    op.drop_table("quizzes")
    # ### end Alembic commands ###
