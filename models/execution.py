"""On-site records: 顾客签到表 SignIn and 顾客信息回馈表 Feedback."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field, utcnow
from .preparation import new_token
from .forms_rules import (Validated, between, check, each_row, in_window, required,
                          unique_per_dealer_campaign, valid_mobile, valid_plate)

if TYPE_CHECKING:
    from .workorder import WorkOrder

CHANNELS = {"desk": "前台登记", "qr": "扫码自助签到"}
# **default** items (DESIGN §2.6); HQ can change them per campaign later.
FEEDBACK_ITEMS = ["接待服务", "等候时间", "检测结果说明", "维修质量", "环境", "总体满意度"]


class SignIn(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "sign_in"
    arrived_at: Mapped[dt.datetime] = field("到店时间", default=utcnow, index=True)
    customer_id: Mapped[int | None] = field("顾客", ForeignKey("customer.id"), index=True)
    customer: Mapped[object] = relationship("Customer")
    name: Mapped[str] = field("顾客姓名", String(60))
    mobile: Mapped[str | None] = field("手机", String(20))
    plate: Mapped[str | None] = field("车牌号", String(10), index=True)
    advisor_id: Mapped[int | None] = field("服务顾问", ForeignKey("user.id"), index=True)
    advisor: Mapped[object] = relationship("User")
    channel: Mapped[str] = field("签到方式", String(10), choices=CHANNELS, default="desk")
    gift_given: Mapped[bool] = field("已送礼品", Boolean, default=False)
    sticker_applied: Mapped[bool] = field("已贴标示贴", Boolean, default=False,
                                          help="标示贴贴于车辆后风挡外面的左下角")
    walk_in: Mapped[bool] = field("非邀约到店", Boolean, default=False, index=True,
                                  help="不在顾客名单上的顾客自动标记")
    # The invitation a customer signed in with by QR: unique, so one invitation signs in once
    # however many phones press 签到 at the same moment.
    invitation_id: Mapped[int | None] = field("顾客名单", ForeignKey("customer_invitation.id"),
                                              unique=True)
    invitation: Mapped[object] = relationship("CustomerInvitation")
    # The visit's 顾客信息回馈表 link (QR shown by the desk); no label: never on a screen or sheet.
    feedback_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token,
                                                info={"secret": True})
    work_orders: Mapped[list[WorkOrder]] = relationship("WorkOrder", viewonly=True,
                                                        order_by="WorkOrder.id")

    form_rules = (required("campaign", "arrived_at", "name"), in_window("arrived_at"),
                  valid_mobile("mobile"), valid_plate("plate"))

    def __str__(self) -> str:
        return f"{self.name} {self.plate or ''}".strip()


class Feedback(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "feedback"
    filled_on: Mapped[dt.date] = field("填写日期", index=True)
    # One 顾客信息回馈表 per visit: a unique index, because two phones (or the phone and the desk)
    # may send theirs at the same moment and only the database sees both.
    sign_in_id: Mapped[int | None] = field("签到记录", ForeignKey("sign_in.id"), index=True, unique=True)
    sign_in: Mapped[SignIn | None] = relationship()
    customer_name: Mapped[str] = field("顾客姓名", String(60))
    nps: Mapped[int | None] = field("推荐意愿 (0-10)", Integer)
    comments: Mapped[str | None] = field("意见与建议", Text)
    wants_complaint: Mapped[bool] = field("需要登记投诉", Boolean, default=False)
    ratings: Mapped[list[FeedbackRating]] = relationship(
        info={"label": "评分项目 (1-5 分)"}, cascade="all, delete-orphan",
        backref="feedback")

    def _complaint_described(self) -> str | None:
        if self.wants_complaint and not (self.comments or "").strip():
            return "顾客要求登记投诉时，请在“意见与建议”中写明投诉内容"
        return None

    def _items_once(self) -> str | None:
        items = [r.item for r in self.ratings if r.item]
        repeated = sorted({i for i in items if items.count(i) > 1})
        return f"评分项目重复：{'、'.join(repeated)}" if repeated else None

    form_rules = (required("campaign", "filled_on", "customer_name"), in_window("filled_on"),
                  between("nps", 0, 10), check(_complaint_described),
                  unique_per_dealer_campaign("sign_in", list_name="顾客信息回馈表"),
                  each_row("ratings", required("item", "score"), between("score", 1, 5),
                           row_name="评分第{n}项"),
                  check(_items_once))

    def __str__(self) -> str:
        return f"{self.customer_name} {self.filled_on}"


class FeedbackRating(Base):
    __tablename__ = "feedback_rating"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    feedback_id: Mapped[int] = field("回馈表", ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = field("项目", String(40))
    score: Mapped[int] = field("评分 (1-5)", Integer, scale=(1, 5))
