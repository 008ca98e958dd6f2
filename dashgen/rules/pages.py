"""Dash Pages (`use_pages=True`): the pages folder and what the pages register."""

from __future__ import annotations

from dashgen.rules import ERROR, WARNING, checker, rule

FOLDER_MISSING = rule(
    "pages-folder-missing", ERROR,
    summary="Pages are on but the pages folder does not exist.",
    why="Dash raises InvalidConfig at import when use_pages=True and the folder is missing, so the app cannot start.",
    fix="Create the folder with a page in it, or point pages_folder at the folder that has them.",
    command="dashgen add-page home --path /",
)  # fmt: skip
DUPLICATE_PATH = rule(
    "pages-duplicate-path", ERROR,
    summary="Two pages register the same path.",
    why="Dash refuses to route two pages at one path: every page answers 500 (tests/test_pages.py, booted).",
    fix="Give one of them another path= in register_page.",
)  # fmt: skip
DUPLICATE_ID = rule(
    "pages-duplicate-id", WARNING,
    summary="Two pages use the same component id.",
    why="Dash ids are global to the app, so one page's callbacks can answer for the other's components.",
    fix="Start each page's ids with its module name (as dashgen add-page writes them).",
)  # fmt: skip


@checker(FOLDER_MISSING, DUPLICATE_PATH, DUPLICATE_ID)
def pages(project):
    from dashgen.pages import page_ids, read_pages

    config, source = project.pages, project.source
    if config is None or not config.use_pages:
        return  # no pages, or a computed pages_folder: nothing to read it from
    if not config.folder.is_dir():
        yield FOLDER_MISSING.finding(
            project.shown(source.call_file), config.line,
            f"Pages are on but the pages folder {config.folder_text!r} does not exist, so Dash raises InvalidConfig "
            "and the app cannot start.",
            f"Create {config.folder_text}/ with a page in it, or point pages_folder at the folder that has them.",
        )  # fmt: skip
        return
    found = read_pages(config)
    first: dict[str, object] = {}
    for page in found:
        key = "/" + page.path.strip("/")
        if key in first:
            yield DUPLICATE_PATH.finding(
                project.shown(page.file), page.line,
                f"{project.shown(page.file)} registers {page.path}, as {project.shown(first[key].file)} does, so "
                "Dash refuses to route and every page answers 500.",
            )  # fmt: skip
        else:
            first[key] = page
    users: dict[str, list[tuple[str, int]]] = {}
    for page in found:
        for component_id, line in page_ids(page.file).items():
            users.setdefault(component_id, []).append((project.shown(page.file), line))
    for component_id, places in users.items():
        if len(places) > 1:
            files = " and ".join(file for file, _ in places)
            yield DUPLICATE_ID.finding(
                places[1][0], places[1][1],
                f"The component id {component_id!r} is used by {files}: Dash ids are global to the app, so one "
                "page's callbacks can answer for the other's components.",
            )  # fmt: skip
