"""wkhtmltopdf output is searchable Chinese (no CJK radicals) and carries page numbers."""
from __future__ import annotations

import io
import re
import subprocess

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from reports import fonts
from reports.pdf import PdfError, page_label, render_pdf, stamp_page_numbers

SAMPLE = "车主回娘家 免费检测报告 第一联 信息反馈联 长途检测 张伟 车 门 见 马 风 页"
RADICALS = re.compile("[\u2e80-\u2fdf\u31c0-\u31ef\uf900-\ufaff]")


def pdftotext(pdf: bytes, page: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def page_count(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def has_page_number(text: str, number: int, total: int) -> bool:
    # pdftotext drops the narrow spaces of "第 1 页 / 共 3 页"
    return re.search(rf"第\s*{number}\s*页\s*/\s*共\s*{total}\s*页", text) is not None


def html(body: str) -> str:
    return ('<!doctype html><html><head><meta charset="utf-8"><style>body{font-family:'
            '"Campaign Desk Sans SC",sans-serif}</style></head><body>' + body + "</body></html>")


def test_it_derives_fonts_once_without_radicals():
    conf = fonts.ensure_fonts()
    stamps = {w: fonts.font_path(w).stat().st_mtime_ns for w in fonts.WEIGHTS}
    assert fonts.ensure_fonts() == conf and conf.is_file()
    assert {w: fonts.font_path(w).stat().st_mtime_ns for w in fonts.WEIGHTS} == stamps
    assert str(fonts.FONT_DIR) in conf.read_text(encoding="utf-8")
    for weight in fonts.WEIGHTS:
        with TTFont(str(fonts.font_path(weight)), lazy=True) as font:
            cmap = font["cmap"].getBestCmap()
            family = font["name"].getDebugName(1)
        assert 0x8F66 in cmap and 0x95E8 in cmap  # 车 门
        assert not [cp for cp in cmap if RADICALS.match(chr(cp))]
        assert family == fonts.FAMILY


def test_it_renders_searchable_chinese_without_radicals():
    pdf = render_pdf(html(f"<p>{SAMPLE}</p><p><b>第二联 特约店留存联 第三联 客户联</b></p>"))
    text = pdftotext(pdf)
    for word in SAMPLE.split() + ["第二联", "特约店留存联", "第三联", "客户联"]:
        assert word in text
    assert RADICALS.findall(text) == []
    assert has_page_number(text, 1, 1)


def test_it_passes_the_project_fontconfig_to_wkhtmltopdf(monkeypatch):
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    text = pdftotext(render_pdf(html(f"<p>{SAMPLE}</p>"), stamp=False))
    assert "车主回娘家" in text and RADICALS.findall(text) == []


def test_it_stamps_every_page_with_its_number():
    pages = "".join(f'<div style="page-break-before:{"always" if n > 1 else "auto"}">第{n}张 车</div>'
                    for n in range(1, 4))
    pdf = render_pdf(html(pages))
    assert page_count(pdf) == 3
    for number in (1, 2, 3):
        assert has_page_number(pdftotext(pdf, number), number, 3)
    assert page_label(2, 3) == "第 2 页 / 共 3 页"


def test_it_renders_landscape_pages():
    box = PdfReader(io.BytesIO(render_pdf(html("<p>签到</p>"), landscape=True))).pages[0].mediabox
    assert float(box.width) > float(box.height)


def test_it_reports_a_missing_wkhtmltopdf():
    with pytest.raises(PdfError, match="无法启动 PDF 生成程序") as failure:
        render_pdf(html("<p>车</p>"), wkhtmltopdf="/nonexistent/wkhtmltopdf")
    assert "/nonexistent/wkhtmltopdf" in failure.value.detail


def test_it_reports_a_failing_wkhtmltopdf_in_chinese(tmp_path):
    broken = tmp_path / "wkhtmltopdf"
    broken.write_text("#!/bin/sh\necho 'Error: Failed to load page' >&2\nexit 2\n")
    broken.chmod(0o755)
    with pytest.raises(PdfError) as failure:
        render_pdf(html("<p>车</p>"), wkhtmltopdf=str(broken))
    assert str(failure.value) == "PDF 生成程序出错（退出码 2）"
    assert "Failed to load page" in failure.value.detail


def test_it_never_reaches_the_network(listener):
    base = f"http://127.0.0.1:{listener.server_port}"
    pdf = render_pdf(html(f'<p>车</p><iframe src="{base}/frame"></iframe><img src="{base}/img.png">'
                          f'<link rel="stylesheet" href="{base}/style.css">'
                          f'<object data="http://localhost:{listener.server_port}/object"></object>'))
    assert "车" in pdftotext(pdf)
    assert listener.hits == []


def test_it_reads_no_local_file_and_runs_no_script():
    text = pdftotext(render_pdf(html(
        '<iframe src="file:///etc/passwd"></iframe><img src="file:///etc/passwd">'
        '<p id="p">原文</p><script>document.getElementById("p").textContent = "脚本已运行";</script>')))
    assert "root:" not in text and "原文" in text and "脚本已运行" not in text


def test_it_takes_no_options_from_the_page():
    # pdfkit turned <meta name="pdfkit-…"> into command-line options; the page may not steer us
    page = html('<meta name="pdfkit-orientation" content="Landscape">'
                '<meta name="pdfkit-enable-local-file-access" content=""><p>车</p>')
    box = PdfReader(io.BytesIO(render_pdf(page))).pages[0].mediabox
    assert float(box.width) < float(box.height)


def test_it_gives_up_after_the_time_limit(tmp_path):
    slow = tmp_path / "wkhtmltopdf"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    with pytest.raises(PdfError, match="超时"):
        render_pdf(html("<p>车</p>"), wkhtmltopdf=str(slow), timeout=0.5)


def test_it_stamps_any_chinese_text():
    pdf = stamp_page_numbers(render_pdf(html("<p>车</p>"), stamp=False),
                             lambda n, total: f"{page_label(n, total)} · 北京甲特约店 · 2014车主回娘家")
    text = pdftotext(pdf)
    assert "北京甲特约店" in text and "2014车主回娘家" in text and has_page_number(text, 1, 1)
    assert RADICALS.findall(text) == []
