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
shot text

# Bad input, on the real device: the screen never scrolls or writes past its last cell, bad
# colours are usage errors, and without a framebuffer `mapio fb` says why.
capture mapio vga-text --bg yellow "x"
check_eq vga-bright-background 2 "$rc"
capture mapio fb info
check_match fb-missing "no such framebuffer device.*nomodeset" "$out"
capture mapio fb --dri /dev/dri/card0 fill red
check_match dri-missing "no such DRM device" "$out"
