"""The app's icons, drawn with Pillow (the nav's red with the nav's white flag): rerun
`manage.py make_icons` after changing the drawing and commit the PNGs."""

from pathlib import Path

from PIL import Image, ImageDraw

# The nav's colour (Bootstrap's bg-danger): the manifest's theme and background colours too.
THEME_COLOR = "#dc3545"
WHITE = "#ffffff"

# name: (size in pixels, maskable). A maskable icon is cropped by the launcher to any shape
# within the central 80% circle, so its flag is drawn smaller.
ICONS: dict[str, tuple[int, bool]] = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon-180.png": (180, False),
}
ICON_DIR = Path(__file__).resolve().parent.parent / "static" / "campaign" / "icons"


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    """A white flag on a pole on the nav's red, drawn at 4× and reduced (smooth edges)."""
    big = size * 4
    image = Image.new("RGB", (big, big), THEME_COLOR)
    draw = ImageDraw.Draw(image)
    # The flag's box: 60% of the side, or 44% for a maskable icon (inside its safe circle).
    side = big * (0.44 if maskable else 0.6)
    left = (big - side) / 2
    top = (big - side) / 2
    pole = side * 0.09
    draw.rectangle((left, top, left + pole, top + side), fill=WHITE)
    cloth_top = top + side * 0.04
    cloth_bottom = top + side * 0.58
    right = left + side
    wave = side * 0.08
    draw.polygon([
        (left + pole, cloth_top),
        (left + pole + side * 0.3, cloth_top + wave),
        (left + pole + side * 0.6, cloth_top - wave / 2),
        (right, cloth_top + wave / 2),
        (right, cloth_bottom + wave / 2),
        (left + pole + side * 0.6, cloth_bottom - wave / 2),
        (left + pole + side * 0.3, cloth_bottom + wave),
        (left + pole, cloth_bottom),
    ], fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def write_icons(directory: Path = ICON_DIR) -> list[Path]:
    """Draw every icon into `directory`; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (size, maskable) in ICONS.items():
        path = directory / name
        draw_icon(size, maskable=maskable).save(path, optimize=True)
        written.append(path)
    return written
