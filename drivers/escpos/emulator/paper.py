"""The simulated paper roll: draws parsed ESC/POS operations as a thermal printer would.

576 dots wide (80 mm at 203 dpi); Font A is 12x24 dots, Chinese characters 24x24, both
scaled by ``GS !``. Each cut finishes one receipt image.
"""

from __future__ import annotations

import unicodedata
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from drivers.escpos.emulator.parser import Op
from printers.fonts import find_font

CELL_W, CELL_H = 12, 24
LINE_GAP = 6


class PaperRoll:
    def __init__(self, dots: int = 576) -> None:
        self.dots = dots
        face = find_font("sans")
        self._font_path = face.path.as_posix()
        self._font_index = face.subfont
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}
        self.receipts: list[bytes] = []
        self.lines_printed = 0
        self._reset()
        self._start_receipt()

    def _reset(self) -> None:
        self.align = 0
        self.bold = False
        self.width_mult = 1
        self.height_mult = 1
        self._qr_module = 3
        self._qr_level = 49
        self._qr_data = b""

    def _start_receipt(self) -> None:
        self._image = Image.new("L", (self.dots, 4000), 255)
        self._y = 8
        self._line: list[tuple[str, bool, int, int]] = []

    def _font(self, px: int) -> ImageFont.FreeTypeFont:
        if px not in self._fonts:
            self._fonts[px] = ImageFont.truetype(self._font_path, px, index=self._font_index)
        return self._fonts[px]

    def _ensure(self, height: int) -> None:
        if self._y + height > self._image.height:
            grown = Image.new("L", (self.dots, self._image.height * 2), 255)
            grown.paste(self._image, (0, 0))
            self._image = grown

    def apply(self, op: Op) -> None:
        handler = getattr(self, f"_op_{op.name}", None)
        if handler is not None:
            handler(op)

    # -- operations -----------------------------------------------------------

    def _op_init(self, op: Op) -> None:
        self._reset()

    def _op_align(self, op: Op) -> None:
        self.align = op.args[0] % 48 if op.args[0] >= 48 else op.args[0]

    def _op_bold(self, op: Op) -> None:
        self.bold = bool(op.args[0] & 1)

    def _op_size(self, op: Op) -> None:
        self.width_mult = (op.args[0] >> 4) + 1
        self.height_mult = (op.args[0] & 0x0F) + 1

    def _op_text(self, op: Op) -> None:
        for ch in op.data.decode("utf-8"):
            self._line.append((ch, self.bold, self.width_mult, self.height_mult))

    def _op_newline(self, op: Op) -> None:
        self._flush_line(force=True)

    def _op_feed_lines(self, op: Op) -> None:
        self._flush_line(force=False)
        self._y += op.args[0] * (CELL_H + LINE_GAP)

    def _op_qr(self, op: Op) -> None:
        fn = op.args[0]
        if fn == 67:
            self._qr_module = op.data[0]
        elif fn == 69:
            self._qr_level = op.data[0]
        elif fn == 80:
            self._qr_data = op.data[1:]
        elif fn == 81 and self._qr_data:
            import qrcode  # at the first code printed, not as the simulator opens
            from qrcode.constants import (
                ERROR_CORRECT_H,
                ERROR_CORRECT_L,
                ERROR_CORRECT_M,
                ERROR_CORRECT_Q,
            )

            levels = {48: ERROR_CORRECT_L, 49: ERROR_CORRECT_M, 50: ERROR_CORRECT_Q,
                      51: ERROR_CORRECT_H}
            qr = qrcode.QRCode(error_correction=levels.get(self._qr_level, ERROR_CORRECT_L),
                               box_size=self._qr_module, border=0)  # fmt: skip
            qr.add_data(self._qr_data)
            qr.make(fit=True)
            self._paste(qr.make_image().get_image().convert("L"))

    def _op_raster(self, op: Op) -> None:
        width_bytes, height = op.args
        img = Image.frombytes("1", (width_bytes * 8, height), op.data)
        # In a raster image a set bit is a black dot; PIL's "1" mode has 1 = white.
        self._paste(Image.eval(img.convert("L"), lambda v: 255 - v))

    def _op_cut(self, op: Op) -> None:
        self._flush_line(force=False)
        self._y += 16
        out = BytesIO()
        self._image.crop((0, 0, self.dots, self._y)).save(out, format="PNG")
        self.receipts.append(out.getvalue())
        self._start_receipt()

    # -- drawing ----------------------------------------------------------------

    def finish_partial(self) -> None:
        """Tear off whatever is printed so far (paper ran out before the cut)."""
        self._flush_line(force=False)
        if self._y > 8:
            self._op_cut(Op("cut"))

    def _paste(self, img: Image.Image) -> None:
        self._flush_line(force=False)
        self._ensure(img.height + LINE_GAP)
        x = self._x_for(img.width)
        self._image.paste(img, (x, self._y))
        self._y += img.height + LINE_GAP

    def _x_for(self, width: int) -> int:
        if self.align == 1:
            return max(0, (self.dots - width) // 2)
        if self.align == 2:
            return max(0, self.dots - width)
        return 0

    def _flush_line(self, force: bool) -> None:
        if not self._line:
            if force:
                self._y += CELL_H + LINE_GAP
                self.lines_printed += 1
            return
        cells = []
        for ch, bold, wm, hm in self._line:
            wide = unicodedata.east_asian_width(ch) in "WF"
            cells.append((ch, bold, (2 if wide else 1) * CELL_W * wm, hm))
        height = max(hm for *_, hm in cells) * CELL_H
        self._ensure(height + LINE_GAP)
        draw = ImageDraw.Draw(self._image)
        x = self._x_for(min(sum(w for _, _, w, _ in cells), self.dots))
        for ch, bold, w, hm in cells:
            if x + w > self.dots:
                break  # a real printer wraps; the layout never sends over-long lines
            font = self._font(CELL_H * hm - 2)
            box = font.getbbox(ch)
            glyph_w = int(box[2] - box[0])
            top = self._y + height - CELL_H * hm
            if glyph_w > w:
                # Wider than its cell (a printer font is narrower): squeeze it in.
                tile = Image.new("L", (glyph_w + 2, CELL_H * hm), 255)
                ImageDraw.Draw(tile).text(
                    (-box[0] + 1, 0),
                    ch,
                    font=font,
                    fill=0,
                    stroke_width=1 if bold else 0,
                    stroke_fill=0,
                )
                self._image.paste(tile.resize((w, CELL_H * hm)), (x, top))
            else:
                offset = (w - glyph_w) // 2 - box[0]
                draw.text((x + offset, top), ch, font=font, fill=0,
                          stroke_width=1 if bold else 0, stroke_fill=0)  # fmt: skip
            x += w
        self._y += height + LINE_GAP
        self.lines_printed += 1
        self._line = []
