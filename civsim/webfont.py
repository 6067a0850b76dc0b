"""The report's web font: the bundled CJK font cut down to the characters a page uses.

A report must show its Chinese on a machine with no CJK font (a leader's
laptop, a print server), so the page carries its own: the font the figures
already draw with (:data:`civsim.plots.CJK_FONT`, shipped by ``mplfonts``),
subset with fontTools to exactly the page's characters and embedded as a
base64 ``@font-face``. The whole font is 16 MB; a report's few hundred
characters need tens of kilobytes. Noto Sans CJK is under the SIL Open Font
License, which allows embedding a subset.
"""

from __future__ import annotations

import base64
import functools
import io
import os

from fontTools import subset

__all__ = ["WEB_FONT", "font_face"]

#: The family name the page declares first in ``font-family``; unlike a system font's
#: name, it can only resolve to the embedded subset.
WEB_FONT = "civsim-cjk"


@functools.cache
def _font_path() -> str:
    from mplfonts.conf import FONT_DIR  # the package only carries font files

    from civsim.plots import _CJK_FILE

    return os.path.join(FONT_DIR, _CJK_FILE)


def font_face(text: str) -> str:
    """A CSS ``@font-face`` rule embedding the CJK font subset to ``text``'s characters.

    The subset is WOFF (zlib-compressed; WOFF2 would need the ``brotli`` package,
    which is not a dependency). The same text always gives the same rule, byte
    for byte, so a report rebuilt from the same inputs is identical.

    Parameters
    ----------
    text : str
        Every character the page shows (duplicates and markup do no harm).

    Returns
    -------
    str
        ``@font-face { font-family: "civsim-cjk"; src: url(data:font/woff;base64,...) }``.

    Examples
    --------
    >>> rule = font_face("文明城市 report")
    >>> rule.startswith('@font-face { font-family: "civsim-cjk";') and len(rule) < 20_000
    True
    """
    options = subset.Options()
    options.flavor = "woff"
    options.notdef_outline = True
    # Horizontal text only: the vertical-writing tables would add weight for nothing.
    options.drop_tables += ["vhea", "vmtx", "VORG", "BASE"]
    options.recalc_timestamp = False  # the same characters give the same bytes
    font = subset.load_font(_font_path(), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{WEB_FONT}"; '
        f'src: url(data:font/woff;base64,{data}) format("woff"); }}'
    )
