// Typed registers: declared once as data, checked once at bind time, then as cheap as a pointer.
//
// A register is a type that names its width, offset and access rights; its fields are constants
// inside it. Reading a field reads the register and shifts and masks for you; a read-only register
// has no write, a write-only one no read (the call does not compile).
//
//     namespace regs {
//     enum class Mode : std::uint32_t { idle = 0, run = 1, test = 3 };
//     struct Control : mapio::mmio::Register<std::uint32_t, 0x00, mapio::mmio::RegisterAccess::read_write> {
//       static constexpr std::string_view name = "control";
//       static constexpr field<0, 1> enable{};          // bit 0, read and written as bool
//       static constexpr field<4, 2, Mode> mode{};      // bits 4-5 as a Mode
//     };
//     struct Status : mapio::mmio::Register<std::uint32_t, 0x04, mapio::mmio::RegisterAccess::read_only> {
//       static constexpr std::string_view name = "status";
//       static constexpr field<0, 1> busy{};
//     };
//     inline constexpr Control control{};
//     inline constexpr Status status{};
//     }  // namespace regs
//
//     mapio::mmio::RegisterMap<mapio::mmio::VolatileBus, regs::Control, regs::Status> map(bus);  // checks both fit
//     map[regs::control].write(regs::Control::enable(true) | regs::Control::mode(regs::Mode::run));
//     map[regs::control].modify(regs::Control::mode(regs::Mode::test));   // read, change the field, write
//     bool busy = map[regs::status].read(regs::Status::busy);
//     mapio::mmio::poll_until(map[regs::status], mapio::mmio::is_clear(regs::Status::busy), 10ms, 100us);
//     // map[regs::status].write(0);                          // does not compile: status is read-only
//     // map[regs::control].read(regs::Status::busy);         // does not compile: busy is status's
//
// Over a VolatileBus a RegisterMap holds the base address and a pointer to the bus (for names in
// errors); each access is the one volatile load or store a hand-written `*(volatile uint32_t*)`
// would be (docs/benchmarks.md, "Register access costs nothing", shows the generated code).
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include "mapio/core/error.hpp"
#include "mapio/mmio/bus.hpp"

namespace mapio::mmio {

/// What software may do with a register (not `mapio::Access`, which says how a file or memory is mapped).
enum class RegisterAccess { read_only, write_only, read_write };

template <Word T, unsigned Shift, unsigned Width, class V, class Owner>
struct Field;

/// A register's place in a device: `T` wide at byte `Offset`, with `A` access. Derive a struct
/// from it that adds `static constexpr std::string_view name` and the fields.
/// Fields declared with the member template `field<Shift, Width[, V]>` belong to the register:
/// using one with another register does not compile. (A free-standing `Field<T, Shift, Width>` has
/// no owner and fits any register of its width.)
template <Word T, std::size_t Offset, RegisterAccess A>
struct Register {
  static_assert(Offset % sizeof(T) == 0, "a register must be naturally aligned");
  using value_type = T;
  using register_type = Register;
  static constexpr std::size_t offset = Offset;
  static constexpr RegisterAccess access = A;
  template <unsigned Shift, unsigned Width, class V = std::conditional_t<Width == 1, bool, T>>
  using field = Field<T, Shift, Width, V, Register>;
};

template <class R>
concept RegisterSpec = requires {
  typename R::value_type;
  { R::offset } -> std::convertible_to<std::size_t>;
  { R::access } -> std::convertible_to<RegisterAccess>;
} && Word<typename R::value_type>;

/// The register's `name` if it declares one, else "register".
template <RegisterSpec R>
constexpr std::string_view register_name() noexcept {
  if constexpr (requires { std::string_view(R::name); }) {
    return std::string_view(R::name);
  } else {
    return "register";
  }
}

/// Values for some fields of a register: which bits they cover (`mask`) and what goes there
/// (`bits`). Made by a Field's call operator, combined with `|` (fields of one register only).
template <Word T, class Owner = void>
struct FieldValue {
  using owner = Owner;
  T mask;
  T bits;
  constexpr FieldValue operator|(FieldValue other) const noexcept {
    return {static_cast<T>(mask | other.mask), static_cast<T>(bits | other.bits)};
  }
  /// `word` with the covered bits replaced.
  constexpr T apply(T word) const noexcept { return static_cast<T>((word & static_cast<T>(~mask)) | bits); }
};

namespace detail {
template <Word T>
constexpr T low_ones(unsigned width) noexcept {
  return width >= bits<T> ? static_cast<T>(~T{0}) : static_cast<T>((std::uint64_t{1} << width) - 1);
}
template <class V>
constexpr std::uint64_t to_raw(V value) noexcept {
  if constexpr (std::is_enum_v<V>) {
    return static_cast<std::uint64_t>(static_cast<std::underlying_type_t<V>>(value));
  } else {
    return static_cast<std::uint64_t>(value);
  }
}
}  // namespace detail

/// `Width` bits at bit `Shift` of a `T` register, read and written as a `V`: bool for one bit,
/// else T, or an enum of your choosing. Writing a value wider than the field drops the excess bits.
/// `Owner` is the register's Register<...> base when declared as `field<...>` inside it, else void.
template <Word T, unsigned Shift, unsigned Width, class V = std::conditional_t<Width == 1, bool, T>,
          class Owner = void>
struct Field {
  static_assert(Width > 0 && Shift + Width <= bits<T>, "a field must lie inside its register");
  static_assert(std::is_integral_v<V> || std::is_enum_v<V>, "a field reads as an integer, bool or enum");
  using word_type = T;
  using value_type = V;
  using owner = Owner;
  static constexpr unsigned shift = Shift;
  static constexpr unsigned width = Width;
  static constexpr T mask = static_cast<T>(detail::low_ones<T>(Width) << Shift);

  /// The field's value in a register value.
  static constexpr V get(T word) noexcept {
    const T raw = static_cast<T>((word & mask) >> Shift);
    if constexpr (std::is_same_v<V, bool>) {
      return raw != 0;
    } else {
      return static_cast<V>(raw);
    }
  }
  /// The field set to `value`, for write() and modify().
  constexpr FieldValue<T, Owner> operator()(V value) const noexcept {
    return {mask, static_cast<T>((detail::to_raw(value) << Shift) & mask)};
  }
};

/// Predicates for poll_until on a field: all its bits clear, all set, or equal to a value.
template <class F>
constexpr auto is_clear(F) noexcept {
  return [](typename F::word_type word) { return (word & F::mask) == 0; };
}
template <class F>
constexpr auto is_set(F) noexcept {
  return [](typename F::word_type word) { return (word & F::mask) == F::mask; };
}
template <class F>
constexpr auto equals(F, typename F::value_type value) noexcept {
  return [value](typename F::word_type word) { return F::get(word) == value; };
}

namespace detail {
template <class R>
struct register_type_of {
  using type = void;
};
template <class R>
  requires requires { typename R::register_type; }
struct register_type_of<R> {
  using type = typename R::register_type;
};
/// A field (or field value) may be used with register R: it has no owner, or R is its owner.
template <class Owner, class R>
concept field_of = std::same_as<Owner, void> || std::same_as<Owner, typename register_type_of<R>::type>;
}  // namespace detail

/// One register of a bound RegisterMap: a value you copy freely (a handle, like a pointer).
/// Only the methods the register's access allows exist, and they take only this register's fields.
template <class Handle, class B, RegisterSpec R>
class RegisterRef {
  using T = typename R::value_type;
  static constexpr bool readable = R::access != RegisterAccess::write_only;
  static constexpr bool writable = R::access != RegisterAccess::read_only;

 public:
  using value_type = T;
  using spec = R;

  RegisterRef(Handle handle, B* bus) noexcept : handle_(handle), bus_(bus) {}

  /// Ordered read (readl) / relaxed read (readl_relaxed) of the whole register.
  T read() const requires(readable) { return handle_.template load<T, Ordering::ordered>(R::offset); }
  T read_relaxed() const requires(readable) { return handle_.template load<T, Ordering::relaxed>(R::offset); }
  /// Reads the register and returns one field of it.
  template <class F>
    requires(readable && std::same_as<typename F::word_type, T> && detail::field_of<typename F::owner, R>)
  typename F::value_type read(F) const { return F::get(read()); }

  /// Ordered write (writel) / relaxed write (writel_relaxed) of the whole register.
  void write(T value) const requires(writable) { handle_.template store<T, Ordering::ordered>(R::offset, value); }
  void write_relaxed(T value) const requires(writable) {
    handle_.template store<T, Ordering::relaxed>(R::offset, value);
  }
  /// Writes the given fields; every other bit is written as 0.
  template <class O>
    requires(writable && detail::field_of<O, R>)
  void write(FieldValue<T, O> fields) const { write(fields.bits); }
  /// Read-modify-write: reads, replaces the given fields, writes back (not atomic against the device).
  template <class O>
    requires(R::access == RegisterAccess::read_write && detail::field_of<O, R>)
  void modify(FieldValue<T, O> fields) const { write(fields.apply(read())); }

  /// "edu status (0x20)": how errors name this register.
  std::string describe() const {
    return std::string(bus_->name()) + " " + std::string(register_name<R>()) + " (" + hex(R::offset) + ")";
  }

 private:
  Handle handle_;
  B* bus_;
};

/// A set of registers bound to a bus. Binding checks each register against the bus (fits in the
/// region, naturally aligned) and throws mapio::Error ("bind", "<bus> + <offset>", ERANGE/EINVAL)
/// if one does not; afterwards every access is unchecked. Index it with a register object:
/// `map[regs::status]`; a register that is not in the map does not compile.
template <Bus B, RegisterSpec... Rs>
class RegisterMap {
 public:
  using Handle = decltype(handle_of(std::declval<B&>()));
  /// Bytes of the region the map needs: the end of its last register.
  static constexpr std::size_t extent = std::max({std::size_t{0}, (Rs::offset + sizeof(typename Rs::value_type))...});

  explicit RegisterMap(B& bus) : handle_(handle_of(bus)), bus_(&bus) { (bind<Rs>(), ...); }

  template <class R>
    requires(std::same_as<R, Rs> || ...)
  RegisterRef<Handle, B, R> operator[](R) const noexcept {
    return RegisterRef<Handle, B, R>(handle_, bus_);
  }

  B& bus() const noexcept { return *bus_; }

 private:
  template <class R>
  void bind() const {
    bus_->check(R::offset, sizeof(typename R::value_type), "bind", register_name<R>());
  }

  Handle handle_;
  B* bus_;
};

/// Throws the timed-out mapio::Error of poll_until ("poll", subject, ETIMEDOUT).
[[noreturn]] void throw_poll_timeout(std::string_view subject, std::chrono::nanoseconds timeout,
                                     std::optional<std::uint64_t> last_value, unsigned width);

/// Something poll_until can read and name: a RegisterRef.
template <class S>
concept PollableRegister = requires(const S& source) {
  source.read();
  { source.describe() } -> std::convertible_to<std::string>;
};

namespace detail {
template <class Read, class Predicate, class Fail>
auto poll(Read&& read, Predicate&& done, std::chrono::nanoseconds timeout, std::chrono::nanoseconds interval,
          Fail&& fail) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto value = read();
    if (done(value)) return value;
    if (std::chrono::steady_clock::now() > deadline) {
      // Like readx_poll_timeout: one more read after the deadline, so a thread that was descheduled
      // past the deadline does not report a timeout for a condition that has come true meanwhile.
      value = read();
      if (done(value)) return value;
      fail(value);
    }
    if (interval > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(interval);
  }
}
template <class V>
[[noreturn]] void poll_failed(std::string_view subject, std::chrono::nanoseconds timeout, const V& value) {
  if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>) {
    throw_poll_timeout(subject, timeout, static_cast<std::uint64_t>(value), static_cast<unsigned>(sizeof(V) * 8));
  } else {
    throw_poll_timeout(subject, timeout, std::nullopt, 0);
  }
}
}  // namespace detail

/// Reads `reg` until `done(value)` holds and returns that value, sleeping `interval` between reads
/// (zero: spin). After `timeout` it reads once more and, if that fails too, throws mapio::Error
/// ("poll", "<bus> <register> (<offset>)", ETIMEDOUT) with the last value read. The kernel's
/// readx_poll_timeout (include/linux/iopoll.h) behaves the same way.
///
///     auto status = poll_until(map[regs::status], is_clear(regs::Status::busy), 1s, 10us);
template <PollableRegister Source, class Predicate>
auto poll_until(const Source& reg, Predicate&& done, std::chrono::nanoseconds timeout,
                std::chrono::nanoseconds interval = std::chrono::nanoseconds::zero()) {
  return detail::poll([&] { return reg.read(); }, done, timeout, interval,
                      [&](const auto& last) { detail::poll_failed(reg.describe(), timeout, last); });
}

/// The same with any callable as the source; `what` names it in the timeout error.
template <class Source, class Predicate>
  requires(!PollableRegister<Source> && std::invocable<Source&>)
auto poll_until(Source&& read, Predicate&& done, std::chrono::nanoseconds timeout,
                std::chrono::nanoseconds interval = std::chrono::nanoseconds::zero(),
                std::string_view what = "condition") {
  return detail::poll(read, done, timeout, interval,
                      [&](const auto& last) { detail::poll_failed(what, timeout, last); });
}

}  // namespace mapio::mmio
