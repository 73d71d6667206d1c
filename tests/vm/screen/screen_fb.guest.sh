# Framebuffers: the bochs DRM driver for QEMU's std VGA, with fbdev emulation, gives /dev/fb0 and
# /dev/dri/card0. `mapio fb` draws through each; the host takes screenshots and checks the pixels.
need_program mapio || exit 1
shot() { echo "MAPIO-SHOT $1"; read -r _ </dev/ttyS1; }
stty -F /dev/ttyS1 -echo 2>/dev/null

load_module bochs || fail bochs-load "insmod failed"
for i in $(seq 100); do
  [ -c /dev/fb0 ] && [ -c /dev/dri/card0 ] && break
  sleep 0.1
done
[ -c /dev/fb0 ] && pass fb-device || fail fb-device "no /dev/fb0 after loading bochs"
# The console's cursor would blink over the picture.
echo 0 >/sys/class/graphics/fbcon/cursor_blink 2>/dev/null

capture mapio fb info
show info "$out"
check_match fb-info "format +XRGB8888 \(32 bpp: red 16:8, green 8:8, blue 0:8\)" "$out"
capture mapio fb --dri /dev/dri/card0 info
show dri-info "$out"
check_match dri-info "driver +bochs-drm" "$out"

check_ok fb-fill mapio fb fill '#204080'
check_ok fb-rect mapio fb fill '#ff8000' --rect 100,100,200,100
check_ok fb-text mapio fb text --x 40 --y 40 --scale 4 --fg white "mapio fb"
check_ok fb-show mapio fb show /vm/screen/pattern.ppm --x 400 --y 300
capture mapio fb show /vm/screen/not-a-ppm
check_match fb-bad-image "read PPM .*not a binary PPM" "$out"
shot fbdev

# A DRM dumb buffer is shown only while its owner lives: each holder draws into a fresh buffer
# (cleared to black) and holds it while the host takes the shot.
hold_drm() {  # NAME ACTION...: start a holder, wait until it says "holding"
  name=$1
  shift
  mapio fb --dri /dev/dri/card0 --hold 300 "$@" >/tmp/$name.out 2>&1 &
  holder=$!
  for i in $(seq 200); do
    grep -q holding /tmp/$name.out && break
    kill -0 $holder 2>/dev/null || break
    sleep 0.1
  done
  show $name "$(cat /tmp/$name.out)"
}
release_drm() { kill $holder; wait $holder 2>/dev/null; }

hold_drm drm fill yellow --rect 64,48,320,160
check_match drm-shown "filled 320x160 at 64,48 of /dev/dri/card0 .*XRGB8888 dumb buffer" "$(cat /tmp/drm.out)"
# While the holder is DRM master nobody else may set the mode.
capture mapio fb --dri /dev/dri/card0 fill red
check_match drm-master-held "needs DRM master" "$out"
shot drm
release_drm
# Released: the kernel takes the dumb buffer off the screen and gives the screen back to the
# fbdev emulation. The host checks the yellow rectangle is gone; then a drawing through /dev/fb0
# must show again, which a CRTC left on the dead buffer (or switched off) would not.
shot drm-released
check_ok fb-after-drm mapio fb fill '#20a040' --rect 64,48,320,160
shot fb-after-drm

# The buffer went with its owner: a new process becomes master and shows its own buffer, here
# the same text and image as on /dev/fb0 (on black, as a new dumb buffer starts).
hold_drm drm-text text --x 40 --y 40 --scale 4 --fg white "mapio fb"
check_match drm-text-shown "drew 8 characters in 256x32 pixels at 40,40 of /dev/dri/card0 .*dumb buffer" "$(cat /tmp/drm-text.out)"
shot drm-text
release_drm
hold_drm drm-image show /vm/screen/pattern.ppm --x 400 --y 300
check_match drm-image-shown "showed /vm/screen/pattern.ppm \(96x64\) at 400,300 of /dev/dri/card0" "$(cat /tmp/drm-image.out)"
shot drm-image
release_drm
