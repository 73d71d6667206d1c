// What the CLI does with input it does not control: files that never end, sizes that overflow or
// do not fit, durations that are not numbers, options CLI11 refuses, a sysfs root that is not
// there. Each run has a deadline (`timeout -s KILL`), so that a verb that would hang or grow without
// bound fails its test (status 137) instead of stalling the suite.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
  double seconds = 0;
};

// `mapio ARGUMENTS` through the shell, with `prefix` before it (ulimit), killed after `deadline` s.
Outcome run(const std::string& arguments, int deadline = 20, const std::string& prefix = "") {
  mapio::test::ScratchDir scratch;
  const std::string command = prefix + " timeout -s KILL " + std::to_string(deadline) + " " + MAPIO_CLI_PATH + " " +
                              arguments + " >" + (scratch / "out").string() + " 2>" + (scratch / "err").string();
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(("bash -c '" + command + "'").c_str());
  Outcome r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = mapio::test::read_with_read(scratch / "out");
  r.err = mapio::test::read_with_read(scratch / "err");
  return r;
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(BoundedReads, ATableThatNeverEndsIsRefusedAtItsBound) {
  for (const char* verb : {"iomem", "ioports"}) {
    const Outcome r = run(std::string(verb) + " --file /dev/zero");
    EXPECT_EQ(r.status, 1) << verb;
    EXPECT_EQ(r.out, "") << verb;
    EXPECT_EQ(r.err, "mapio " + std::string(verb) +
                         ": read /dev/zero: File too large (EFBIG): longer than 4194304 bytes, the most mapio "
                         "reads from it\n");
  }
  mapio::test::ScratchDir dir;
  const auto memory = dir.write("mem", std::string(8192, '\0'));
  const Outcome r = run("devmem --device " + memory.string() + " --iomem /dev/zero 0x1000 w 5");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot tell from /dev/zero whether the address is System RAM (longer than 4194304 bytes"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(mapio::test::read_with_read(memory), std::string(8192, '\0'));
}

TEST(BenchSize, ASizeWhoseBytesOverflowIsAUsageError) {
  // 2^44 MiB is 2^64 bytes: shifted into bytes it would wrap to 0 (and 2^44 + 1 MiB to 1 MiB).
  mapio::test::ScratchDir dir;
  for (const char* size : {"17592186044416", "17592186044417", "99999999999999"}) {
    const Outcome r = run(std::string("bench -q --size ") + size + " --dir " + dir.path().string());
    EXPECT_EQ(r.status, 2) << size;
    EXPECT_EQ(r.err, std::string("mapio bench: bad size '") + size +
                         "': too large (the largest is 17592186044415 MiB)\n");
    EXPECT_EQ(entries(dir.path()), 0u);
  }
}

TEST(BenchSize, ASizeTheFileSystemCannotHoldIsRefusedBeforeWriting) {
  // A petabyte. ulimit -f: were the bench to start writing, SIGXFSZ would end it (a wrong status)
  // long before the disk filled.
  mapio::test::ScratchDir dir;
  const Outcome r = run("bench -q --size 1000000000 --dir " + dir.path().string(), 20, "ulimit -f 10240;");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("mapio bench: generate " + dir.path().string() +
                       ": No space left on device (ENOSPC): a 1000000000 MiB file does not fit in the "),
            std::string::npos)
      << r.err;
  EXPECT_EQ(entries(dir.path()), 0u);
}

TEST(BenchSize, AKilledRunLeavesNoFileBehind) {
  for (const char* signal : {"KILL", "TERM"}) {
    mapio::test::ScratchDir dir;
    const std::string command = std::string(MAPIO_CLI_PATH) + " bench -q --size 2048 --reps 1 --dir " +
                                dir.path().string() + " >/dev/null 2>&1 & pid=$!; sleep 0.5; kill -" + signal +
                                " $pid; wait $pid";
    std::system(("bash -c '" + command + "'").c_str());
    EXPECT_EQ(entries(dir.path()), 0u) << "after SIG" << signal;
  }
}

TEST(HoldDurations, ADurationThatIsNotANumberOfSecondsIsAUsageError) {
  mapio::test::ScratchDir dir;
  const auto file = dir.write("f", "some bytes\n");
  for (const char* hold : {"inf", "1e19", "-1", "nan", "1e3"}) {
    SCOPED_TRACE(hold);
    const Outcome cache = run("cache --lock --hold " + std::string(hold) + " " + file.string(), 5);
    EXPECT_EQ(cache.status, 2);
    EXPECT_EQ(cache.out, "");
    EXPECT_EQ(cache.err.rfind("mapio cache: bad hold '" + std::string(hold) + "': ", 0), 0u) << cache.err;
    const Outcome fb = run("fb --hold " + std::string(hold) + " --device " + file.string() + " fill red", 5);
    EXPECT_EQ(fb.status, 2);
    EXPECT_EQ(fb.err.rfind("mapio fb: bad hold '" + std::string(hold) + "': ", 0), 0u) << fb.err;
    EXPECT_LT(fb.err.size(), 120u) << "one short line";
  }
  const Outcome negative = run("fb --hold -1 --device " + file.string() + " fill red", 5);
  EXPECT_EQ(negative.err, "mapio fb: bad hold '-1': negative numbers are not allowed\n");
}

TEST(HoldDurations, CacheHoldsItsLockForTheTimeGiven) {
  mapio::test::ScratchDir dir;
  const auto file = dir.write("f", "some bytes\n");
  const Outcome r = run("cache --lock --hold 0.4 " + file.string(), 10);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("holding for 0.4 s"), std::string::npos) << r.out;
  EXPECT_GE(r.seconds, 0.4);
}

// Every usage error names the verb; its status is 2, or the status of the tool a verb follows
// (GNU wc and fincore exit 1 for a usage error).
TEST(UsageErrors, OptionParserErrorsNameTheVerbAndExitWithTheVerbsUsageStatus) {
  struct Case {
    const char* arguments;
    const char* err;
    int status;
  };
  for (const Case& c : {
           Case{"wc --threads -1 /dev/null", "mapio wc: Could not convert: --threads = -1\n", 1},
           Case{"count --threads -1 a /dev/null", "mapio count: Could not convert: --threads = -1\n", 2},
           Case{"iomem --raw --json", "mapio iomem: --raw excludes --json\n", 2},
           Case{"iomem --frobnicate", "mapio iomem: The following argument was not expected: --frobnicate\n", 2},
       }) {
    SCOPED_TRACE(c.arguments);
    const Outcome r = run(c.arguments, 5);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, c.err);
  }
}

}  // namespace
