"""Time a ~500-page 现场辅导资料包 against printing each document with its own wkhtmltopdf call.

    .venv/bin/python bench/packet.py [--invitations N] [--work-orders N] [--workers N]

One dealer gets a full campaign's records (daily flows, trainings, N invitations, coaching visits)
and the packet asks for many blank copies, so that the packet is about 500 pages. Measured in the
same run:
  packet    reports.packet: sections in parts rendered in parallel, merged, stamped once;
  baseline  the same documents one by one, each its own wkhtmltopdf call stamped on its own —
            what downloading every print page of the admin one at a time costs.
Prints pages, seconds, pages per second and the ratio baseline / packet, and the CPU seconds each
used (this process + its wkhtmltopdf children): on a loaded machine the wall times stretch, the
CPU seconds do not.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def cpu_seconds() -> float:
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitations", type=int, default=2000)
    parser.add_argument("--work-orders", type=int, default=60, help="blank triplicate copies")
    parser.add_argument("--feedback", type=int, default=40, help="blank feedback copies")
    parser.add_argument("--workers", type=int, default=None, help="default: os.cpu_count()")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-packet-")
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
    os.environ.setdefault("PREFECT_API_URL", "http://127.0.0.1:9/api")

    from pypdf import PdfReader

    from app import create_app
    from config import TestConfig
    from models import (Campaign, CoachingVisit, CustomerInvitation, DailyFlow, DailyFlowSlot, Dealer,
                        Participation, Region, Trainee, TrainingSession, User, db)
    from models.base import Base
    from reports import packet, qr
    from reports.pdf import render_pdf

    app = create_app(TestConfig())
    with app.app_context(), app.test_request_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        region = Region(code="N", name="华北区")
        dealer = Dealer(code="A01", name="北京甲特约店", region=region)
        campaign = Campaign(name="2014车主回娘家", type="homecoming", theme="车主回娘家 免费检测",
                            starts_on=dt.date(2014, 1, 15), ends_on=dt.date(2014, 2, 17))
        db.session.add_all([region, dealer, campaign])
        db.session.flush()
        db.session.add(Participation(campaign=campaign, dealer=dealer))
        coach = User(username="coach", full_name="王辅导", role="coach")
        coach.coached_dealers = [dealer]
        hq = User(username="hq", full_name="总部", role="hq_admin")
        db.session.add_all([coach, hq])
        kw = dict(campaign=campaign, dealer=dealer)
        for day in range(34):
            flow = DailyFlow(day=campaign.starts_on + dt.timedelta(days=day), leader="赵组长",
                             deputy="钱副组长", target_arrivals=40, **kw)
            flow.slots = [DailyFlowSlot(starts_at=dt.time(8 + h), ends_at=dt.time(9 + h),
                                        activity=f"接待与检测第{h + 1}段", station="前台", owner="孙")
                          for h in range(8)]
            db.session.add(flow)
        for n in range(8):
            training = TrainingSession(kind="dealer", held_on=dt.date(2014, 1, 5 + n), trainer="李老师", **kw)
            training.trainees = [Trainee(name=f"服务顾问{k}", score=80 + k) for k in range(12)]
            db.session.add(training)
        db.session.add_all(CustomerInvitation(name=f"张伟{n}", mobile=f"139{n:08d}", plate=f"京A{n:05d}",
                                              model="马自达6", mileage_km=56000, **kw)
                           for n in range(args.invitations))
        db.session.add(CoachingVisit(visit_on=dt.date(2014, 1, 20), coach=coach, **kw))
        db.session.commit()
        copies = {"work_order": args.work_orders, "feedback": args.feedback}

        start, cpu = time.perf_counter(), cpu_seconds()
        built = packet.dealer_packet(campaign, dealer, hq, copies=copies)
        pdf = packet.assemble([built], workers=args.workers)
        packet_s, packet_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        pages = len(PdfReader(io.BytesIO(pdf)).pages)

        # one call per record or blank copy; the invitation list and the sign-in sheets whole
        # (each download builds its own page, so building the HTML is timed as for the packet)
        packet.DOCS_PER_PART, packet.ROWS_PER_PART = 1, 10**9
        qr._drawing.cache_clear()  # each single download draws its own QR codes
        start, cpu = time.perf_counter(), cpu_seconds()
        singles = packet.dealer_packet(campaign, dealer, hq, copies=copies)
        single_pages, repeats_s = 0, 0.0
        for section in singles.sections:
            for part in section.parts:
                html = part.page()
                one = render_pdf(html, landscape=part.landscape)
                single_pages += len(PdfReader(io.BytesIO(one)).pages) * part.copies
                again = time.perf_counter()
                for _ in range(part.copies - 1):  # a blank copy downloaded again is rendered again
                    render_pdf(html, landscape=part.landscape)
                repeats_s += time.perf_counter() - again
        baseline_s, baseline_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        calls = sum(part.copies for s in singles.sections for part in s.parts)

    print(f"cores: {os.cpu_count()}, workers: {args.workers or os.cpu_count()}, "
          f"load average: {os.getloadavg()[0]:.1f}")
    print(f"packet:   {pages} pages in {packet_s:.2f} s = {pages / packet_s:.1f} pages/s "
          f"({sum(len(s.parts) for s in built.sections) + 1} wkhtmltopdf calls in parallel, blank copies "
          f"rendered once; "
          f"CPU {packet_cpu:.1f} s)")
    print(f"baseline: {single_pages} pages in {baseline_s:.2f} s = {single_pages / baseline_s:.1f} pages/s "
          f"({calls} documents, one wkhtmltopdf call each; CPU {baseline_cpu:.1f} s)")
    print(f"ratio baseline / packet: {baseline_s / packet_s:.1f}x "
          f"({(baseline_s - repeats_s) / packet_s:.1f}x if each blank form were rendered once and "
          f"photocopied: the baseline without its {repeats_s:.1f} s of repeated blanks)")


if __name__ == "__main__":
    main()
