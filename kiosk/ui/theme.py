"""Style sheets: the normal theme, high contrast, and large text.

Sizes are for a touch screen read at arm's length: body text 26 px (34 px in large-text
mode), buttons at least 64 px high. Meaning is never carried by colour alone: every
state also has a word and an icon character.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
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


def style_sheet(high_contrast: bool, large_text: bool) -> str:
    p = HIGH_CONTRAST if high_contrast else NORMAL
    body = 34 if large_text else 26
    title = 52 if large_text else 42
    small = 26 if large_text else 20
    border_w = 3 if high_contrast else 1
    return f"""
QWidget {{ background: {p.background}; color: {p.text};
  font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: {body}px; }}
QLabel#title {{ font-size: {title}px; font-weight: bold; color: {p.text}; }}
QLabel#prompt {{ font-size: {body + 4}px; color: {p.text}; }}
QLabel#muted, QLabel#hint {{ color: {p.muted}; font-size: {small}px; }}
QLabel#error {{ color: {p.danger}; font-weight: bold; }}
QLabel#amount {{ font-size: {title}px; font-weight: bold; color: {p.primary}; }}
QFrame#card {{ background: {p.surface}; border: {border_w}px solid {p.border};
  border-radius: 14px; }}
QFrame#card QLabel {{ background: transparent; }}
QFrame#statusbar {{ background: {p.primary}; }}
QFrame#statusbar QLabel, QFrame#statusbar QPushButton {{ color: {p.primary_text};
  background: transparent; font-size: {small}px; }}
QFrame#statusbar QPushButton {{ border: 2px solid {p.primary_text}; border-radius: 10px;
  padding: 4px 14px; min-height: 48px; }}
QPushButton {{ background: {p.surface}; color: {p.text}; border: 2px solid {p.border};
  border-radius: 14px; padding: 10px 24px; min-height: {MIN_TOUCH_PX}px;
  min-width: {MIN_TOUCH_PX}px; }}
QPushButton:focus {{ border: 4px solid {p.focus}; }}
QPushButton:pressed {{ background: {p.border}; }}
QPushButton#primary {{ background: {p.primary}; color: {p.primary_text};
  border-color: {p.primary}; font-weight: bold; }}
QPushButton#danger {{ background: {p.surface}; color: {p.danger}; border-color: {p.danger}; }}
QPushButton#service {{ text-align: left; padding: 18px 24px; min-height: 110px; }}
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
"""
