"""Stage 5b: cut one PDF per document out of the tagged bundle, each a tagged PDF of its own.

A document's pages keep their marked content; its structure elements, their parent tree, the
bookmarks under its title, the language, the display of its title and the XMP metadata (PDF/UA
and, in an archive, PDF/A identification) come along, with the document's own title. Nothing
is converted again: cutting the four documents out of a 66-page bundle takes a fraction of
what exporting their pages from LibreOffice a second time would.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name


def cut_documents(bundle: Path, parts: list[tuple[dict, int, int]], folder: Path) -> None:
    """Write `folder/<id>.pdf` for each (document, first page, end page) of the bundle."""
    with pikepdf.open(bundle) as source:
        spans = element_pages(source)
        version = source.pdf_version
        every = [page.objgen for page in source.pages]  # the same objects in every copy
    for document, first, end in parts:
        # Each document is the bundle with the other pages and what shows only on them taken
        # out; qpdf then writes what is left, unchanged.
        with pikepdf.open(bundle) as part:
            cut(part, range(first, end), document["title"], spans, every)
            part.save(folder / f"{document['id']}.pdf", min_version=version)


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


def cut(part: pikepdf.Pdf, pages: range, title: str, spans: dict, every: list) -> None:
    """Reduce `part`, a copy of the bundle, to the pages `pages`, titled `title`; `spans` are
    element_pages, `every` the bundle's pages by object number."""
    kept = {every[number] for number in pages}
    if "/StructTreeRoot" in part.Root:
        prune(part.Root.StructTreeRoot, set(pages), kept, spans)
    drop_outside_links(part, pages, kept)
    keep_parent_tree(part, pages)
    copy_outline(part, kept, title)
    for number in reversed(range(len(part.pages))):
        if number not in pages:
            del part.pages[number]
    part.Root.OpenAction = Array([part.pages[0].obj, Name.XYZ, None, None, 0])
    set_title(part, title)


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
            target = link_page(annotation)
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


def link_page(annotation):
    """The page a link within the PDF goes to (None for other annotations and web links)."""
    if annotation.get("/Subtype") != Name.Link:
        return None
    destination = annotation.get("/Dest")
    action = annotation.get("/A")
    if destination is None and action is not None and action.get("/S") == Name.GoTo:
        destination = action.get("/D")
    if isinstance(destination, Array) and len(destination):
        return destination[0]
    return None


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


def copy_outline(part, kept: set, title: str) -> None:
    """Of the bundle's bookmarks, the one titled `title` with the bookmarks under it."""
    with part.open_outline() as outline:
        top = next((item for item in outline.root if item.title == title), None)
        outline.root.clear()
        if top is not None:
            outline.root.append(copy_item(top, kept))


def copy_item(item, kept: set) -> pikepdf.OutlineItem:
    destination = item.destination
    if not (isinstance(destination, Array) and len(destination) and destination[0].objgen in kept):
        destination = None
    copy = pikepdf.OutlineItem(item.title, destination)
    copy.children.extend(copy_item(child, kept) for child in item.children)
    return copy


def set_title(part, title: str) -> None:
    """The bundle's document information and XMP metadata, with the document's own title."""
    part.docinfo.Title = title
    with part.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as metadata:
        metadata["dc:title"] = title
