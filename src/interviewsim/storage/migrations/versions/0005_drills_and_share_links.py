"""Drills point at the interview and question they re-ask; owners may share a report by a revocable, expiring link

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interview_sessions") as batch_op:
        batch_op.add_column(sa.Column("drill_of", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("drill_question", sa.Integer(), nullable=True))
    op.create_table(
        "share_links",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column(
            "session_id",
            sa.String(length=36),
            sa.ForeignKey("interview_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_share_links_session_id", "share_links", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_share_links_session_id", table_name="share_links")
    op.drop_table("share_links")
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy: copying interview_sessions would drop the
    # old table, and its ON DELETE CASCADE would empty messages and evaluations on the way.
    op.drop_column("interview_sessions", "drill_question")
    op.drop_column("interview_sessions", "drill_of")
