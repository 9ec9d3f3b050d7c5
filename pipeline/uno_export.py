"""Exports Word files to PDF through LibreOffice's UNO API, refreshing tables of contents first.

Run by the system Python that has LibreOffice's `uno` module, not by the project's venv:
    python3 uno_export.py '{"soffice": ..., "profile": ...}'   (jobs then arrive on stdin)
It starts LibreOffice at once, so that start-up overlaps with whatever the caller does next,
then reads the jobs as JSON from standard input: [{"source", "target", "pdfa"}]. It prints one
line per finished job and exits non-zero on the first failure; empty input just shuts down.
"""

import contextlib
import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

CONNECT_SECONDS = 60


def properties(**values):
    return tuple(PropertyValue(name, 0, value, 0) for name, value in values.items())


def connect(office, pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if office.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"LibreOffice did not start (exit code {office.poll()})") from None
            time.sleep(0.05)


def export(desktop, job):
    source = uno.systemPathToFileUrl(os.path.abspath(job["source"]))
    target = uno.systemPathToFileUrl(os.path.abspath(job["target"]))
    document = desktop.loadComponentFromURL(source, "_blank", 0, properties(Hidden=True))
    if document is None:
        raise SystemExit(f"LibreOffice could not open {job['source']}")
    try:
        indexes = document.getDocumentIndexes()
        # Twice: filling the contents can move headings to later pages.
        for _ in range(2):
            for position in range(indexes.getCount()):
                indexes.getByIndex(position).update()
        options = properties(
            ExportBookmarks=True,
            UseTaggedPDF=True,
            SelectPdfVersion=2 if job.get("pdfa") else 0,
        )
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", options)
        store = properties(FilterName="writer_pdf_Export", FilterData=filter_data)
        uno.invoke(
            document, "storeToURL", (target, uno.Any("[]com.sun.star.beans.PropertyValue", store))
        )
    finally:
        document.close(True)


def main():
    spec = json.loads(sys.argv[1])
    pipe = f"packet-{os.getpid()}"
    office = subprocess.Popen(
        [
            spec["soffice"],
            "-env:UserInstallation=" + uno.systemPathToFileUrl(os.path.abspath(spec["profile"])),
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        context = connect(office, pipe)
        desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )
        jobs = sys.stdin.read().strip()
        for job in json.loads(jobs) if jobs else []:
            export(desktop, job)
            print(f"exported {job['target']}", flush=True)
        # The bridge drops while LibreOffice exits, which raises here.
        with contextlib.suppress(Exception):
            desktop.terminate()
        office.wait(timeout=30)
    finally:
        if office.poll() is None:
            office.kill()


if __name__ == "__main__":
    main()
