// prefetch and visit_extents: every extent visited in order with exactly its bytes, bad extents
// refused before anything is visited, and prefetching memory that cannot be read never faults.
#include "mapio/core/prefetch.hpp"

#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mapio/core/file.hpp"
#include "mapio/core/guarded.hpp"
#include "mapio/core/page.hpp"
#include "test_support.hpp"

namespace mapio {
namespace {

using test::patterned;
using test::ScratchDir;

std::string text_of(std::span<const std::byte> piece) {
  return {reinterpret_cast<const char*>(piece.data()), piece.size()};
}

TEST(VisitExtents, VisitsEveryExtentInOrderWithExactlyItsBytes) {
  ScratchDir dir;
  const auto contents = patterned(64 * 1024);
  auto file = MappedFile::open(dir.write("data", contents));
  // Unaligned, overlapping, repeated, empty, the very end, out of order: what a batch of lookups is.
  const std::vector<Extent> extents = {{40000, 4096}, {3, 61}, {3, 61}, {65535, 1}, {100, 0},
                                       {0, 65536}, {4095, 2}, {12345, 777}};
  for (const Lookahead ahead : {Lookahead{}, Lookahead{0, 0}, Lookahead{3, 1}, Lookahead{100, 100}}) {
    std::vector<std::string> seen;
    visit_extents(file.bytes(), extents, [&](std::span<const std::byte> piece) { seen.push_back(text_of(piece)); },
                  ahead);
    ASSERT_EQ(seen.size(), extents.size());
    for (std::size_t i = 0; i < extents.size(); ++i) {
      EXPECT_EQ(seen[i], contents.substr(extents[i].offset, extents[i].length)) << "extent " << i;
    }
  }
}

TEST(VisitExtents, AnExtentOutsideTheDataIsRefusedBeforeAnythingIsVisited) {
  ScratchDir dir;
  auto file = MappedFile::open(dir.write("data", patterned(10000)));
  const std::size_t huge = static_cast<std::size_t>(-1);
  struct Case {
    std::vector<Extent> extents;
    std::string subject;
  };
  const std::vector<Case> cases = {
      {{{0, 10}, {9990, 11}}, "extent 1 [offset 9990, length 11]"},
      {{{10001, 0}}, "extent 0 [offset 10001, length 0]"},
      {{{0, 1}, {1, 1}, {16, huge}}, "extent 2 [offset 16, length " + std::to_string(huge) + "]"},  // wraps
      {{{huge, 2}}, "extent 0 [offset " + std::to_string(huge) + ", length 2]"},
  };
  for (const auto& c : cases) {
    int visited = 0;
    const auto error = test::error_of([&] { visit_extents(file.bytes(), c.extents, [&](auto) { ++visited; }); });
    EXPECT_EQ(error.errno_value(), ERANGE);
    EXPECT_EQ(error.operation(), "visit extents");
    EXPECT_EQ(error.subject(), c.subject);
    EXPECT_NE(std::string(error.what()).find("past the end of the data (10000 bytes)"), std::string::npos) << error.what();
    EXPECT_EQ(visited, 0) << c.subject;
  }
  // The end itself is a valid place for an empty extent.
  int visited = 0;
  visit_extents(file.bytes(), std::vector<Extent>{{10000, 0}}, [&](auto piece) { visited += piece.empty() ? 1 : 100; });
  EXPECT_EQ(visited, 1);
}

TEST(Prefetch, NeverFaultsOnGuardPagesOrPagesTruncatedAway) {
  // A load from either would kill the process (SIGSEGV, SIGBUS); a prefetch is only a hint.
  GuardedBuffer buffer(page_size());
  const std::byte* guard_before = buffer.data() - page_size();
  prefetch({guard_before, page_size()});
  prefetch({buffer.data() + page_size(), page_size()});  // the guard after
  prefetch({reinterpret_cast<const std::byte*>(std::uintptr_t{4096}), 4096});  // page 1: never mapped

  ScratchDir dir;
  const auto path = dir.write("data", patterned(4 * page_size()));
  auto file = MappedFile::open(path);
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(page_size())), 0);
  prefetch(file.bytes().subspan(page_size()));  // three pages that are gone
  // They are really gone: copying them out is an error, not data.
  std::vector<std::byte> out(page_size());
  EXPECT_THROW(file.read_safely(2 * page_size(), out), Error);
  // And the page still in the file reads as it should after all that.
  file.read_safely(0, out);
  EXPECT_EQ(text_of(out), patterned(page_size()));
}

}  // namespace
}  // namespace mapio
