"""A 20 MiB file uploaded from a real browser (headless Chromium driven by Selenium) straight to
the bucket: the Django server receives only the ticket request and the form."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from django_minio_backend.testing.s3server import S3Server
from tests.direct_upload_support import use_upload_profile
from tests.testapp import middleware
from tests.testapp.models import Document

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SIZE = 20 * 1024 * 1024
WAIT = 120  # seconds: only an upper bound for a stuck page, never a measured duration

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
        reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)",
    ),
]


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def sha256(data: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in data:
        digest.update(chunk)
    return digest.hexdigest()


def test_a_20_mib_file_goes_from_the_browser_to_the_bucket(
    browser: webdriver.Chrome,
    live_server: Any,
    transactional_db: None,
    settings: Any,
    s3_server: S3Server,
    tmp_path: Path,
) -> None:
    _, bucket = use_upload_profile(settings, s3_server)
    upload = tmp_path / "big.pdf"
    with upload.open("wb") as handle:
        for _ in range(SIZE // (1024 * 1024)):
            handle.write(os.urandom(1024 * 1024))
    expected = hashlib.sha256(upload.read_bytes()).hexdigest()  # 20 MiB: fine in a test

    browser.get(f"{live_server.url}/direct/")
    assert "data-minio-direct-upload" in browser.page_source, browser.page_source[:2000]
    middleware.received.clear()
    widget = browser.find_element(By.CSS_SELECTOR, "[data-minio-direct-upload]")
    widget.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(upload))
    WebDriverWait(browser, WAIT).until(
        lambda _: widget.get_attribute("data-state") in {"done", "error"}
    )
    status = widget.find_element(By.CSS_SELECTOR, "[data-status]").text
    assert widget.get_attribute("data-state") == "done", status
    progress = widget.find_element(By.TAG_NAME, "progress")
    assert progress.get_attribute("value") == "100"
    assert int(widget.get_attribute("data-progress-events") or 0) >= 1
    name = widget.get_attribute("data-name") or ""
    assert name.startswith("direct/big_") and name.endswith(".pdf")

    browser.find_element(By.ID, "submit").click()
    saved = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "saved"))
    assert saved.text == name
    assert Document.objects.get().file.name == name

    client = s3_server.client()
    assert client.stat_object(bucket_name=bucket, object_name=name).size == SIZE
    response = client.get_object(bucket_name=bucket, object_name=name)
    try:
        assert sha256(response.stream(1 << 20)) == expected
    finally:
        response.close()
        response.release_conn()

    # What Django received for this upload: the ticket request and the form, a few KiB.
    paths = [(method, path) for method, path, _ in middleware.received]
    assert ("POST", "/uploads/testapp-document/") in paths and ("POST", "/direct/") in paths
    received = sum(size for _, _, size in middleware.received)
    print(f"\nDjango received {received} bytes for the {SIZE}-byte upload: {paths}")
    assert received < 16 * 1024
