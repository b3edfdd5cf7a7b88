"""Debian's Chromium driven by Playwright (the live server is in tests/conftest.py).

Playwright's own browser download does not work here; we launch /usr/bin/chromium by path.
"""
from __future__ import annotations

import os
import re
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="package")
def browser():
    # Package scope: Playwright's sync API keeps an event loop in this thread while it lives,
    # which would make later (Prefect) tests see an async context.
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    # Icon fonts and images are not under test; a navigation that cuts their transfer short
    # leaves the dev server's file handle to the garbage collector (a ResourceWarning).
    context.route(re.compile(r"\.(woff2?|ttf|eot|svg|png|gif|ico)(\?|$)"), lambda route: route.abort())
    yield context.new_page()
    context.close()
