#!/usr/bin/env bash
# Shows that typed register access compiles to the same instructions as a hand-written volatile
# access. Compiles pairs of small functions at -O2 with each compiler given (default: g++ and
# clang++-14), disassembles each function (objdump -d), and compares the instruction text of every
# typed/raw pair. The test suite runs it as codegen.mmio_typed_equals_raw with the build's compiler.
#
#   bench/mmio_codegen.sh                    # summary table, g++ and clang++-14
#   bench/mmio_codegen.sh --show             # also print each function's disassembly
#   bench/mmio_codegen.sh /usr/bin/c++       # only this compiler
#
# Exit status 0 when every pair is identical with every compiler.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
show=
if [[ ${1:-} == --show ]]; then
  show=--show
  shift
fi
compilers=("$@")
((${#compilers[@]})) || compilers=(g++ clang++-14)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/codegen.cpp" <<'EOF'
#include <cstddef>
#include <cstdint>
#include "mapio/mmio/registers.hpp"

namespace mmio = mapio::mmio;
enum class Mode : std::uint32_t { idle = 0, run = 1, test = 3 };
struct Control : mmio::Register<Control, std::uint32_t, 0x08, mmio::RegisterAccess::read_write> {
  static constexpr field<4, 2, Mode> mode{"mode"};
  static constexpr field<7, 1> irq{"irq"};
  static constexpr field<8, 8> divider{"divider"};
};
struct Address : mmio::Register<Address, std::uint64_t, 0x80, mmio::RegisterAccess::read_write> {};
struct Flags : mmio::Register<Flags, std::uint8_t, 0x10, mmio::RegisterAccess::read_write> {};
struct Count : mmio::Register<Count, std::uint16_t, 0x12, mmio::RegisterAccess::read_write> {};
inline constexpr Control control{};
inline constexpr Address address{};
inline constexpr Flags flags{};
inline constexpr Count count{};
using Map = mmio::RegisterMap<mmio::VolatileBus, Control, Address, Flags, Count>;

#define RAW32(base, off) (*reinterpret_cast<volatile std::uint32_t*>((base) + (off)))
#define RAW64(base, off) (*reinterpret_cast<volatile std::uint64_t*>((base) + (off)))
#define RAW8(base, off) (*reinterpret_cast<volatile std::uint8_t*>((base) + (off)))
#define RAW16(base, off) (*reinterpret_cast<volatile std::uint16_t*>((base) + (off)))

extern "C" {
// The typed side takes a bound RegisterMap by value: the base address and a pointer to the bus
// (used only to name the bus in errors), passed in two registers. The raw side takes the same two
// words, so that arguments land in the same registers. Ordered accesses on x86_64 add only
// compiler barriers, which emit nothing; the raw side has the same barriers: like for like.
std::uint32_t raw_read32(std::byte* base) {
  asm volatile("" ::: "memory"); std::uint32_t v = RAW32(base, 0x08); asm volatile("" ::: "memory"); return v;
}
std::uint32_t typed_read32(Map map) { return map[control].read(); }

void raw_write32(std::byte* base, const void*, std::uint32_t v) {
  asm volatile("" ::: "memory"); RAW32(base, 0x08) = v; asm volatile("" ::: "memory");
}
void typed_write32(Map map, std::uint32_t v) { map[control].write(v); }

std::uint64_t raw_read64(std::byte* base) {
  asm volatile("" ::: "memory"); std::uint64_t v = RAW64(base, 0x80); asm volatile("" ::: "memory"); return v;
}
std::uint64_t typed_read64(Map map) { return map[address].read(); }

void raw_write64(std::byte* base, const void*, std::uint64_t v) {
  asm volatile("" ::: "memory"); RAW64(base, 0x80) = v; asm volatile("" ::: "memory");
}
void typed_write64(Map map, std::uint64_t v) { map[address].write(v); }

std::uint8_t raw_read8(std::byte* base) {
  asm volatile("" ::: "memory"); std::uint8_t v = RAW8(base, 0x10); asm volatile("" ::: "memory"); return v;
}
std::uint8_t typed_read8(Map map) { return map[flags].read(); }

void raw_write8(std::byte* base, const void*, std::uint8_t v) {
  asm volatile("" ::: "memory"); RAW8(base, 0x10) = v; asm volatile("" ::: "memory");
}
void typed_write8(Map map, std::uint8_t v) { map[flags].write(v); }

std::uint16_t raw_read16(std::byte* base) {
  asm volatile("" ::: "memory"); std::uint16_t v = RAW16(base, 0x12); asm volatile("" ::: "memory"); return v;
}
std::uint16_t typed_read16(Map map) { return map[count].read(); }

void raw_write16(std::byte* base, const void*, std::uint16_t v) {
  asm volatile("" ::: "memory"); RAW16(base, 0x12) = v; asm volatile("" ::: "memory");
}
void typed_write16(Map map, std::uint16_t v) { map[count].write(v); }

std::uint32_t raw_read_relaxed32(std::byte* base) { return RAW32(base, 0x08); }
std::uint32_t typed_read_relaxed32(Map map) { return map[control].read_relaxed(); }

Mode raw_read_field(std::byte* base) {
  asm volatile("" ::: "memory"); std::uint32_t v = RAW32(base, 0x08); asm volatile("" ::: "memory");
  return static_cast<Mode>((v >> 4) & 3);
}
Mode typed_read_field(Map map) { return map[control].read(Control::mode); }

void raw_write_fields(std::byte* base) {
  asm volatile("" ::: "memory"); RAW32(base, 0x08) = (3u << 4) | (1u << 7); asm volatile("" ::: "memory");
}
void typed_write_fields(Map map) { map[control].write(Control::mode(Mode::test) | Control::irq(true)); }

void raw_modify(std::byte* base) {
  asm volatile("" ::: "memory"); std::uint32_t v = RAW32(base, 0x08); asm volatile("" ::: "memory");
  v = (v & ~0x30u) | 0x10u;
  asm volatile("" ::: "memory"); RAW32(base, 0x08) = v; asm volatile("" ::: "memory");
}
void typed_modify(Map map) { map[control].modify(Control::mode(Mode::run)); }

// A run-time value through the unchecked spelling: the same shift and mask as by hand, the field's
// bits computed before the read as the typed side does (a FieldValue exists before modify runs).
void raw_modify_unchecked(std::byte* base, const void*, std::uint32_t n) {
  const std::uint32_t bits = (n << 8) & 0xff00u;
  asm volatile("" ::: "memory"); std::uint32_t v = RAW32(base, 0x08); asm volatile("" ::: "memory");
  v = (v & ~0xff00u) | bits;
  asm volatile("" ::: "memory"); RAW32(base, 0x08) = v; asm volatile("" ::: "memory");
}
void typed_modify_unchecked(Map map, std::uint32_t n) { map[control].modify(Control::divider.unchecked(n)); }

// The whole VolatileBus by reference (the bus object holds the base): one extra load either way.
std::uint32_t raw_via_bus(mmio::VolatileBus& bus) { return raw_read32(bus.base()); }
std::uint32_t typed_via_bus(mmio::VolatileBus& bus) { return bus.load<std::uint32_t>(0x08); }
}
EOF

pairs="read8 write8 read16 write16 read32 write32 read64 write64 read_relaxed32 read_field write_fields modify modify_unchecked via_bus"

# Instruction text of one function: mnemonics and operands, no addresses or raw bytes.
body() {
  awk -v fn="<$2>:" '$2 == fn {on = 1; next} on && NF == 0 {exit} on {sub(/^[ \t]*[0-9a-f]+:[ \t]*/, ""); print}' "$1" |
    grep -vE '^(nop|data16|cs nop|xchg +ax,ax|int3)'   # alignment padding after the function
}

status=0
header=$(printf '%-16s' access)
for compiler in "${compilers[@]}"; do header+=$(printf ' %-22s' "$(basename "$compiler") -O2"); done
echo "$header"
declare -A result
for index in "${!compilers[@]}"; do
  compiler=${compilers[$index]}
  "$compiler" -std=c++20 -O2 -I"$root/include" -c "$work/codegen.cpp" -o "$work/$index.o"
  objdump -d --no-show-raw-insn -M intel "$work/$index.o" >"$work/$index.s"
  for pair in $pairs; do
    raw=$(body "$work/$index.s" "raw_$pair")
    typed=$(body "$work/$index.s" "typed_$pair")
    count=$(printf '%s\n' "$raw" | grep -c .)
    if [[ -n $raw && $raw == "$typed" ]]; then
      result[$compiler,$pair]="identical ($count insns)"
    else
      result[$compiler,$pair]="DIFFERENT"
      status=1
    fi
    if [[ $show == --show ]]; then
      printf '== %s raw_%s\n%s\n== %s typed_%s\n%s\n' "$compiler" "$pair" "$raw" "$compiler" "$pair" "$typed"
    fi
  done
done
for pair in $pairs; do
  line=$(printf '%-16s' "$pair")
  for compiler in "${compilers[@]}"; do line+=$(printf ' %-22s' "${result[$compiler,$pair]}"); done
  echo "$line"
done
exit $status
