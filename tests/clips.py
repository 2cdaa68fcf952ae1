"""Small real clips shared by the API, CLI and output tests."""

from content import Recipe, make_clip

SMALL = Recipe("bikes", 320, 136, codec="libx264", quality=34, frames=6)
SMALL_10BIT = Recipe("bikes", 160, 68, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=5)


def small_clip():
    return make_clip(SMALL)
