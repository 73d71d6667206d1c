// The calls that change no byte of a mapping take a const one (the README holds a `const auto`).
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"
#include "mapio/core/mapping.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::error_of;
using test::ScratchDir;

// Compile-time: each of these is callable through a const reference.
static_assert(requires(const Mapping& m) { m.advise(Advice::sequential); });
static_assert(requires(const Mapping& m) { m.advise(Advice::will_need, 0, 4096); });
static_assert(requires(const Mapping& m) { m.residency(); });
static_assert(requires(const Mapping& m) { m.populate(); });
static_assert(requires(const Mapping& m) { m.flush(); });
static_assert(requires(const Mapping& m) { m.flush(0, 1, FlushMode::async); });
static_assert(requires(const Mapping& m) { m.lock(); });
static_assert(requires(const Mapping& m) { m.unlock(); });
static_assert(requires(const Mapping& m) { m.huge_page_bytes(); });
static_assert(requires(const MappedFile& f) { f.sync(); });
// ...and the ones that change bytes or the mapping do not (asked through concepts, where a call
// that does not compile is a false answer instead of an error).
template <class M>
concept hands_out_writable_bytes = requires(M& m) { m.writable_bytes(); };
template <class M>
concept can_protect = requires(M& m) { m.protect(Protection::read); };
template <class F>
concept can_refresh = requires(F& f) { f.refresh(); };
template <class F>
concept can_resize = requires(F& f) { f.resize(1); };
static_assert(hands_out_writable_bytes<Mapping> && !hands_out_writable_bytes<const Mapping>);
static_assert(can_protect<Mapping> && !can_protect<const Mapping>);
static_assert(can_refresh<MappedFile> && !can_refresh<const MappedFile>);
static_assert(can_resize<MappedFile> && !can_resize<const MappedFile>);

TEST(ConstMapping, AdvisesPopulatesLocksAndReportsResidency) {
  ScratchDir dir;
  const auto path = dir.write("data.bin", test::patterned(64 * 1024));
  const auto file = MappedFile::open(path);
  file.advise(Advice::sequential);
  file.advise(Advice::will_need, 4096, 8192);
  file.populate();
  const auto pages = file.residency();
  EXPECT_EQ(std::count(pages.begin(), pages.end(), true), static_cast<long>(pages.size()));
  file.flush();
  file.sync();
  file.lock();
  file.unlock();
  // A shared mapping's pages come back from the file: dont_need changes no byte there.
  file.advise(Advice::dont_need);
  EXPECT_EQ(test::as_text(file.bytes()), test::patterned(64 * 1024));
  EXPECT_EQ(error_of([&] { file.advise(Advice::random, 1, 64 * 1024); }).errno_value(), ERANGE);
}

TEST(ConstMapping, RefusesToDropTheChangesOfACopyOnWriteMapping) {
  auto memory = Mapping::anonymous(4096);  // private: MADV_DONTNEED would zero it
  std::memcpy(memory.writable_data(), "mine", 4);
  const Mapping& view = memory;
  const Error e = error_of([&] { view.advise(Advice::dont_need); });
  EXPECT_EQ(e.errno_value(), EPERM);
  EXPECT_NE(std::string(e.what()).find("copy-on-write"), std::string::npos) << e.what();
  EXPECT_EQ(test::as_text(memory.bytes().first(4)), "mine");
  // The non-const call is the owner's, and does what madvise does.
  memory.advise(Advice::dont_need);
  EXPECT_EQ(memory.bytes()[0], std::byte{0});
}

}  // namespace
}  // namespace mapio
