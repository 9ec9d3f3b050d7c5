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

# Entries of a structure element that carry no reference to pages, annotations or parents.
ELEMENT_ENTRIES = ("/S", "/A", "/C", "/T", "/Lang", "/Alt", "/E", "/ActualText", "/R")
# The catalog's entries each document keeps as the bundle has them.
CATALOG_ENTRIES = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/PageMode", "/OutputIntents")


def cut_documents(bundle: Path, parts: list[tuple[dict, int, int]], folder: Path) -> None:
    """Write `folder/<id>.pdf` for each (document, first page, end page) of the bundle."""
    spans: dict[tuple[int, int], set] = {}  # the structure's pages, found once for all parts
    with pikepdf.open(bundle) as source:
        for document, first, end in parts:
            with cut(source, range(first, end), document["title"], spans) as part:
                part.save(folder / f"{document['id']}.pdf", min_version=source.pdf_version)


def cut(source: pikepdf.Pdf, pages: range, title: str, spans: dict) -> pikepdf.Pdf:
    """The pages `pages` of `source` as a PDF of their own, titled `title`. `spans` holds the
    pages each structure element is shown on (pages_of), kept between calls."""
    part = pikepdf.new()
    for number in pages:
        part.pages.append(source.pages[number])
    kept = {source.pages[n].objgen: part.pages[i].obj for i, n in enumerate(pages)}
    annotations = keep_annotations(source, pages, part, kept)
    if "/StructTreeRoot" in source.Root:
        copy_structure(source, part, kept, annotations, spans)
    copy_outline(source, part, kept, title)
    for entry in CATALOG_ENTRIES:
        if entry in source.Root:
            part.Root[entry] = carried(part, source.Root[entry])
    part.Root.OpenAction = Array([part.pages[0].obj, Name.XYZ, None, None, 0])
    set_title(source, part, title)
    return part


def keep_annotations(source, pages: range, part, kept: dict) -> dict:
    """Source annotation -> its copy; links to pages outside the document are dropped."""
    annotations = {}
    for index, number in enumerate(pages):
        originals = source.pages[number].obj.get("/Annots", Array())
        copies = part.pages[index].obj.get("/Annots", Array())
        remaining = Array()
        for original, copy in zip(originals, copies, strict=True):
            page = link_page(original)
            if page is not None and page.objgen not in kept:
                continue  # a link into another document of the bundle (its contents, say)
            annotations[original.objgen] = copy
            remaining.append(copy)
        if "/Annots" in part.pages[index].obj:
            part.pages[index].obj.Annots = remaining
    return annotations


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


def copy_structure(source, part, kept: dict, annotations: dict, spans: dict) -> None:
    """The structure elements with content on the kept pages, and the parent tree to them."""
    root = source.Root.StructTreeRoot
    copies: dict[tuple[int, int], pikepdf.Object] = {}
    new_root = part.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    children = Array()
    for child in as_list(root.get("/K")):
        copied = copy_element(child, new_root, part, kept, annotations, copies, spans)
        if copied is not None:
            children.append(copied)
    new_root.K = children
    if "/RoleMap" in root:
        new_root.RoleMap = carried(part, root.RoleMap)
    parents = number_tree(root.get("/ParentTree"))
    numbers = Array()
    for page in part.pages:
        key = page.obj.get("/StructParents")
        if key is not None and int(key) in parents:
            # An MCID is a position in this array: what is not copied stays, as null.
            marked = Array(
                copies.get(e.objgen) if e is not None else None for e in parents[int(key)]
            )
            numbers.extend([key, part.make_indirect(marked)])
    for copy in annotations.values():
        key = copy.get("/StructParent")
        element = parents.get(int(key)) if key is not None else None
        if element is not None and element.objgen in copies:
            numbers.extend([key, copies[element.objgen]])
    pairs = sorted(zip(numbers[::2], numbers[1::2], strict=True), key=lambda pair: int(pair[0]))
    new_root.ParentTree = part.make_indirect(Dictionary(Nums=Array([x for p in pairs for x in p])))
    new_root.ParentTreeNextKey = max((int(key) for key, _ in pairs), default=-1) + 1
    part.Root.StructTreeRoot = new_root


def copy_element(element, parent, part, kept: dict, annotations: dict, copies: dict, spans: dict):
    """A copy of `element` with only its content on the kept pages (None when it has none
    there). A child with no content at all, an empty table cell, comes along with its parent."""
    if pages_of(element, spans).isdisjoint(kept):
        return None
    page = element.get("/Pg")
    kids = Array()
    new = part.make_indirect(Dictionary(Type=Name.StructElem, P=parent))
    for kid in as_list(element.get("/K")):
        if isinstance(kid, int):  # marked content on the element's page
            if page is not None and page.objgen in kept:
                kids.append(kid)
        elif kid.get("/Type") == Name.MCR:
            on = kid.get("/Pg", page)
            if on is not None and on.objgen in kept:
                kids.append(Dictionary(Type=Name.MCR, Pg=kept[on.objgen], MCID=kid.MCID))
        elif kid.get("/Type") == Name.OBJR:
            on = kid.get("/Pg", page)
            if kid.Obj.objgen in annotations and on is not None and on.objgen in kept:
                kids.append(
                    Dictionary(Type=Name.OBJR, Obj=annotations[kid.Obj.objgen], Pg=kept[on.objgen])
                )
        elif not pages_of(kid, spans):
            kids.append(copy_empty(kid, new, part, copies))
        else:
            copied = copy_element(kid, new, part, kept, annotations, copies, spans)
            if copied is not None:
                kids.append(copied)
    copy_entries(element, new, part)
    if page is not None and page.objgen in kept:
        new.Pg = kept[page.objgen]
    if len(kids):
        new.K = kids[0] if len(kids) == 1 else kids
    copies[element.objgen] = new
    return new


def copy_empty(element, parent, part, copies: dict):
    """An element without content (an empty table cell), with its empty children."""
    new = part.make_indirect(Dictionary(Type=Name.StructElem, P=parent))
    copy_entries(element, new, part)
    kids = Array(copy_empty(kid, new, part, copies) for kid in as_list(element.get("/K")))
    if len(kids):
        new.K = kids[0] if len(kids) == 1 else kids
    copies[element.objgen] = new
    return new


def copy_entries(element, new, part) -> None:
    for entry in ELEMENT_ENTRIES:
        if entry in element:
            new[entry] = carried(part, element[entry])


def pages_of(element, spans: dict) -> set:
    """The pages (by object number) an element's content is on, its children's included;
    remembered in `spans` for every element below it too."""
    found = spans.get(element.objgen)
    if found is not None:
        return found
    found = set()
    page = element.get("/Pg")
    for kid in as_list(element.get("/K")):
        if isinstance(kid, int):
            if page is not None:
                found.add(page.objgen)
        elif kid.get("/Type") in (Name.MCR, Name.OBJR):
            on = kid.get("/Pg", page)
            if on is not None:
                found.add(on.objgen)
        else:
            found |= pages_of(kid, spans)
    spans[element.objgen] = found
    return found


def carried(part, value):
    """`value`, from the bundle, as an object of `part` (qpdf copies only indirect objects)."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return part.copy_foreign(value)
    if isinstance(value, Dictionary):
        return Dictionary({key: carried(part, item) for key, item in value.items()})
    if isinstance(value, Array):
        return Array(carried(part, item) for item in value)
    return value


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, Array) else [value]


def number_tree(tree) -> dict:
    """A number tree's keys and values (the parent tree: StructParents -> elements)."""
    found: dict = {}
    if tree is None:
        return found
    numbers = tree.get("/Nums", Array())
    for key, value in zip(numbers[::2], numbers[1::2], strict=True):
        found[int(key)] = list(value) if isinstance(value, Array) else value
    for kid in tree.get("/Kids", Array()):
        found.update(number_tree(kid))
    return found


def copy_outline(source, part, kept: dict, title: str) -> None:
    """The bundle's bookmark titled `title`, with the bookmarks under it."""
    with source.open_outline() as outline:
        top = next((item for item in outline.root if item.title == title), None)
        if top is None:
            return
        with part.open_outline() as copied:
            copied.root.append(copy_item(top, kept))


def copy_item(item, kept: dict) -> pikepdf.OutlineItem:
    destination = item.destination
    if isinstance(destination, Array) and len(destination) and destination[0].objgen in kept:
        destination = Array([kept[destination[0].objgen], *list(destination)[1:]])
    else:
        destination = None
    copy = pikepdf.OutlineItem(item.title, destination)
    copy.children.extend(copy_item(child, kept) for child in item.children)
    return copy


def set_title(source, part, title: str) -> None:
    """The bundle's document information and XMP metadata, with the document's own title."""
    if "/Info" in source.trailer:
        part.trailer.Info = carried(part, source.trailer.Info)
    part.docinfo.Title = title
    if "/Metadata" in source.Root:
        part.Root.Metadata = carried(part, source.Root.Metadata)
    with part.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as metadata:
        metadata["dc:title"] = title
