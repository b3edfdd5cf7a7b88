"""ImportJob: one Excel/CSV import between upload and confirmation, kept in the database.

Any web process (and the flow worker that checks and writes a large file) finds it by its token,
so N stateless web processes on several machines serve one import. The upload itself waits here
until it is checked; the checked rows (zlib-compressed JSON) until the user confirms; after
writing only the refused rows stay, for rejected.csv. Rows older than STASH_HOURS are swept.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, field, utcnow

RUNNING = ("queued", "checking", "claimed", "writing")
STATES = {"queued": "排队中", "checking": "检查中", "ready": "待确认", "claimed": "确认中",
          "writing": "写入中", "done": "已导入", "failed": "失败"}


class ImportJob(Base):
    __tablename__ = "import_job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, info={"secret": True})
    form: Mapped[str] = field("表单", String(40))
    user_id: Mapped[int] = field("导入人", ForeignKey("user.id", ondelete="CASCADE"), index=True)
    dealer_id: Mapped[int | None] = field("特约店", ForeignKey("dealer.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int | None] = field("活动", ForeignKey("campaign.id", ondelete="CASCADE"),
                                            index=True)
    filename: Mapped[str] = field("文件名", String(255), default="")
    state: Mapped[str] = field("状态", String(20), choices=STATES, default="ready")
    done: Mapped[int] = field("已处理行数", Integer, default=0)
    total: Mapped[int] = field("总行数", Integer, default=0)
    message: Mapped[str | None] = field("说明", Text)
    # checked (and then written) by the import-file flow in the background, not in the request
    background: Mapped[bool] = field("后台处理", Boolean, default=False)
    only_valid: Mapped[bool] = field("仅导入有效行", Boolean, default=False)
    upload: Mapped[bytes | None] = mapped_column(LargeBinary, info={"secret": True})
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, info={"secret": True})
    created_at: Mapped[dt.datetime] = field("创建时间", default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = field("更新时间", default=utcnow, onupdate=utcnow)
