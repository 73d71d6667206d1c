# VGA text mode through /dev/mem (booted with nomodeset: no framebuffer takes the card). Writes
# text with `mapio vga-text`, reads it back, and asks the host for screenshots (MAPIO-SHOT): the
# host checks the pictures, so what is tested is what the card shows.
need_program mapio || exit 1
shot() { echo "MAPIO-SHOT $1"; read -r _ </dev/ttyS1; }
stty -F /dev/ttyS1 -echo 2>/dev/null

check_ok vga-clear mapio vga-text --clear
shot blank
check_ok vga-title mapio vga-text --row 2 --col 4 --fg yellow --bg blue "Screens are memory"
check_ok vga-line mapio vga-text --row 4 --col 4 --fg white --bg red "0xB8000: 2 bytes per cell"
capture mapio vga-text --row 6 --col 70 --fg light-green "wraps onto the next line"
check_match vga-wrap "wrote 24 characters" "$out"
capture mapio vga-text --row 9 --col 75 --cut --fg light-cyan --bg magenta "cut here"
check_match vga-cut "wrote 5 characters.*3 did not fit" "$out"
capture mapio vga-text --row 24 --col 78 --fg black --bg light-gray "END!"
check_match vga-bottom "wrote 2 characters.*2 did not fit" "$out"

# The same memory read back through a second mapping.
capture mapio vga-text --dump
show dump "$out"
check_eq vga-dump-row2 "    Screens are memory" "$(printf '%s\n' "$out" | sed -n 3p | sed 's/ *$//')"
check_eq vga-dump-row7 " the next line" "$(printf '%s\n' "$out" | sed -n 8p | sed 's/ *$//')"
check_eq vga-dump-row9 "cut h" "$(printf '%s\n' "$out" | sed -n 10p | sed 's/^ *//')"

# A reference written without mapio: the same characters in the same colours, one 16-bit store per
# cell with busybox devmem (attribute << 8 | character code, the attribute spelled out by hand from
# the VGA palette numbers), in rows mapio left blank. The host checks each cell mapio wrote against
# its reference cell pixel for pixel, so a wrong character code or colour cannot pass.
reference() {  # ROW COL ATTRIBUTE TEXT
  i=0
  while [ $i -lt ${#4} ]; do
    code=$(printf '%d' "'${4:$i:1}")
    busybox devmem $(printf '0x%X' $((0xB8000 + 2 * ($1 * 80 + $2 + i)))) 16 $(printf '0x%04X' $(($3 * 256 + code)))
    i=$((i + 1))
  done
}
reference 13 4 0x1e "Screens are memory"            # yellow on blue
reference 15 4 0x4f "0xB8000: 2 bytes per cell"     # white on red
reference 17 70 0x0a "wraps onto"                   # light green on black
reference 18 0 0x0a " the next line"
reference 20 75 0x5b "cut h"                        # light cyan on magenta
reference 22 78 0x70 "EN"                           # black on light grey
# Controls: the reference must tell apart a neighbouring character code and a wrong colour.
reference 11 4 0x1e "T"                             # 'S' + 1
reference 11 6 0x1b "S"                             # light cyan instead of yellow
capture mapio vga-text --dump
check_eq vga-reference-row13 "    Screens are memory" "$(printf '%s\n' "$out" | sed -n 14p | sed 's/ *$//')"
shot text

# Bad input, on the real device: the screen never scrolls or writes past its last cell, bad
# colours are usage errors, and without a framebuffer `mapio fb` says why.
capture mapio vga-text --bg yellow "x"
check_eq vga-bright-background 2 "$rc"
capture mapio fb info
check_match fb-missing "no such framebuffer device.*nomodeset" "$out"
capture mapio fb --dri /dev/dri/card0 fill red
check_match dri-missing "no such DRM device" "$out"

# The screen_hello example on the real card: its three lines, checked by the host in the picture.
if need_program screen_hello; then
  capture screen_hello
  check_match hello-run "wrote 3 lines into VGA text memory; row 10 now reads: +Hello from memory" "$out"
  shot hello
fi
