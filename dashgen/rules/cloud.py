"""Plotly Cloud: what `plotly app publish` would get wrong, by the CLI's own rules (plotly-cloud
0.5): the module it starts, the upload's size, the files and variables it leaves out."""

from __future__ import annotations

from dashgen import cloud
from dashgen.rules import ERROR, WARNING, checker, rule

ENTRYPOINT = rule(
    "cloud-entrypoint", ERROR,
    summary="`plotly app publish` would start a module other than the one that completes the app.",
    why="The CLI starts the first of app.py, main.py, index.py, server.py at the root unless told otherwise; "
    "that module serves no page (tests/test_cloud.py: 500 from the detected module, 200 from the named one), "
    "and the entrypoint is fixed at the first publish.",
    fix="Publish the first time with --entrypoint-module naming the module that completes the app.",
    targets=("cloud",),
)  # fmt: skip
ENTRYPOINT_UNVERIFIED = rule(
    "cloud-entrypoint-unverified", WARNING,
    summary="The app is already published, and the module the CLI would detect is not the one that completes it.",
    why="plotly-cloud.toml records the app but not the entrypoint it was first published with, so whether the "
    "right module runs cannot be read from the project.",
    fix="If the app does not start, publish it as a new app with --entrypoint-module.",
    targets=("cloud",),
)  # fmt: skip
UPLOAD_TOO_LARGE = rule(
    "cloud-upload-too-large", ERROR,
    summary="The upload `plotly app publish` makes is over Plotly Cloud's size limit.",
    why=f"The CLI refuses an upload over {cloud.megabytes(cloud.MAX_UPLOAD_BYTES)} (byte-exact, tests/test_cloud.py).",
    fix="Leave the large files out with .gitignore lines and load them from storage instead.",
    targets=("cloud",),
)  # fmt: skip
FILE_EXCLUDED = rule(
    "cloud-file-excluded", WARNING,
    summary="The app opens a file the CLI leaves out of the upload.",
    why="Files that .gitignore or the CLI's own exclusions match are never uploaded, so the app cannot find them "
    "on Plotly Cloud.",
    fix="Move the file out of what the pattern matches.",
    targets=("cloud",),
)  # fmt: skip
ENV_NOT_UPLOADED = rule(
    "cloud-env-not-uploaded", WARNING,
    summary="The project has a .env file, which Plotly Cloud's CLI never uploads.",
    why="The variables set in .env are not set in the cloud.",
    fix="Set them as environment variables in the app's settings on Plotly Cloud.",
    targets=("cloud",),
)  # fmt: skip


@checker(ENTRYPOINT, ENTRYPOINT_UNVERIFIED)
def entrypoint(project):
    source, root = project.source, project.root
    served = source.entry
    if not served.importable or root not in served.path.parents:
        return
    wanted = cloud.module_name(root, served.path)
    detected = cloud.detected_entrypoint(root)
    if detected == wanted:
        return
    why = source.notes[0] if source.notes else f"{wanted} (it creates the app)"
    if detected is None:
        problem = (
            f"None of {', '.join(cloud.ENTRYPOINT_CANDIDATES)} is at the project root, so `{cloud.PUBLISH}` names no "
            f"entrypoint module and Plotly Cloud does not start {wanted}, the module that completes the app: {why}."
        )
    else:
        problem = (
            f"`{cloud.PUBLISH}` would start {detected} (the first of {', '.join(cloud.ENTRYPOINT_CANDIDATES)} at the "
            f"root), but the module that completes the app is {why}."
        )
    published = cloud.published_app_id(root)
    if published:
        # The CLI records the app, not the entrypoint it was created with: which one is set cannot be read.
        yield ENTRYPOINT_UNVERIFIED.finding(
            cloud.CONFIG_FILE, 0,
            f"{problem[:-1]}, unless app {published} was first published with --entrypoint-module {wanted}.",
            "The entrypoint is fixed at the first publish and later publishes ignore the option: if the app does "
            f"not start, publish it as a new app with `{cloud.publish_command(wanted, new_app=True)}`.",
        )  # fmt: skip
        return
    yield ENTRYPOINT.finding(
        served.path.relative_to(root).as_posix(), 0, problem,
        f"Publish the first time with `{cloud.publish_command(wanted)}`: the entrypoint module is fixed at the first "
        "publish, later publishes cannot change it, and a wrong one means deleting the app and publishing a new one.",
    )  # fmt: skip


@checker(UPLOAD_TOO_LARGE, FILE_EXCLUDED)
def upload(project):
    upload = cloud.upload(project.root)
    if upload.total > cloud.MAX_UPLOAD_BYTES:
        yield _upload_size(project, upload)
    for opened in cloud.opened_files(upload):
        pattern = upload.exclusions.match(opened.path)
        if pattern is None:
            continue
        fix = f"Move the file out of what `{pattern}` matches: Plotly Cloud's CLI never uploads it."
        if pattern in upload.exclusions.gitignore:
            fix = f"Remove `{pattern}` from .gitignore (the CLI reads no `!` lines) or move the file out of it."
        yield FILE_EXCLUDED.finding(
            opened.module, opened.line,
            f"{opened.module} opens {opened.path}, which {upload.exclusions.why(pattern)} leaves out of the upload, "
            "so the app cannot find it on Plotly Cloud.",
            fix,
        )  # fmt: skip


def _upload_size(project, upload):
    largest = ", ".join(f"{entry} {cloud.megabytes(size)}" for entry, size in upload.by_top_level()[:3])
    entry = project.source.entry.path.relative_to(project.root).parts
    keep = {"requirements.txt", "assets/", *([f"{entry[0]}/"] if len(entry) > 1 else [])}
    lines = upload.lines_below_limit(keep)
    fix = None
    if lines:
        fix = (
            "Add to .gitignore, one a line (the CLI leaves out what they match): "
            + ", ".join(f"`{line}`" for line in lines)
            + "; keep what the app needs in storage it downloads from instead."
        )
    return UPLOAD_TOO_LARGE.finding(
        ".gitignore", 0,
        f"The upload `{cloud.PUBLISH}` makes holds {cloud.megabytes(upload.total)} of files, over Plotly Cloud's "
        f"{cloud.megabytes(cloud.MAX_UPLOAD_BYTES)} limit, so the CLI refuses it; the largest: {largest}.",
        fix,
    )  # fmt: skip


@checker(ENV_NOT_UPLOADED)
def env_file(project):
    names = cloud.env_names(project.root)
    if names:
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        yield ENV_NOT_UPLOADED.finding(
            ".env", 0,
            f".env is never uploaded by Plotly Cloud's CLI, so {shown} are not set in the cloud.",
            "Set them as environment variables in the app's settings on Plotly Cloud (keep .env out of the upload: "
            "it holds secrets).",
        )  # fmt: skip


def next_step(source) -> str:
    """What to run after deploy-files --target cloud."""
    module = cloud.module_name(source.project_root, source.entry.path)
    return (
        f'Next: pip install "dash[cloud]", then `{cloud.publish_command(module)}` from {source.project_root} '
        "(the entrypoint module is fixed at the first publish)."
    )
