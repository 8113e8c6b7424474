"""The direct upload step of ``make demo``: a file goes to the bucket, Django gets a ticket.

Runs the example project's web server, then: over HTTP (urllib3, as a browser would) GET the
upload page, ask for a ticket, POST the file to the bucket, submit the form; a tampered ticket
must be refused. With Debian's Chromium present, the same in a headless browser. Every object is
compared byte for byte with what was sent, and the bytes sent to Django are counted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import urllib3
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

SIZE = 20 * 1024 * 1024
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class DirectUploadFailed(Exception):
    """The direct upload flow did not do what it should; the message says what."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def web_server(project: Path, env: Mapping[str, str]) -> Iterator[str]:
    """``manage.py runserver`` on a free port; yields its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=project,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(2.0))
    try:
        for _ in range(100):
            with contextlib.suppress(urllib3.exceptions.HTTPError):
                if http.request("GET", f"{base}/upload/").status == 200:
                    break
            if process.poll() is not None:
                raise DirectUploadFailed(f"runserver exited with status {process.returncode}")
            time.sleep(0.2)
        else:
            raise DirectUploadFailed("runserver did not answer")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


class _Counted:
    """An HTTP client to the Django server that counts the bytes it sends (line, headers, body)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(30.0))
        self.cookies: dict[str, str] = {}
        self.sent = 0

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Any:
        headers = {"Host": self.base.removeprefix("http://")}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        body = b""
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Content-Length"] = str(len(body))
        headers["Origin"] = self.base
        self.sent += len(f"{method} {path} HTTP/1.1\r\n") + len(body) + 2
        self.sent += sum(len(k) + len(v) + 4 for k, v in headers.items())
        response = self.http.request(method, self.base + path, body=body or None, headers=headers)
        for value in response.headers.getlist("Set-Cookie"):
            cookie = SimpleCookie(value)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        return response


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    if not match:
        raise DirectUploadFailed(f"no {name} input on the upload page")
    return match.group(1)


def over_http(base: str, data: bytes, check: Callable[[str, bytes], None]) -> tuple[str, int]:
    """The flow a browser runs, with urllib3; returns the stored name and bytes sent to Django."""
    django = _Counted(base)
    page = django.request("GET", "/upload/").data.decode()
    token = _hidden(page, "csrfmiddlewaretoken")
    answer = django.request(
        "POST",
        "/uploads/demo-document/",
        {"name": "report.pdf", "size": str(len(data)), "type": "application/pdf"},
    ).json()
    if "ticket" not in answer:
        raise DirectUploadFailed(f"no ticket: {answer}")
    bucket = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(60.0))
    fields = [*answer["fields"].items(), ("file", ("report.pdf", data, "application/pdf"))]
    sent = bucket.request("POST", answer["url"], fields=fields)
    if sent.status != 204:
        raise DirectUploadFailed(f"the bucket answered {sent.status}: {sent.data[:200]!r}")
    tampered = answer["ticket"][:-4] + ("AAAA" if not answer["ticket"].endswith("AAAA") else "BBBB")
    refused = django.request(
        "POST", "/upload/", {"csrfmiddlewaretoken": token, "title": "x", "file": tampered}
    ).data.decode()
    if "could not be verified" not in refused:
        raise DirectUploadFailed("a tampered ticket was not refused")
    saved = django.request(
        "POST",
        "/upload/",
        {"csrfmiddlewaretoken": token, "title": "Direct (HTTP)", "file": answer["ticket"]},
    ).data.decode()
    if answer["name"] not in saved:
        raise DirectUploadFailed("the form did not save the uploaded object")
    check(answer["name"], data)
    return answer["name"], django.sent


def browser_available() -> bool:
    return bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))


def in_browser(base: str, data: bytes, check: Callable[[str, bytes], None]) -> str:
    """The same flow in headless Chromium; returns the stored name."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    with tempfile.TemporaryDirectory(prefix="minio-demo-upload-") as directory:
        path = Path(directory) / "browser-report.pdf"
        path.write_bytes(data)
        try:
            driver.get(f"{base}/upload/")
            driver.find_element(By.NAME, "title").send_keys("Direct (browser)")
            widget = driver.find_element(By.CSS_SELECTOR, "[data-minio-direct-upload]")
            widget.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
            WebDriverWait(driver, 120).until(
                lambda _: widget.get_attribute("data-state") in {"done", "error"}
            )
            if widget.get_attribute("data-state") != "done":
                status = widget.find_element(By.CSS_SELECTOR, "[data-status]").text
                raise DirectUploadFailed(f"the browser upload failed: {status}")
            name = widget.get_attribute("data-name") or ""
            driver.find_element(By.ID, "submit").click()
            WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "saved"))
        finally:
            driver.quit()
    check(name, data)
    return name


def random_file() -> bytes:
    return os.urandom(SIZE)


def same_bytes(read: Callable[[str], Iterator[bytes]]) -> Callable[[str, bytes], None]:
    """A check that the object ``name`` holds exactly ``data``."""

    def check(name: str, data: bytes) -> None:
        digest = hashlib.sha256()
        for chunk in read(name):
            digest.update(chunk)
        if digest.digest() != hashlib.sha256(data).digest():
            raise DirectUploadFailed(f"object {name!r} differs from the file sent")

    return check
