"""Style sheets: the normal theme, high contrast, and large text.

Sizes are for a touch screen read at arm's length: body text 26 px, every font 1.5x in
large-text (elder) mode, buttons at least 64 px high. Meaning is never carried by colour
alone: every state also has a word and an icon character.
"""

from __future__ import annotations

from typing import NamedTuple

# NamedTuples, not dataclasses: this module is imported before the first frame, and
# ``dataclasses`` brings ``inspect`` (~7 ms of start-up).


class Palette(NamedTuple):
    background: str
    surface: str
    text: str
    muted: str
    primary: str
    primary_text: str
    danger: str
    border: str
    focus: str


NORMAL = Palette(
    background="#eef3f9",
    surface="#ffffff",
    text="#14213d",
    muted="#4a5873",
    primary="#1d5fae",
    primary_text="#ffffff",
    danger="#b3261e",
    border="#c5d3e6",
    focus="#f0a800",
)

HIGH_CONTRAST = Palette(
    background="#000000",
    surface="#000000",
    text="#ffffff",
    muted="#ffff00",
    primary="#ffff00",
    primary_text="#000000",
    danger="#ff6060",
    border="#ffffff",
    focus="#00ffff",
)

MIN_TOUCH_PX = 64
#: Large text (elder mode) multiplies every font size by this.
LARGE_SCALE = 1.5


class Sizes(NamedTuple):
    """Font sizes in px for one text mode; layouts read them to reflow."""

    body: int
    title: int
    small: int
    prompt: int
    tile_icon: int
    large: bool


def sizes(large_text: bool) -> Sizes:
    k = LARGE_SCALE if large_text else 1.0
    return Sizes(body=round(26 * k), title=round(40 * k), small=round(20 * k),
                 prompt=round(28 * k), tile_icon=72 if large_text else 56, large=large_text)


def palette(high_contrast: bool) -> Palette:
    return HIGH_CONTRAST if high_contrast else NORMAL


def style_sheet(high_contrast: bool, large_text: bool) -> str:
    p = palette(high_contrast)
    z = sizes(large_text)
    body, title, small, prompt = z.body, z.title, z.small, z.prompt
    border_w = 3 if high_contrast else 1
    tile_border = 3 if high_contrast else 2
    return f"""
QWidget {{ background: {p.background}; color: {p.text};
  font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: {body}px; }}
QLabel#title {{ font-size: {title}px; font-weight: bold; color: {p.text}; }}
QLabel#prompt {{ font-size: {prompt}px; color: {p.text}; }}
QLabel#instruction {{ font-size: {title}px; font-weight: bold; color: {p.primary}; }}
QLabel#muted, QLabel#hint {{ color: {p.muted}; font-size: {small}px; }}
QLabel#error {{ color: {p.danger}; font-weight: bold; }}
QLabel#camera_waiting {{ background: transparent; color: #e6e6e6; font-size: {prompt}px; }}
QLabel#amount {{ font-size: {title}px; font-weight: bold; color: {p.primary}; }}
QLabel#countdown {{ font-size: {prompt}px; font-weight: bold; color: {p.primary};
  background: transparent; }}
QFrame#card {{ background: {p.surface}; border: {border_w}px solid {p.border};
  border-radius: 14px; }}
QFrame#card QLabel {{ background: transparent; }}
QFrame#plain_body {{ background: transparent; border: none; }}
QFrame#statusbar {{ background: {p.primary}; }}
QFrame#statusbar QLabel, QFrame#statusbar QPushButton {{ color: {p.primary_text};
  background: transparent; font-size: {small}px; }}
QFrame#statusbar QPushButton {{ border: 2px solid {p.primary_text}; border-radius: 10px;
  padding: 4px 12px; min-height: 48px; }}
QFrame#steps {{ background: transparent; }}
QFrame#steps QLabel {{ background: transparent; color: {p.muted}; font-size: {small}px; }}
QFrame#steps QLabel#step_done {{ color: {p.text}; }}
QFrame#steps QLabel#step_now {{ color: {p.primary}; font-weight: bold; }}
QFrame#steps QLabel#step_count {{ color: {p.text}; font-weight: bold; }}
QFrame#step_bar {{ background: {p.border}; border: none; border-radius: 4px; }}
QFrame#step_bar[state="done"] {{ background: {p.muted}; }}
QFrame#step_bar[state="now"] {{ background: {p.primary}; }}
QPushButton {{ background: {p.surface}; color: {p.text}; border: 2px solid {p.border};
  border-radius: 14px; padding: 10px 24px; min-height: {MIN_TOUCH_PX}px;
  min-width: {MIN_TOUCH_PX}px; }}
QPushButton:focus {{ border: 4px solid {p.focus}; }}
QPushButton:pressed {{ background: {p.border}; }}
QPushButton#primary {{ background: {p.primary}; color: {p.primary_text};
  border-color: {p.primary}; font-weight: bold; }}
QPushButton#danger {{ background: {p.surface}; color: {p.danger}; border-color: {p.danger}; }}
QPushButton#star {{ color: {p.primary}; font-size: {round(title * 0.8)}px; padding: 0px 8px; }}
QPushButton#service {{ text-align: left; padding: 18px 24px; min-height: 110px; }}
QPushButton#tile {{ background: {p.surface}; border: {tile_border}px solid {p.border};
  border-radius: 18px; padding: 0px; }}
QPushButton#tile:pressed {{ background: {p.border}; }}
QPushButton#tile:disabled {{ border-style: dashed; }}
QPushButton#tile QLabel {{ background: transparent; }}
QPushButton#tile QLabel#tile_title {{ font-weight: bold; color: {p.text}; }}
QPushButton#tile QLabel#tile_detail {{ color: {p.muted}; font-size: {small}px; }}
QPushButton#tile QLabel#tile_warn {{ color: {p.danger}; font-size: {small}px; }}
QPushButton#tab {{ background: transparent; border: {tile_border}px solid transparent;
  border-radius: 14px; padding: 0px; }}
QPushButton#tab QLabel {{ background: transparent; font-size: {small}px; color: {p.text}; }}
QPushButton#tab[selected="true"] {{ background: {p.surface}; border-color: {p.primary}; }}
QPushButton#tab[selected="true"] QLabel {{ color: {p.primary}; font-weight: bold; }}
QPushButton#key {{ min-height: {MIN_TOUCH_PX}px; min-width: {MIN_TOUCH_PX}px; padding: 4px;
  font-size: {body}px; }}
QPushButton:disabled {{ color: {p.muted}; border-style: dashed; }}
QLineEdit {{ background: {p.surface}; color: {p.text}; border: 2px solid {p.border};
  border-radius: 10px; padding: 8px 12px; min-height: {MIN_TOUCH_PX - 8}px; }}
QLineEdit:focus {{ border: 4px solid {p.focus}; }}
QProgressBar {{ border: 2px solid {p.border}; border-radius: 10px; min-height: 28px;
  text-align: center; background: {p.surface}; color: {p.text}; }}
QProgressBar::chunk {{ background: {p.primary}; border-radius: 8px; }}
QScrollArea {{ border: none; }}
QScrollBar:vertical {{ background: transparent; width: 12px; margin: 0px; }}
QScrollBar::handle:vertical {{ background: {p.border}; border-radius: 6px; min-height: 48px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0px; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: transparent; }}
"""
