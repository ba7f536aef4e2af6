"""The tile menu: built once per catalog and language (issue 12 item 2), stable ids for
scenarios, accessible names in the session's language."""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QApplication

from backend_sim.catalog import build_catalog
from kiosk.ui.icons import service_icon_name
from kiosk.ui.screens.menu import MenuScreen
from kiosk.ui.widgets import stable_id
from kiosk.ui.window import KioskWindow

#: The services of the reference catalog the kiosk has drawn an icon for.
DRAWN = {"social_insurance_certificate", "household_certificate", "elderly_card",
         "utility_bill_payment", "citizen_card_topup", "subsidy_documents",
         "appointment_booking", "application_status", "payment_voucher", "real_estate_record"}


@pytest.fixture(scope="module")
def app() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication([])


def shown_menu() -> tuple[KioskWindow, MenuScreen]:
    window = KioskWindow("T-1", "zh", speech_engine="mock")
    menu = MenuScreen()
    window.add_screen(menu)
    window.resize(1280, 800)
    menu.set_catalog(build_catalog())
    window.show_screen("menu")
    return window, menu


def test_every_service_is_a_tile_with_its_icon(app: QApplication) -> None:
    _, menu = shown_menu()
    catalog = build_catalog()
    assert set(menu.tiles) == {s.id for s in catalog.services}
    for service in catalog.services:
        tile = menu.tiles[service.id]
        assert stable_id(tile) == service.id
        # Its own icon (kiosk/ui/assets/icons/service-<id>.svg), else the default one.
        assert tile.picture.name == service_icon_name(service.id)
        assert tile.picture.pixmap() is not None and not tile.picture.pixmap().isNull()
    drawn = {s.id for s in catalog.services} & DRAWN
    assert drawn == DRAWN and all(menu.tiles[sid].picture.name == f"service-{sid}"
                                  for sid in drawn)
    assert service_icon_name("a_service_added_later") == "service-default"
    assert {t.topic_id for t in menu.tabs.values()} >= {t.id for t in catalog.topics}


def test_sessions_and_availability_do_not_rebuild_the_tiles(app: QApplication) -> None:
    window, menu = shown_menu()
    assert menu.builds == 1
    tile = menu.tiles["utility_bill_payment"]
    for _session in range(3):  # what a session end and the next start do to the menu
        menu.greeting_name = "张伟"
        window.show_screen("menu")
        menu.set_unavailable({"utility_bill_payment": "service.unavailable.reconciling"})
        menu.set_unavailable({})
        menu.greeting_name = ""
        menu.retranslate("zh")
    assert menu.builds == 1
    assert menu.tiles["utility_bill_payment"] is tile
    menu.set_unavailable({"utility_bill_payment": "service.unavailable.reconciling"})
    assert not tile.isEnabled() and tile.warning.text()
    window.set_language("en")
    assert menu.builds == 2  # the language changed: the tiles are built in English


def test_topics_and_search_filter_without_rebuilding(app: QApplication) -> None:
    _, menu = shown_menu()
    menu.tabs["payments"].click()
    visible = {sid for sid, t in menu.tiles.items() if not t.isHidden()}
    assert visible == {s.id for s in build_catalog().services if s.topic == "payments"}
    menu.search.setText("证明")
    visible = {sid for sid, t in menu.tiles.items() if not t.isHidden()}
    assert "household_certificate" in visible and "utility_bill_payment" not in visible
    assert menu.topic == "all" and menu.builds == 1


def test_accessible_names_follow_the_language_ids_do_not(app: QApplication) -> None:
    window, menu = shown_menu()
    tile = menu.tiles["household_certificate"]
    assert tile.accessibleName().startswith("户籍证明")
    assert window.status_bar.language.accessibleName() == "切换语言"
    window.set_language("en")
    tile = menu.tiles["household_certificate"]
    assert tile.accessibleName().startswith("Household registration certificate")
    assert window.status_bar.language.accessibleName() == "Switch language"
    assert menu.kb.accessibleName() == "Keyboard"
    assert stable_id(tile) == "household_certificate"
    assert stable_id(window.status_bar.language) == "language"
