// The instructions under every MMIO access: one volatile load or store, and the barriers around it.
//
// Linux gives device memory two flavours of access (include/asm-generic/io.h):
//
//   readl(addr)         = __io_br(); v = __raw_readl(addr); __io_ar(v);    ordered
//   writel(v, addr)     = __io_bw(); __raw_writel(v, addr); __io_aw();      ordered
//   readl_relaxed(addr) = __raw_readl(addr)                                 no barriers
//
// "Ordered" means: a write to device memory is not seen by the device before the program's earlier
// writes to normal memory (a DMA descriptor, say), and a read from device memory completes before
// the program's later reads of normal memory (the data a "done" bit announces). Relaxed accesses
// stay ordered among themselves on the same device, but not against normal memory.
//
// What that costs per architecture, and what mapio emits here:
//
//   x86_64   Device memory is mapped uncached (UC); UC loads and stores are not reordered with
//            any other load or store, so the hardware already orders everything. Only the compiler
//            must be kept from moving normal memory accesses across the MMIO access: an empty asm
//            with a "memory" clobber, zero instructions. Relaxed accesses omit even that, as
//            Linux's readl_relaxed does on x86 (its asm has no memory clobber).
//   arm64    Device-nGnRE memory is ordered against itself but not against normal memory:
//            before an ordered write `dmb oshst` (Linux's dma_wmb / __io_bw), after an ordered read
//            `dmb oshld` (dma_rmb / __io_ar). Relaxed accesses: no barrier.
//   others   A full fence (__sync_synchronize) on both sides: correct, not tuned.
//
// A 64-bit access must not tear: on x86_64 and arm64 a naturally aligned volatile 64-bit load or
// store is one `mov` / `ldr` / `str`. mapio checks alignment before any access it has not proved
// aligned (register maps check once, at bind time). 32-bit targets get no 64-bit accesses.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace mapio::mmio {

/// The widths a device register can have. Anything else does not compile.
template <class T>
concept Word = std::same_as<T, std::uint8_t> || std::same_as<T, std::uint16_t> ||
               std::same_as<T, std::uint32_t> || std::same_as<T, std::uint64_t>;

/// Whether an access keeps its order against normal memory (readl/writel) or not (*_relaxed).
enum class Ordering { ordered, relaxed };

namespace barrier {

/// Keeps the compiler from moving memory accesses across this point; emits no instruction.
inline void compiler() noexcept { asm volatile("" ::: "memory"); }

/// Before an ordered write: earlier normal-memory writes become visible first (__io_bw).
inline void before_write() noexcept {
#if defined(__x86_64__)
  compiler();
#elif defined(__aarch64__)
  asm volatile("dmb oshst" ::: "memory");
#else
  __sync_synchronize();
#endif
}

/// After an ordered read: later normal-memory reads see what the device announced (__io_ar).
inline void after_read() noexcept {
#if defined(__x86_64__)
  compiler();
#elif defined(__aarch64__)
  asm volatile("dmb oshld" ::: "memory");
#else
  __sync_synchronize();
#endif
}

/// Before an ordered read (__io_br) and after an ordered write (__io_aw): Linux makes both
/// compiler barriers on x86_64 and arm64; so does mapio.
inline void before_read() noexcept {
#if defined(__x86_64__) || defined(__aarch64__)
  compiler();
#else
  __sync_synchronize();
#endif
}
inline void after_write() noexcept {
#if defined(__x86_64__) || defined(__aarch64__)
  compiler();
#else
  __sync_synchronize();
#endif
}

}  // namespace barrier

/// One volatile load of a T at `address` (which must be aligned for T), with the barriers
/// `O` asks for. This is the whole cost of a register read.
template <Word T, Ordering O = Ordering::ordered>
inline T load(const std::byte* address) noexcept {
  static_assert(sizeof(T) <= sizeof(void*), "this target has no single-instruction access of that width");
  if constexpr (O == Ordering::ordered) barrier::before_read();
  T value = *reinterpret_cast<const volatile T*>(address);
  if constexpr (O == Ordering::ordered) barrier::after_read();
  return value;
}

/// One volatile store of `value` at `address` (aligned for T), with the barriers `O` asks for.
template <Word T, Ordering O = Ordering::ordered>
inline void store(std::byte* address, T value) noexcept {
  static_assert(sizeof(T) <= sizeof(void*), "this target has no single-instruction access of that width");
  if constexpr (O == Ordering::ordered) barrier::before_write();
  *reinterpret_cast<volatile T*>(address) = value;
  if constexpr (O == Ordering::ordered) barrier::after_write();
}

}  // namespace mapio::mmio
