"""Elder mode (large text) at 1280x800 and 1920x1080: every screen type of the real kiosk
(demo/screens.yaml), and after each one the layout check (kiosk_sim.layout_check): no
visible widget clipped or outside the screen, and the window no larger than the screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_sim.screenshots import Combo, run_combo, screen_names

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(600)
@pytest.mark.parametrize("combo", [Combo("en", "elder", "1280x800"),
                                   Combo("zh", "elder", "1280x800"),
                                   Combo("en", "elder", "1920x1080")], ids=lambda c: c.name)
def test_every_screen_fits_in_elder_mode(combo: Combo, tmp_path: Path) -> None:
    _, passed, why = run_combo(combo, tmp_path)
    shots = sorted(p.stem for p in (tmp_path / combo.name).glob("*.png"))
    assert passed, f"{combo.name}: {why} (screens so far: {shots})"
    assert shots == sorted(screen_names())  # every screen was reached and checked
