"""flask --app app create-user | demo-data."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from models import Dealer, Region, User, db
from models.org import ROLES


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(sorted(ROLES)), required=True)
    @click.option("--name", "full_name", required=True, help="姓名")
    @click.option("--dealer", "dealer_code", help="特约店代码（特约店角色必填）")
    @click.option("--region", "region_code", help="区域代码（区域经理必填）")
    @click.password_option(help="至少 8 位")
    def create_user(username: str, role: str, full_name: str, dealer_code: str | None,
                    region_code: str | None, password: str) -> None:
        """Create a user (passwords are stored as argon2 hashes)."""
        if db.session.scalar(select(User).where(User.username == username)):
            raise click.ClickException(f"用户名 {username} 已存在")
        user = User(username=username, role=role, full_name=full_name)
        if dealer_code:
            dealer = db.session.scalar(select(Dealer).where(Dealer.code == dealer_code))
            if dealer is None:
                raise click.ClickException(f"特约店代码 {dealer_code} 不存在")
            user.dealer = dealer
        if region_code:
            region = db.session.scalar(select(Region).where(Region.code == region_code))
            if region is None:
                raise click.ClickException(f"区域代码 {region_code} 不存在")
            user.region = region
        problem = user.role_problem()
        if problem:
            raise click.ClickException(problem)
        try:
            user.set_password(password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        db.session.add(user)
        db.session.commit()
        click.echo(f"已创建用户 {username}（{ROLES[role]}）")

    @app.cli.command("demo-data")
    def demo_data() -> None:
        """Load the 2014 车主回娘家 demo campaign (safe to run again)."""
        from models import CustomerInvitation
        from models.demo import DEMO_PASSWORD, load_demo_data, load_live_demo
        from reports.qr import public_url

        campaign = load_demo_data(db.session)
        click.echo(f"演示数据已就绪：{campaign.name}；演示密码 {DEMO_PASSWORD}（仅供演示）")
        live = load_live_demo(db.session)
        invitation = db.session.scalar(select(CustomerInvitation).where(
            CustomerInvitation.campaign_id == live.id).order_by(CustomerInvitation.id).limit(1))
        if invitation is not None:
            with app.test_request_context():
                link = public_url("phone.sign_in", token=invitation.token)
            click.echo(f"扫码签到演示（{invitation.dealer.name} 顾客 {invitation.name}）：{link}")
