"""Read (and optionally write) one device register with an exact access width: the seed's PCI BAR
example, without struct.unpack_from (whose memcpy gives no width guarantee).

    python3 read_register.py 00:04.0 0 0x00          # BAR 0 of 0000:00:04.0, read32 at 0x00
    python3 read_register.py --devmem 0xfea00000 0x04 --write 0x12345678
    python3 read_register.py --devmem 0x1000 0x10 --device FILE   # any file stands in for /dev/mem
"""

import argparse

import mapio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("where", help="a PCI address (then BAR), or a physical address with --devmem")
    parser.add_argument("bar_or_offset", type=lambda s: int(s, 0))
    parser.add_argument("offset", type=lambda s: int(s, 0), nargs="?", default=None)
    parser.add_argument("--devmem", action="store_true", help="map physical memory through /dev/mem")
    parser.add_argument("--device", default="/dev/mem")
    parser.add_argument("--width", type=int, default=32, choices=(8, 16, 32, 64))
    parser.add_argument("--write", type=lambda s: int(s, 0))
    parser.add_argument("--trace", action="store_true", help="log each access")
    args = parser.parse_args()

    try:
        if args.devmem:
            offset = args.bar_or_offset
            window = mapio.PhysicalWindow.map(int(args.where, 0), offset + 8, args.write is not None,
                                              device=args.device)
        else:
            offset = args.offset or 0
            window = mapio.pci.device(args.where).map_bar(args.bar_or_offset, writable=args.write is not None)
        bus = mapio.TracingBus(window, lambda e: print("trace:", e)) if args.trace else window
        if args.write is not None:
            bus.write(offset, args.width, args.write)
        value = bus.read(offset, args.width)
        print(f"{window.name} + {offset:#x}: {value:#0{args.width // 4 + 2}x}")
    except mapio.Error as e:  # permission, STRICT_DEVMEM, no such device: mapio says which and why
        raise SystemExit(f"read_register: {e}")


if __name__ == "__main__":
    main()
