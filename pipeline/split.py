"""Stage 5b: cut one PDF per document out of the tagged bundle, each a tagged PDF of its own.

A document's pages keep their marked content; its structure elements, their parent tree, the
bookmarks under its title, the language, the display of its title and the XMP metadata (PDF/UA
and, in an archive, PDF/A identification) come along, with the document's own title. Nothing
is converted again: cutting the four documents out of a 66-page bundle takes a fraction of
what exporting their pages from LibreOffice a second time would.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Array, Dictionary, Name

from pipeline.convert import linked_page
from pipeline.publish import second_process

# Streams are copied as LibreOffice compressed them, not decoded and compressed again; the XMP
# packet already says PDF 1.7, as the file is (set_title keeps it).
AS_WRITTEN = {"stream_decode_level": pikepdf.StreamDecodeLevel.none, "fix_metadata_version": False}


def cut_documents(
    source: pikepdf.Pdf,
    bundle: Path,
    parts: list[tuple[dict, int, int]],
    folder: Path,
    helper: bool = False,
) -> None:
    """Write `folder/<id>.pdf` for each (document, first page, end page) of the bundle, the
    file `bundle`, open as `source` (and left as it is).

    With `helper`, a second process cuts about half the pages meanwhile (a batch, which already
    converts one agency per core, leaves it off)."""
    version = source.pdf_version
    every = [page.objgen for page in source.pages]  # the same objects in every copy
    numbers = {objgen: number for number, objgen in enumerate(every)}
    flat = top_level_pages(source, numbers)
    shown = element_pages(source) if flat is None else flat
    mine, theirs = halves(parts) if helper else (parts, [])
    with second_process(bool(theirs)) as pool:
        pending = (
            pool.submit(cut_parts, bundle, theirs, folder, shown, every, version)
            if theirs
            else None
        )
        cut_parts(bundle, mine, folder, shown, every, version)
        if pending is not None:
            pending.result()


def halves(parts: list[tuple[dict, int, int]]) -> tuple[list, list]:
    """The parts in two groups of about as many pages each, the longest first."""
    groups: tuple[list, list] = ([], [])
    for part in sorted(parts, key=lambda part: part[1] - part[2]):
        lighter = min(groups, key=lambda group: sum(end - first for _, first, end in group))
        lighter.append(part)
    return groups


def cut_parts(
    bundle: Path, parts: list[tuple[dict, int, int]], folder: Path, shown, every: list, version
) -> None:
    for document, first, end in parts:
        # Each document is the bundle with the other pages and what shows only on them taken
        # out; qpdf then writes what is left, unchanged.
        with pikepdf.open(bundle) as part:
            cut(part, range(first, end), document["title"], shown, every)
            part.save(folder / f"{document['id']}.pdf", min_version=version, **AS_WRITTEN)


def top_level_pages(source: pikepdf.Pdf, numbers: dict) -> list[int] | None:
    """The page each child of the document element starts on, when LibreOffice's tree is the
    usual flat one in page order (then, as every document starts on a page of its own, a
    document's elements are the children that start on its pages); None otherwise."""
    document = sole_document(source)
    if document is None:
        return None
    starts = []
    for kid in as_list(document.get("/K")):
        page = kid.get("/Pg") if isinstance(kid, Dictionary) else None
        if page is None or page.objgen not in numbers:
            return None
        starts.append(numbers[page.objgen])
    return starts if starts == sorted(starts) else None


def sole_document(source: pikepdf.Pdf):
    """The one Document element under the structure tree's root, or None."""
    if "/StructTreeRoot" not in source.Root:
        return None
    top = as_list(source.Root.StructTreeRoot.get("/K"))
    if len(top) == 1 and isinstance(top[0], Dictionary) and top[0].get("/S") == Name.Document:
        return top[0]
    return None


def element_pages(source: pikepdf.Pdf) -> dict[tuple[int, int], set[int]]:
    """Structure element -> the numbers of the pages its content is on, its children's
    included, read from the parent tree (which names the elements each page shows)."""
    if "/StructTreeRoot" not in source.Root:
        return {}
    root = source.Root.StructTreeRoot
    tree = number_tree(root.get("/ParentTree"))
    spans: dict[tuple[int, int], set[int]] = {}
    for number, page in enumerate(source.pages):
        key = page.obj.get("/StructParents")
        shown = list(tree.get(int(key), ())) if key is not None else []
        for annotation in page.obj.get("/Annots", ()):
            key = annotation.get("/StructParent")
            if key is not None and int(key) in tree:
                shown.append(tree[int(key)])
        for element in shown:
            # The element and its ancestors, up to one already marked for this page.
            while element is not None and element.objgen != root.objgen:
                pages = spans.setdefault(element.objgen, set())
                if number in pages:
                    break
                pages.add(number)
                element = element.get("/P")
    return spans


def cut(part: pikepdf.Pdf, pages: range, title: str, shown, every: list) -> None:
    """Reduce `part`, a copy of the bundle, to the pages `pages`, titled `title`. `shown` is
    top_level_pages, or element_pages for another tree; `every`, the pages by object number."""
    kept = {every[number] for number in pages}
    if isinstance(shown, list):
        keep_top_level(sole_document(part), pages, kept, shown)
    elif "/StructTreeRoot" in part.Root:
        prune(part.Root.StructTreeRoot, set(pages), kept, shown)
    drop_outside_links(part, pages, kept)
    keep_parent_tree(part, pages)
    keep_outline(part, title)
    del part.pages[pages.stop :]
    del part.pages[: pages.start]
    part.Root.OpenAction = Array([part.pages[0].obj, Name.XYZ, None, None, 0])
    # The pages print the bundle's numbers ("Page 20 of 64"); a reader shows the same ones.
    label = Dictionary(S=Name.D, St=pages.start + 1)
    part.Root.PageLabels = Dictionary(Nums=Array([0, label]))
    set_title(part, title)


def keep_top_level(document, pages: range, kept: set, starts: list[int]) -> None:
    """The document element's children that start on `pages`: one run of them, since they
    are in page order (cut out in place; a new array of them would copy each)."""
    inside = [position for position, start in enumerate(starts) if start in pages]
    kids = document.K
    if not inside:
        document.K = Array()
    else:
        del kids[inside[-1] + 1 :]
        del kids[: inside[0]]
    if "/Pg" in document and document.Pg.objgen not in kept:
        del document["/Pg"]


def prune(element, numbers: set[int], kept: set, spans: dict) -> None:
    """Take out of `element` what shows only on other pages than `numbers` (`kept`, by object).

    An element shown only on kept pages stays as it is; one shown on kept and other pages (the
    document, a table that starts on the page before) is pruned in turn; one without content
    (an empty table cell) stays with its parent.
    """
    page = element.get("/Pg")
    kids = as_list(element.get("/K"))
    remaining = []
    for kid in kids:
        if isinstance(kid, int):  # marked content on the element's page
            keep = page is not None and page.objgen in kept
        elif kid.get("/Type") in (Name.MCR, Name.OBJR):
            on = kid.get("/Pg", page)
            keep = on is not None and on.objgen in kept
        else:
            shown = spans.get(kid.objgen)
            keep = not shown or not shown.isdisjoint(numbers)
            if shown and keep and not shown <= numbers:
                prune(kid, numbers, kept, spans)
        if keep:
            remaining.append(kid)
    if len(remaining) != len(kids):
        element.K = remaining[0] if len(remaining) == 1 else Array(remaining)
    if page is not None and page.objgen not in kept:
        del element["/Pg"]


def drop_outside_links(part, pages: range, kept: set) -> None:
    """Links to pages of other documents (the bundle's contents, say) go, with their tags."""
    tagged = "/StructTreeRoot" in part.Root
    tree = number_tree(part.Root.StructTreeRoot.get("/ParentTree")) if tagged else {}
    for number in pages:
        page = part.pages[number].obj
        if "/Annots" not in page:
            continue
        remaining = Array()
        for annotation in page.Annots:
            target = linked_page(part, annotation)
            if target is None or target.objgen in kept:
                remaining.append(annotation)
                continue
            key = annotation.get("/StructParent")
            element = tree.get(int(key)) if key is not None else None
            if isinstance(element, Dictionary):
                kids = [
                    kid
                    for kid in as_list(element.get("/K"))
                    if not (isinstance(kid, Dictionary) and kid.get("/Obj") == annotation)
                ]
                element.K = kids[0] if len(kids) == 1 else Array(kids)
        page.Annots = remaining


def keep_parent_tree(part, pages: range) -> None:
    """The parent tree's entries for the kept pages and their annotations only."""
    if "/StructTreeRoot" not in part.Root:
        return
    root = part.Root.StructTreeRoot
    wanted = set()
    for number in pages:
        page = part.pages[number].obj
        wanted.add(page.get("/StructParents"))
        wanted.update(annotation.get("/StructParent") for annotation in page.get("/Annots", ()))
    wanted = {int(key) for key in wanted if key is not None}
    # In place: a new array of the pages' (direct) arrays would be a deep copy, ten times slower.
    numbers = root.ParentTree.Nums
    keys = [int(key) for key in list(numbers)[::2]]
    for position in reversed(range(len(keys))):
        if keys[position] not in wanted:
            del numbers[2 * position + 1]
            del numbers[2 * position]
    root.ParentTreeNextKey = max((key for key in keys if key in wanted), default=-1) + 1


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, Array) else [value]


def number_tree(tree) -> dict:
    """A number tree's keys and values (the parent tree: StructParents -> an array of elements
    for a page, an element for an annotation)."""
    found: dict = {}
    if tree is None:
        return found
    numbers = list(tree.get("/Nums", Array()))
    for key, value in zip(numbers[::2], numbers[1::2], strict=True):
        found[int(key)] = value
    for kid in tree.get("/Kids", Array()):
        found.update(number_tree(kid))
    return found


def keep_outline(part, title: str) -> None:
    """Of the bundle's bookmarks, the one titled `title`, with the bookmarks under it (which
    lead to its own pages); the others are no longer reachable, so not written."""
    outlines = part.Root.get("/Outlines")
    item = outlines.get("/First") if outlines is not None else None
    while item is not None and str(item.get("/Title", "")) != title:
        item = item.get("/Next")
    if item is None:
        if outlines is not None:
            del part.Root["/Outlines"]
        return
    for link in ("/Prev", "/Next"):
        if link in item:
            del item[link]
    count = abs(int(item.get("/Count", 0)))
    outlines.First = outlines.Last = item
    outlines.Count = 1 + count


# LibreOffice's XMP title, the packet's: `<dc:title><rdf:Alt><rdf:li ...>Title</rdf:li>`.
XMP_TITLE = re.compile(rb"(<dc:title>\s*<rdf:Alt>\s*<rdf:li[^>]*>)(.*?)(</rdf:li>)", re.DOTALL)


def set_title(part, title: str) -> None:
    """The bundle's document information and XMP metadata, with the document's own title.

    The XMP packet is edited where it names the title and otherwise kept byte for byte (its
    PDF/A and PDF/UA identification with it); reading and writing it as XMP would take a
    tenth of a second a document.
    """
    part.docinfo.Title = title
    metadata = part.Root.get("/Metadata")
    if metadata is None:
        return
    written = escape(title).encode()
    packet, found = XMP_TITLE.subn(lambda m: m[1] + written + m[3], metadata.read_bytes(), 1)
    if found:
        metadata.write(packet)
