"""Compiled templates kept between runs, so a build does not compile the same template again.

Compiling the filled templates' XML is most of the rendering time of a small packet. Jinja's
own bytecode cache keeps the compiled code in a folder private to the user (`_jinja2-cache-<uid>`
in the temporary directory, which Jinja creates with mode 0700 and refuses if anyone else owns
it); a file is used only when the template's source is exactly the one it was compiled from.
Where the folder cannot be used, or `PACKET_NO_TEMPLATE_CACHE` is set, templates are compiled
in memory as before: the cache makes a build faster, never different.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from functools import cache
from types import CodeType

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache, FileSystemBytecodeCache

NO_TEMPLATE_CACHE = "PACKET_NO_TEMPLATE_CACHE"


@cache
def bytecode_cache() -> BytecodeCache | None:
    if os.environ.get(NO_TEMPLATE_CACHE):
        return None
    try:
        return FileSystemBytecodeCache(pattern="packet-%s.cache")
    except (RuntimeError, OSError):  # no private folder can be made in the temporary directory
        return None


def compiled_code(environment: Environment, source: str) -> CodeType:
    """The code of `source` compiled by `environment`, from the cache where it holds it."""
    cache_ = bytecode_cache()
    if cache_ is None:
        return environment.compile(source)
    # One file per source and kind of environment (the sandbox compiles differently).
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    name = f"{type(environment).__module__}.{type(environment).__qualname__}:{digest}"
    try:
        bucket = cache_.get_bucket(environment, name, None, source)
    except Exception:  # noqa: BLE001  (a damaged cache file is compiled again and replaced)
        bucket = Bucket(environment, cache_.get_cache_key(name), cache_.get_source_checksum(source))
    if bucket.code is not None:
        return bucket.code
    code = environment.compile(source)
    bucket.code = code
    with contextlib.suppress(OSError):  # a full disk or a read-only folder: compiled next time
        cache_.set_bucket(bucket)
    return code
