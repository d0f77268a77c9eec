"""Every picture a demo product names exists under assets/, and the tiles can be redrawn."""
from __future__ import annotations

from PIL import Image

from retail.demo.categories import TOPS
from retail.demo.images import ASSETS, SIZE, render, write_all


def test_every_product_image_is_a_file_under_assets(products):
    for name in {p["image"] for p in products}:
        with Image.open(ASSETS / name) as image:
            assert image.format == "PNG" and image.size == SIZE


def test_the_tiles_redraw_the_same_and_can_be_written_elsewhere(tmp_path):
    assert render(TOPS[0]).tobytes() == render(TOPS[0]).tobytes()
    assert render(TOPS[0]).tobytes() != render(TOPS[1]).tobytes()
    paths = write_all(tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"cat-{t.id}.png" for t in TOPS)
    assert all(p.stat().st_size > 1000 for p in paths)
