// Typed registers: declared once as data, checked once at bind time, then as cheap as a pointer.
//
// A register is a struct you declare: it names itself, its width, offset and access rights, and its
// fields are constants inside it. Each register is a type of its own, so its fields fit only it,
// even when another device has a register of the same width at the same offset. Reading a field
// reads the register and shifts and masks for you. A wrong use does not compile, and the compiler
// says why in words, naming your register: writing a read-only register (`is_writable<Status>` is
// false: "this register is read-only"), reading a write-only one, using or or-ing a field of
// another register (`field_of<Status>::usable_with<Control>` is false), indexing a map with a
// register it does not hold.
//
//     namespace regs {
//     using mapio::mmio::RegisterAccess;
//     using mapio::mmio::Register;
//     enum class Mode : std::uint32_t { idle = 0, run = 1, test = 3 };
//     struct Control : Register<Control, std::uint32_t, 0x00, RegisterAccess::read_write> {
//       static constexpr std::string_view name = "control";
//       static constexpr field<0, 1> enable{"enable"};      // bit 0, read and written as bool
//       static constexpr field<4, 2, Mode> mode{"mode"};    // bits 4-5 as a Mode
//       static constexpr field<8, 8> divider{"divider"};    // bits 8-15 as a number
//     };
//     struct Status : Register<Status, std::uint32_t, 0x04, RegisterAccess::read_only> {
//       static constexpr std::string_view name = "status";
//       static constexpr field<0, 1> busy{"busy"};
//     };
//     inline constexpr Control control{};
//     inline constexpr Status status{};
//     }  // namespace regs
//
//     mapio::mmio::RegisterMap<mapio::mmio::VolatileBus, regs::Control, regs::Status> map(bus);  // checks both fit
//     map[regs::control].write(regs::Control::enable(true) | regs::Control::mode(regs::Mode::run));
//     map[regs::control].modify(regs::Control::divider(n));  // read, change the field, write; throws
//                                                            // mapio::Error (EOVERFLOW) if n > 0xff
//     map[regs::control].modify(regs::Control::divider.unchecked(n));  // hot path: keeps n's low 8 bits
//     bool busy = map[regs::status].read(regs::Status::busy);
//     mapio::mmio::poll_until(map[regs::status], mapio::mmio::is_clear(regs::Status::busy), 10ms, 100us);
//     // map[regs::status].write(0);                     // does not compile: status is read-only
//     // map[regs::control].read(regs::Status::busy);    // does not compile: busy is status's
//     // constexpr auto d = regs::Control::divider(0x100);  // does not compile: 0x100 needs 9 bits
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

/// The base of a register declaration: `Self` is the struct being declared, `T` its width, `Offset`
/// its byte offset in the device, `A` its access. The struct adds `static constexpr
/// std::string_view name` (how errors name it) and its fields, declared with the member template
/// `field<Shift, Width[, V]>`: such a field belongs to `Self` alone. `Self` is what gives each
/// register a type of its own; two registers that share width, offset and access stay apart.
/// (A free-standing `Field<T, Shift, Width>` has no owner and fits any register of its width.)
///
///     struct Status : Register<Status, std::uint32_t, 0x04, RegisterAccess::read_only> {
///       static constexpr std::string_view name = "status";
///       static constexpr field<0, 1> busy{"busy"};
///     };
template <class Self, Word T, std::size_t Offset, RegisterAccess A>
struct Register {
  static_assert(Offset % sizeof(T) == 0, "a register must be naturally aligned");
  using value_type = T;
  using register_type = Self;
  static constexpr std::size_t offset = Offset;
  static constexpr RegisterAccess access = A;
  template <unsigned Shift, unsigned Width, class V = std::conditional_t<Width == 1, bool, T>>
  using field = Field<T, Shift, Width, V, Self>;
};

template <class R>
concept RegisterSpec = requires {
  typename R::value_type;
  { R::offset } -> std::convertible_to<std::size_t>;
  { R::access } -> std::convertible_to<RegisterAccess>;
} && Word<typename R::value_type>;

/// Whether register R may be read / written. The compiler names these, with your register, when a
/// call breaks them ("'is_writable<regs::Status>' evaluates to false").
template <RegisterSpec R>
inline constexpr bool is_readable = R::access != RegisterAccess::write_only;
template <RegisterSpec R>
inline constexpr bool is_writable = R::access != RegisterAccess::read_only;

/// Whether a field declared in register `Owner` (void: a free-standing field) may be used with
/// register R: only with its own register.
template <class Owner>
struct field_of {
  template <class R>
  static constexpr bool usable_with = std::is_void_v<Owner> || std::is_same_v<Owner, R>;
};

/// Whether register R's word is a `W` (a free-standing field fits the registers of its word type).
template <RegisterSpec R, class W>
inline constexpr bool has_word_type = std::is_same_v<typename R::value_type, W>;

/// Whether R is declared as `Register<R, ...>`, i.e. is a register of its own rather than a copy
/// that names another register as its `Self`.
template <class R>
inline constexpr bool declares_itself = [] {
  if constexpr (requires { typename R::register_type; }) {
    return std::is_same_v<typename R::register_type, R>;
  } else {
    return true;  // a hand-written spec without Register: only free-standing fields fit it
  }
}();

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
  /// `word` with the covered bits replaced.
  constexpr T apply(T word) const noexcept { return static_cast<T>((word & static_cast<T>(~mask)) | bits); }
};

namespace detail {
template <class A, class B>
using either_owner = std::conditional_t<std::is_void_v<A>, B, A>;
}  // namespace detail

/// Both sets of fields at once. They must belong to the same register (or one be free-standing):
/// or-ing fields of two registers does not compile.
template <Word T, class A, Word U, class B>
constexpr FieldValue<T, detail::either_owner<A, B>> operator|(FieldValue<T, A> left, FieldValue<U, B> right) noexcept {
  static_assert(std::is_same_v<T, U>, "the fields or-ed together are of registers of different widths");
  static_assert(field_of<A>::template usable_with<detail::either_owner<B, A>>,
                "the fields or-ed together belong to two different registers: one value sets one register");
  return {static_cast<T>(left.mask | right.mask), static_cast<T>(left.bits | right.bits)};
}

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
template <class Owner>
constexpr std::string_view owner_name() noexcept {
  if constexpr (std::is_void_v<Owner>) {
    return "field";
  } else {
    return register_name<Owner>();
  }
}
/// Throws the mapio::Error of a field value wider than its field ("set", "<register>.<field>
/// (bits a-b)", EOVERFLOW). Deliberately not constexpr: a value that does not fit, set in a
/// constant expression, calls it and so does not compile, with this name in the diagnostic.
[[noreturn]] void value_does_not_fit_in_field(std::string_view register_name, std::string_view field_name,
                                              unsigned shift, unsigned width, std::uint64_t value);
}  // namespace detail

/// `Width` bits at bit `Shift` of a `T` register, read and written as a `V`: bool for one bit,
/// else T, or an enum of your choosing. `Owner` is the register when declared as `field<...>`
/// inside it (the usual way), else void. `name` names the field in errors.
///
/// Setting a value checks that it fits: `mode(0x1f)` on a 4-bit field does not compile in a
/// constant expression and throws mapio::Error (EOVERFLOW, naming register, field and value) at
/// run time; for constant values the optimiser removes the check. `unchecked(value)` is the hot
/// path's spelling: no check, the value's bits above the field are dropped.
///
///     static constexpr field<4, 4> mode{"mode"};   // inside a Register
///     map[control].modify(Control::mode(n));        // throws if n > 15
///     map[control].modify(Control::mode.unchecked(n));  // writes n & 15
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
  /// The largest value the field holds.
  static constexpr std::uint64_t max = detail::low_ones<std::uint64_t>(Width);

  /// How errors name the field ("mode"); empty: by its bits.
  std::string_view name{};

  constexpr Field() noexcept = default;
  constexpr explicit Field(std::string_view field_name) noexcept : name(field_name) {}

  /// The field's value in a register value.
  static constexpr V get(T word) noexcept {
    const T raw = static_cast<T>((word & mask) >> Shift);
    if constexpr (std::is_same_v<V, bool>) {
      return raw != 0;
    } else {
      return static_cast<V>(raw);
    }
  }
  /// The field set to `value`, for write() and modify(); a value wider than the field is refused
  /// (see above).
  constexpr FieldValue<T, Owner> operator()(V value) const {
    if (detail::to_raw(value) > max) [[unlikely]]
      detail::value_does_not_fit_in_field(detail::owner_name<Owner>(), name, Shift, Width, detail::to_raw(value));
    return unchecked(value);
  }
  /// The field set to the low `Width` bits of `value`, unchecked: for hot paths whose values are
  /// known to fit.
  constexpr FieldValue<T, Owner> unchecked(V value) const noexcept {
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
// Each wrong use fails one of these, whose message says why in words and whose condition, as the
// compiler prints it, names the user's register.
template <class R>
constexpr void check_readable() noexcept {
  static_assert(is_readable<R>, "this register is write-only (RegisterAccess::write_only): it cannot be read");
}
template <class R>
constexpr void check_writable() noexcept {
  static_assert(is_writable<R>, "this register is read-only (RegisterAccess::read_only): it cannot be written");
}
template <class R, Word W, class Owner>
constexpr void check_field() noexcept {
  static_assert(has_word_type<R, W>, "this field is for a register of another width");
  static_assert(field_of<Owner>::template usable_with<R>,
                "this field belongs to another register: a register takes only the fields declared in it");
}
template <class R>
constexpr void check_declaration() noexcept {
  static_assert(declares_itself<R>,
                "a register derives from Register<itself, ...>: this one names another struct as the first "
                "argument, so it would share that register's fields");
}
}  // namespace detail

/// One register of a bound RegisterMap: a value you copy freely (a handle, like a pointer).
/// Calls the register's access does not allow, and fields of other registers, do not compile
/// (a static_assert says which rule was broken; `is_readable`/`is_writable` answer it in advance).
template <class Handle, class B, RegisterSpec R>
class RegisterRef {
  using T = typename R::value_type;

 public:
  using value_type = T;
  using spec = R;

  RegisterRef(Handle handle, B* bus) noexcept : handle_(handle), bus_(bus) {}

  /// Ordered read (readl) / relaxed read (readl_relaxed) of the whole register.
  T read() const {
    detail::check_readable<R>();
    return handle_.template load<T, Ordering::ordered>(R::offset);
  }
  T read_relaxed() const {
    detail::check_readable<R>();
    return handle_.template load<T, Ordering::relaxed>(R::offset);
  }
  /// Reads the register and returns one field of it.
  template <class F>
  typename F::value_type read(F) const {
    detail::check_field<R, typename F::word_type, typename F::owner>();
    return F::get(static_cast<typename F::word_type>(read()));
  }

  /// Ordered write (writel) / relaxed write (writel_relaxed) of the whole register.
  void write(T value) const {
    detail::check_writable<R>();
    handle_.template store<T, Ordering::ordered>(R::offset, value);
  }
  void write_relaxed(T value) const {
    detail::check_writable<R>();
    handle_.template store<T, Ordering::relaxed>(R::offset, value);
  }
  /// Writes the given fields; every other bit is written as 0.
  template <Word U, class O>
  void write(FieldValue<U, O> fields) const {
    detail::check_field<R, U, O>();
    write(static_cast<T>(fields.bits));
  }
  /// Read-modify-write: reads, replaces the given fields, writes back (not atomic against the device).
  template <Word U, class O>
  void modify(FieldValue<U, O> fields) const {
    detail::check_field<R, U, O>();
    const T word = read();
    write(static_cast<T>((word & static_cast<T>(~fields.mask)) | fields.bits));
  }

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
///
///     mapio::mmio::RegisterMap<mapio::mmio::VolatileBus, regs::Control, regs::Status> map(bus);
///     std::uint32_t status = map[regs::status].read();
template <Bus B, RegisterSpec... Rs>
class RegisterMap {
 public:
  using Handle = decltype(handle_of(std::declval<B&>()));
  /// Bytes of the region the map needs: the end of its last register.
  static constexpr std::size_t extent = std::max({std::size_t{0}, (Rs::offset + sizeof(typename Rs::value_type))...});
  /// Whether register R is one of the map's.
  template <class R>
  static constexpr bool holds = (std::is_same_v<R, Rs> || ...);

  explicit RegisterMap(B& bus) : handle_(handle_of(bus)), bus_(&bus) { (bind<Rs>(), ...); }

  template <class R>
  RegisterRef<Handle, B, R> operator[](R) const noexcept {
    static_assert(holds<R>, "this register is not in the RegisterMap: list it in RegisterMap<Bus, registers...>");
    return RegisterRef<Handle, B, R>(handle_, bus_);
  }

  B& bus() const noexcept { return *bus_; }

 private:
  template <class R>
  void bind() const {
    detail::check_declaration<R>();
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
