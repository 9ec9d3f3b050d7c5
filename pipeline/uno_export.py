"""Exports Word files to PDF through LibreOffice's UNO API, refreshing tables of contents first.

Run by the system Python that has LibreOffice's `uno` module, not by the project's venv:
    python3 uno_export.py '{"soffice": ..., "profile": ..., "pipe": ..., "socket": ...}'
(`pipe`, the name of the pipe LibreOffice listens on, given by the caller, and `socket`, the
file that pipe makes, which a LibreOffice that must be killed leaves behind.)
It starts LibreOffice at once, so that start-up overlaps with whatever the caller does next,
then reads jobs from standard input, one JSON object per line: {"source", "target", "options"}, the
options being writer_pdf_Export's FilterData (convert.export_options sets them).
For each it prints one JSON line, {"target": ..., "error": null or a message}, as soon as the
file is written, then closes the document (documents are opened read-only, so no lock file is
left beside them while they close). When its input ends it shuts LibreOffice down and exits.
A document LibreOffice cannot open is reported and skipped; LibreOffice itself failing ends the
run (non-zero exit).
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from xml.etree import ElementTree

try:
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException
    from com.sun.star.io import IOException
    from com.sun.star.lang import IllegalArgumentException
except ImportError:
    sys.exit(3)  # convert.NO_UNO: the caller tries another Python or plain --convert-to

CONNECT_SECONDS = 60


class UnreadableDocument(Exception):
    pass


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
    """Write the job's PDF; return the open document, for the caller to close."""
    source = uno.systemPathToFileUrl(os.path.abspath(job["source"]))
    target = uno.systemPathToFileUrl(os.path.abspath(job["target"]))
    # Read-only, LibreOffice writes no lock file (.~lock.<name>#, holding the user, host and
    # profile path) beside the source: the caller may publish the source's folder while the
    # document is still open, since the answer comes before the close. Contents still refresh.
    document = desktop.loadComponentFromURL(
        source, "_blank", 0, properties(Hidden=True, ReadOnly=True)
    )
    if document is None:
        raise UnreadableDocument(f"LibreOffice could not open {job['source']}")
    try:
        keywords = docx_keywords(job["source"])
        if keywords:  # LibreOffice cuts a .docx's keywords into single words when it reads them
            document.getDocumentProperties().Keywords = tuple(keywords)
        update_contents(document)
        options = properties(**job["options"])
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", options)
        store = properties(FilterName="writer_pdf_Export", FilterData=filter_data)
        uno.invoke(
            document, "storeToURL", (target, uno.Any("[]com.sun.star.beans.PropertyValue", store))
        )
    except BaseException:
        document.close(True)
        raise
    return document


def docx_keywords(path):
    """The keyword phrases of a .docx (`human trafficking; response protocol`), as written."""
    try:
        with zipfile.ZipFile(path) as package:
            core = ElementTree.fromstring(package.read("docProps/core.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return []
    found = core.find(f"{{{CORE_PROPERTIES}}}keywords")
    text = found.text if found is not None and found.text else ""
    return [phrase.strip() for phrase in text.split(";") if phrase.strip()]


CORE_PROPERTIES = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def update_contents(document):
    """Fill every table of contents with the page numbers the layout gives.

    Filling a contents table can change how many pages it takes, which moves every heading after
    it; then a second pass is needed. The parts after the contents start on a new page, so the
    page the contents end on tells whether anything moved.
    """
    found = document.getDocumentIndexes()
    indexes = [found.getByIndex(n) for n in range(found.getCount())]
    if not indexes:
        return
    cursor = document.getCurrentController().getViewCursor()
    before = [end_page(cursor, index) for index in indexes]
    for index in indexes:
        index.update()
    if [end_page(cursor, index) for index in indexes] != before:
        for index in indexes:
            index.update()


def end_page(cursor, index):
    cursor.gotoRange(index.getAnchor().getEnd(), False)
    return cursor.getPage()


def stop_on_signal(number, frame):
    raise SystemExit(128 + number)


def main():
    # Stopped from outside (SIGTERM, SIGHUP): the `finally` below still ends LibreOffice.
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGHUP, stop_on_signal)
    spec = json.loads(sys.argv[1])
    pipe = spec["pipe"]
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
        for line in sys.stdin:
            if not line.strip():
                continue
            job = json.loads(line)
            error, document = None, None
            try:
                document = export(desktop, job)
            except (UnreadableDocument, IOException, IllegalArgumentException) as problem:
                error = str(problem) or type(problem).__name__
            # The PDF is complete: answer first, then close (a fifth of a second on 300 pages).
            print(json.dumps({"target": job["target"], "error": error}), flush=True)
            if document is not None:
                document.close(True)
        # The bridge drops while LibreOffice exits, which raises here.
        with contextlib.suppress(Exception):
            desktop.terminate()
        office.wait(timeout=30)
    finally:
        if office.poll() is None:
            # soffice is a launcher: the office itself is its child, in this process group.
            office.kill()
            with contextlib.suppress(OSError):  # killed, LibreOffice leaves its pipe's socket
                os.unlink(spec["socket"])
            if os.getpgrp() == os.getpid():  # started in a group of its own, as convert.py does
                os.killpg(os.getpgrp(), signal.SIGKILL)


if __name__ == "__main__":
    main()
