#!/usr/bin/env python3
"""Host half of the screen scenarios: takes screenshots when the guest asks, checks them, and
converts them to PNG.

  host.py drive CONSOLE MONITOR_SOCKET ACK_SOCKET OUT_DIR QEMU_PID
      Follows the guest console. On a line `MAPIO-SHOT NAME` it asks QEMU's monitor for
      `screendump OUT_DIR/NAME.ppm`, waits until the file is complete, and answers the guest on
      its second serial line so that it goes on. Returns when QEMU exits.
  host.py image OUT.ppm
      Writes the test image the guest blits (a deterministic 96x64 pattern).
  host.py check-text OUT_DIR      checks text.ppm against blank.ppm and busybox's reference cells,
                                  and hello.ppm (screen_hello) (VGA text mode, 720x400)
  host.py check-fb OUT_DIR IMAGE  checks fbdev.ppm and the DRM shots (drm, drm-released,
                                  fb-after-drm, drm-text, drm-image)
  host.py check-fb16 OUT_DIR IMAGE  checks fb16.ppm (the same drawing on an RGB565 framebuffer)
  host.py png IN.ppm OUT.png
  host.py screendump MONITOR_SOCKET OUT.ppm   one screenshot now (for run.sh --shell)

Check results are printed as `MAPIO-RESULT <check> PASS|FAIL <detail>` lines.
"""
import os
import socket
import struct
import sys
import time
import zlib


# ---------------------------------------------------------------------------------------------
# PPM (P6) and PNG

def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError(f"{path}: not an 8-bit P6 PPM")
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + width * height * 3]
    if len(pixels) != width * height * 3:
        raise ValueError(f"{path}: short pixel data")
    return width, height, pixels


class Picture:
    def __init__(self, path):
        self.width, self.height, self.data = read_ppm(path)

    def at(self, x, y):
        i = (y * self.width + x) * 3
        return tuple(self.data[i:i + 3])

    def block(self, x, y, w, h):
        return [self.at(x + dx, y + dy) for dy in range(h) for dx in range(w)]


def write_png(ppm_path, png_path):
    width, height, pixels = read_ppm(ppm_path)
    rows = b"".join(b"\0" + pixels[y * width * 3:(y + 1) * width * 3] for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    with open(png_path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) +
                chunk(b"IEND", b""))


def test_image(width=96, height=64):
    """A pattern no two neighbouring pixels share: gradients in red and green, a checker in blue."""
    out = bytearray()
    for y in range(height):
        for x in range(width):
            out += bytes(((x * 255) // (width - 1), (y * 255) // (height - 1), 0xff if (x // 8 + y // 8) % 2 else 0x30))
    return width, height, bytes(out)


# ---------------------------------------------------------------------------------------------
# Results

failures = 0


def result(check, ok, detail=""):
    global failures
    if not ok:
        failures += 1
    print(f"MAPIO-RESULT {check} {'PASS' if ok else 'FAIL'} {detail}".rstrip(), flush=True)


# ---------------------------------------------------------------------------------------------
# Driving QEMU

def monitor_command(path, command):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    reply = b""
    while not reply.endswith(b"(qemu) "):
        reply += s.recv(4096)
    s.sendall(command.encode() + b"\n")
    reply = b""
    # The monitor echoes the command, prints any output, then the next prompt once it is done.
    while reply.count(b"(qemu) ") < 1:
        part = s.recv(4096)
        if not part:
            break
        reply += part
    s.close()
    return reply.decode(errors="replace")


def drive(console, monitor, ack, out_dir, qemu_pid):
    qemu_pid = int(qemu_pid)
    ack_socket = None
    seen = 0
    while True:
        alive = os.path.exists(f"/proc/{qemu_pid}") and not open(f"/proc/{qemu_pid}/stat").read().split()[2] == "Z"
        try:
            with open(console, "rb") as f:
                f.seek(seen)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        lines = chunk.split(b"\n")
        for line in lines[:-1]:
            seen += len(line) + 1
            text = line.decode(errors="replace").strip("\r")
            if text.startswith("MAPIO-SHOT "):
                name = text.split()[1]
                path = os.path.join(out_dir, name + ".ppm")
                reply = monitor_command(monitor, f"screendump {path}")
                ok = os.path.exists(path)
                print(f"host: screendump {name}: {'taken' if ok else 'FAILED: ' + reply}", flush=True)
                if ack_socket is None:
                    ack_socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    ack_socket.connect(ack)
                ack_socket.sendall(b"go\n")
        if not alive:
            return
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------------
# VGA text mode checks. QEMU draws the 80x25 screen as 720x400: cells of 9x16 pixels.

CELL_W, CELL_H = 9, 16
# The BIOS loads the DAC with 6-bit levels 0, 21, 42, 63; QEMU widens them to 8 bits as
# (v << 2) | (v & 1) * 3, so a screendump shows 0x00, 0x57, 0xa8 and 0xff.
_L = {0: 0x00, 1: 0x57, 2: 0xa8, 3: 0xff}
PALETTE = {
    "black": (_L[0], _L[0], _L[0]), "blue": (_L[0], _L[0], _L[2]), "green": (_L[0], _L[2], _L[0]),
    "cyan": (_L[0], _L[2], _L[2]), "red": (_L[2], _L[0], _L[0]), "magenta": (_L[2], _L[0], _L[2]),
    "brown": (_L[2], _L[1], _L[0]), "light-gray": (_L[2], _L[2], _L[2]), "dark-gray": (_L[1], _L[1], _L[1]),
    "light-blue": (_L[1], _L[1], _L[3]), "light-green": (_L[1], _L[3], _L[1]), "light-cyan": (_L[1], _L[3], _L[3]),
    "light-red": (_L[3], _L[1], _L[1]), "light-magenta": (_L[3], _L[1], _L[3]), "yellow": (_L[3], _L[3], _L[1]),
    "white": (_L[3], _L[3], _L[3]),
}

# What the guest wrote (screen_text.guest.sh): (row, col, text, fg, bg), after wrap/cut.
TEXT_EXPECTED = [
    (2, 4, "Screens are memory", "yellow", "blue"),
    (4, 4, "0xB8000: 2 bytes per cell", "white", "red"),
    (6, 70, "wraps onto", "light-green", "black"),
    (7, 0, " the next line", "light-green", "black"),
    (9, 75, "cut h", "light-cyan", "magenta"),
    (24, 78, "EN", "black", "light-gray"),
]
# Where the guest wrote the same text with busybox devmem instead of mapio: (row, col) of each
# TEXT_EXPECTED entry -> (row, col) of its reference, and the two control cells next to row 2's
# reference: 'T' in yellow on blue, 'S' in light cyan on blue (each must differ from mapio's 'S').
TEXT_REFERENCE = {(2, 4): (13, 4), (4, 4): (15, 4), (6, 70): (17, 70), (7, 0): (18, 0), (9, 75): (20, 75),
                  (24, 78): (22, 78)}
TEXT_CONTROLS = [((11, 4), "'T', the next character code"), ((11, 6), "'S' in light cyan")]
# Cells that must still be blank (light grey on black spaces): after the cut, after the wrap.
TEXT_BLANK = [(9, 74), (10, 0), (10, 1), (7, 14), (7, 20), (23, 79), (0, 0)]


def cell_pixels(pic, row, col):
    return pic.block(col * CELL_W, row * CELL_H, CELL_W, CELL_H)


def check_text(out_dir):
    blank = Picture(os.path.join(out_dir, "blank.ppm"))
    text = Picture(os.path.join(out_dir, "text.ppm"))
    result("shot-size", (text.width, text.height) == (720, 400) and (blank.width, blank.height) == (720, 400),
           f"{text.width}x{text.height}")
    black = PALETTE["black"]
    result("blank-screen", all(p == black for p in set(blank.block(0, 0, 720, 400))),
           "every pixel of the cleared screen is black")

    shapes = {}
    for row, col, string, fg, bg in TEXT_EXPECTED:
        fg_rgb, bg_rgb = PALETTE[fg], PALETTE[bg]
        bad = []
        for i, ch in enumerate(string):
            pixels = cell_pixels(text, row, col + i)
            colours = set(pixels)
            if not colours <= {fg_rgb, bg_rgb}:
                bad.append(f"{ch}@{row},{col + i} colours {sorted(colours)}")
                continue
            if bg_rgb not in colours:
                bad.append(f"{ch}@{row},{col + i} has no background pixel")
            lit = tuple(p == fg_rgb for p in pixels)
            if (ch == " ") != (not any(lit)):
                bad.append(f"{ch!r}@{row},{col + i} lit pixels {sum(lit)}")
            if pixels == cell_pixels(blank, row, col + i) and not (ch == " " and bg == "black"):
                bad.append(f"{ch}@{row},{col + i} unchanged from the blank screen")
            shapes.setdefault(ch, set()).add(lit)
        result(f"cells-{row}-{col}", not bad, f"'{string}' {fg} on {bg}" if not bad else "; ".join(bad[:4]))

    # Render-free glyph check: a character draws the same shape wherever it is and whatever its
    # colours; different characters draw different shapes.
    same = [ch for ch, s in shapes.items() if len(s) != 1]
    result("glyphs-consistent", not same, f"{len(shapes)} distinct characters" if not same else f"varying: {same}")
    by_shape = {}
    for ch, s in shapes.items():
        by_shape.setdefault(next(iter(s)), []).append(ch)
    clash = [chs for chs in by_shape.values() if len(chs) > 1]
    result("glyphs-distinct", not clash, "" if not clash else f"same shape: {clash}")

    # Against the reference busybox wrote: every cell mapio wrote must be the same picture as the
    # cell holding the same character and attribute stored by hand.
    for row, col, string, fg, bg in TEXT_EXPECTED:
        ref_row, ref_col = TEXT_REFERENCE[(row, col)]
        differ = [f"{ch!r}@{row},{col + i} vs {ref_row},{ref_col + i}" for i, ch in enumerate(string)
                  if cell_pixels(text, row, col + i) != cell_pixels(text, ref_row, ref_col + i)]
        result(f"reference-{row}-{col}", not differ,
               f"'{string}' matches busybox devmem's cells in row {ref_row}" if not differ
               else f"{len(differ)} cells differ: " + "; ".join(differ[:4]))
    # The controls show the comparison can fail: a neighbouring character code, a wrong colour.
    s_cell = cell_pixels(text, 2, 4)
    same = [what for (r, c), what in TEXT_CONTROLS if cell_pixels(text, r, c) == s_cell]
    result("reference-controls", not same, "'S' at 2,4 differs from " + " and from ".join(w for _, w in TEXT_CONTROLS)
           if not same else f"indistinguishable from 'S': {same}")

    blank_cells = [(r, c) for r, c in TEXT_BLANK if set(cell_pixels(text, r, c)) != {black}]
    result("untouched-cells", not blank_cells, "cut and wrap left the rest blank" if not blank_cells
           else f"changed: {blank_cells}")

    check_hello(Picture(os.path.join(out_dir, "hello.ppm")), shapes)


# What examples/screen_hello.cpp writes: a screen cleared to light grey on blue, three lines.
HELLO_LINES = [(10, 28, "Hello from memory", "yellow"),
               (12, 20, "each cell: character byte, attribute byte", "white"),
               (14, 33, "0xB8000 + 2 * (80 * row + column)", "light-cyan")]


def check_hello(hello, shapes):
    """screen_hello's screen: every cell blue but the text, each character in its colour with the
    same glyph as the same character in the text shot (`shapes`: character -> lit masks)."""
    blue = PALETTE["blue"]
    text_at = {(row, col + i): (ch, fg) for row, col, string, fg in HELLO_LINES for i, ch in enumerate(string)}
    bad, compared = [], 0
    for row in range(25):
        for col in range(80):
            pixels = cell_pixels(hello, row, col)
            ch, fg = text_at.get((row, col), (" ", "light-gray"))
            fg_rgb = PALETTE[fg]
            lit = tuple(p == fg_rgb for p in pixels)
            if not set(pixels) <= {fg_rgb, blue} or (ch == " ") != (not any(lit)):
                bad.append(f"{ch!r}@{row},{col}")
            elif ch in shapes and ch != " ":
                compared += 1
                if lit not in shapes[ch]:
                    bad.append(f"{ch!r}@{row},{col} glyph differs from the text shot's")
    result("hello-cells", not bad, f"3 lines on blue; {compared} glyphs match the text shot's" if not bad
           else f"{len(bad)} cells wrong: " + "; ".join(bad[:4]))


# ---------------------------------------------------------------------------------------------
# Framebuffer checks (screen_fb.guest.sh draws these).

FB_BACKGROUND = (0x20, 0x40, 0x80)
FB_RECT = ((100, 100, 200, 100), (0xff, 0x80, 0x00))
FB_TEXT = ((40, 40), 4, "mapio fb", (0xff, 0xff, 0xff))
FB_IMAGE_AT = (400, 300)
DRM_FILL = (0x00, 0x00, 0x00)  # a new dumb buffer is cleared to black
DRM_RECT = ((64, 48, 320, 160), (0xff, 0xff, 0x55))  # "yellow": the VGA palette's


def check_fb_text(shot, name, fg, background):
    """The FB_TEXT string drawn in `fg` on `background`: only those two colours, and each font
    pixel a scale x scale square (every aligned block one colour, the lit count a multiple of
    scale^2)."""
    (tx, ty), scale, string, _ = FB_TEXT
    box = shot.block(tx, ty, 8 * scale * len(string), 8 * scale)
    colours = set(box)
    lit = sum(1 for p in box if p == fg)
    blocks_uniform = all(len(set(shot.block(tx + bx, ty + by, scale, scale))) == 1
                         for by in range(0, 8 * scale, scale) for bx in range(0, 8 * scale * len(string), scale))
    result(f"{name}-blocks", blocks_uniform, f"{scale}x{scale} font pixels")
    result(name, colours == {fg, background} and lit > 0 and lit % (scale * scale) == 0,
           f"{lit} white pixels in {len(string)} glyphs" if colours == {fg, background} else f"colours {colours}")


def check_fb(out_dir, image_path):
    shot = Picture(os.path.join(out_dir, "fbdev.ppm"))
    result("shot-fb-size", shot.width >= 640 and shot.height >= 480, f"{shot.width}x{shot.height}")
    corners = [(0, 0), (shot.width - 1, 0), (0, shot.height - 1), (shot.width - 1, shot.height - 1), (700, 50)]
    wrong = [(x, y, shot.at(x, y)) for x, y in corners if shot.at(x, y) != FB_BACKGROUND]
    result("shot-fb-fill", not wrong, "#204080 at the corners" if not wrong else f"wrong: {wrong}")

    (rx, ry, rw, rh), rgb = FB_RECT
    inside = set(shot.block(rx, ry, rw, rh))
    edges = [shot.at(rx - 1, ry), shot.at(rx + rw, ry), shot.at(rx, ry - 1), shot.at(rx, ry + rh)]
    result("shot-fb-rect", inside == {rgb} and all(e == FB_BACKGROUND for e in edges),
           f"{rw}x{rh} at {rx},{ry} exactly" if inside == {rgb} else f"inside {sorted(inside)[:4]}, edges {edges}")

    check_fb_text(shot, "shot-fb-text", FB_TEXT[3], FB_BACKGROUND)

    check_fb_image(shot, "shot-fb-image", image_path)

    drm = Picture(os.path.join(out_dir, "drm.ppm"))
    (dx, dy, dw, dh), yellow = DRM_RECT
    outside = [(x, y) for x, y in [(0, 0), (drm.width - 1, drm.height - 1), (dx - 1, dy), (dx + dw, dy + dh)]
               if drm.at(x, y) != DRM_FILL]
    inside = set(drm.block(dx, dy, dw, dh))
    result("shot-drm-fill", not outside and inside == {yellow},
           f"{drm.width}x{drm.height}: black with a yellow {dw}x{dh} rectangle" if not outside and inside == {yellow}
           else f"outside wrong at {outside}, inside {sorted(inside)[:4]}")

    # After the holder died the dumb buffer is off the screen: no yellow left anywhere. (The fbdev
    # emulation's own buffer comes back, but not necessarily with the earlier drawing in it: in
    # QEMU 7.2 with bochs it shows black. So what is checked next is that /dev/fb0 is live again.)
    released = Picture(os.path.join(out_dir, "drm-released.ppm"))
    yellow_left = sum(1 for i in range(0, len(released.data), 3) if tuple(released.data[i:i + 3]) == yellow)
    result("shot-drm-released", yellow_left == 0,
           "the yellow rectangle is gone" + (" and the fbdev picture is back" if released.data == shot.data else "")
           if yellow_left == 0 else f"{yellow_left} yellow pixels left")
    # A green rectangle drawn through /dev/fb0 where the yellow one was: on screen, exactly.
    after = Picture(os.path.join(out_dir, "fb-after-drm.ppm"))
    green = (0x20, 0xa0, 0x40)
    inside = set(after.block(dx, dy, dw, dh))
    edges = [after.at(dx - 1, dy), after.at(dx + dw, dy), after.at(dx, dy - 1), after.at(dx, dy + dh)]
    shown = inside == {green} and green not in edges
    result("shot-fb-after-drm", shown, f"/dev/fb0 shows again: a green {dw}x{dh} rectangle at {dx},{dy}" if shown
           else f"inside {sorted(inside)[:4]}, edges {edges}")

    # Text and the image in fresh dumb buffers: black, then the same drawing as on /dev/fb0.
    text = Picture(os.path.join(out_dir, "drm-text.ppm"))
    check_fb_text(text, "shot-drm-text", FB_TEXT[3], DRM_FILL)
    (tx, ty), scale, string, _ = FB_TEXT
    # The same glyphs as fbdev drew: lit where, and only where, the fbdev shot is white.
    box = (tx, ty, 8 * scale * len(string), 8 * scale)
    same = [p == FB_TEXT[3] for p in text.block(*box)] == [p == FB_TEXT[3] for p in shot.block(*box)]
    result("shot-drm-text-same", same, "the same glyph pixels as on /dev/fb0" if same else "glyphs differ from fbdev's")
    image = Picture(os.path.join(out_dir, "drm-image.ppm"))
    check_fb_image(image, "shot-drm-image", image_path)
    ix, iy = FB_IMAGE_AT
    width, height, _ = read_ppm(image_path)
    around = [image.at(ix - 1, iy), image.at(ix + width, iy), image.at(ix, iy - 1), image.at(ix, iy + height)]
    result("shot-drm-image-edges", all(p == DRM_FILL for p in around), "black around the image" if
           all(p == DRM_FILL for p in around) else f"around: {around}")


def check_fb_image(shot, name, image_path):
    """The test image at FB_IMAGE_AT, pixel for pixel."""
    width, height, data = read_ppm(image_path)
    ix, iy = FB_IMAGE_AT
    mismatch = 0
    for y in range(height):
        row = shot.data[((iy + y) * shot.width + ix) * 3:((iy + y) * shot.width + ix + width) * 3]
        if row != data[y * width * 3:(y + 1) * width * 3]:
            mismatch += sum(1 for x in range(width) if row[x * 3:x * 3 + 3] != data[(y * width + x) * 3:(y * width + x) * 3 + 3])
    result(name, mismatch == 0, f"{width}x{height} pixel for pixel" if mismatch == 0 else f"{mismatch} pixels differ")


# The 16-bit framebuffer (screen_fb16.guest.sh): the same drawing as screen_fb, on RGB565.
# mapio rounds each 8-bit channel to the nearest of 2^bits levels; QEMU shows a level by
# repeating its top bits below it (5 bits abcde -> abcdeabc, 6 bits abcdef -> abcdefab), which
# is what pixman does when the screendump converts the 16-bit surface. So 0xff stays 0xff and
# #204080 shows as #214184.

def widen(level, bits):
    return (level << (8 - bits)) | (level >> (2 * bits - 8))


def rgb565(rgb):
    def channel(value, bits):
        top = (1 << bits) - 1
        return widen((value * top + 127) // 255, bits)
    return (channel(rgb[0], 5), channel(rgb[1], 6), channel(rgb[2], 5))


def check_fb16(out_dir, image_path):
    shot = Picture(os.path.join(out_dir, "fb16.ppm"))
    result("shot-fb16-size", (shot.width, shot.height) == (800, 600), f"{shot.width}x{shot.height}")
    background = rgb565(FB_BACKGROUND)
    corners = [(0, 0), (shot.width - 1, 0), (0, shot.height - 1), (shot.width - 1, shot.height - 1), (700, 50)]
    wrong = [(x, y, shot.at(x, y)) for x, y in corners if shot.at(x, y) != background]
    result("shot-fb16-fill", not wrong, "#%02x%02x%02x at the corners" % background if not wrong else
           f"expected {background}, wrong: {wrong}")

    (rx, ry, rw, rh), rect_rgb = FB_RECT
    rgb = rgb565(rect_rgb)
    inside = set(shot.block(rx, ry, rw, rh))
    edges = [shot.at(rx - 1, ry), shot.at(rx + rw, ry), shot.at(rx, ry - 1), shot.at(rx, ry + rh)]
    result("shot-fb16-rect", inside == {rgb} and all(e == background for e in edges),
           f"{rw}x{rh} at {rx},{ry} exactly, #%02x%02x%02x" % rgb if inside == {rgb}
           else f"expected {rgb}: inside {sorted(inside)[:4]}, edges {edges}")

    check_fb_text(shot, "shot-fb16-text", rgb565(FB_TEXT[3]), background)

    # Every pixel of the test pattern, quantised: its gradients pass through all 32 red and all
    # 64 green levels, so this checks mapio's rounding and QEMU's widening level by level.
    width, height, data = read_ppm(image_path)
    ix, iy = FB_IMAGE_AT
    wrong = []
    for y in range(height):
        for x in range(width):
            i = (y * width + x) * 3
            want = rgb565(tuple(data[i:i + 3]))
            got = shot.at(ix + x, iy + y)
            if got != want:
                wrong.append((x, y, tuple(data[i:i + 3]), want, got))
    levels = (len({shot.at(ix + x, iy)[0] for x in range(width)}), len({shot.at(ix, iy + y)[1] for y in range(height)}))
    result("shot-fb16-image", not wrong,
           f"{width}x{height} pixel for pixel; {levels[0]} red and {levels[1]} green levels" if not wrong
           else f"{len(wrong)} pixels differ, first (x, y, source, expected, shown): {wrong[:3]}")


def main(argv):
    command = argv[1]
    if command == "drive":
        drive(*argv[2:7])
    elif command == "image":
        w, h, data = test_image()
        with open(argv[2], "wb") as f:
            f.write(b"P6\n# mapio screen test pattern\n%d %d\n255\n" % (w, h) + data)
    elif command == "check-text":
        check_text(argv[2])
    elif command == "check-fb":
        check_fb(argv[2], argv[3])
    elif command == "check-fb16":
        check_fb16(argv[2], argv[3])
    elif command == "png":
        write_png(argv[2], argv[3])
    elif command == "screendump":
        path = os.path.abspath(argv[3])
        reply = monitor_command(argv[2], f"screendump {path}")
        if not os.path.exists(path):
            raise SystemExit(f"screendump {path} failed: {reply}")
        print(path)
    else:
        raise SystemExit(f"unknown command {command}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
