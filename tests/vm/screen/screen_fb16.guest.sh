# A 16-bit framebuffer: the guest boots with vga=0x314 (VESA mode 0x114, 800x600 with 5:6:5
# colour), which QEMU's Linux loader hands to the kernel's setup code; vesafb then gives /dev/fb0
# in RGB565. No DRM module is loaded, so nothing switches the card to another mode. `mapio fb`
# draws; the host checks the screenshot with every colour quantised to 5/6 bits.
need_program mapio || exit 1
shot() { echo "MAPIO-SHOT $1"; read -r _ </dev/ttyS1; }
stty -F /dev/ttyS1 -echo 2>/dev/null

[ -c /dev/fb0 ] && pass fb16-device "$(cat /sys/class/graphics/fb0/name 2>/dev/null)" ||
  fail fb16-device "no /dev/fb0: was vga=0x314 on the kernel command line?"
echo 0 >/sys/class/graphics/fbcon/cursor_blink 2>/dev/null

# The kernel's own account, then mapio's: both must say 16 bits per pixel, so that the scenario
# cannot pass on a 32-bit screen.
check_eq fb16-sysfs-bpp 16 "$(cat /sys/class/graphics/fb0/bits_per_pixel 2>/dev/null)"
capture mapio fb info
show info "$out"
check_match fb16-driver "driver +VESA VGA" "$out"
check_match fb16-info "size +800x600 " "$out"
check_match fb16-format "format +RGB565 \(16 bpp: red 11:5, green 5:6, blue 0:5\)" "$out"
check_match fb16-stride "stride +1600 bytes" "$out"

check_ok fb16-fill mapio fb fill '#204080'
check_match fb16-fill-format "RGB565" "$out"
check_ok fb16-rect mapio fb fill '#ff8000' --rect 100,100,200,100
check_ok fb16-text mapio fb text --x 40 --y 40 --scale 4 --fg white "mapio fb"
check_ok fb16-show mapio fb show /vm/screen/pattern.ppm --x 400 --y 300
shot fb16
