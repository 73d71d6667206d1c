// The `mapio devmem`, `mapio iomem` and `mapio ioports` verbs, run as a real process: exact stdout,
// exact stderr and exit status. A plain file stands in for /dev/mem (--device) so that reads and
// writes are checked on any machine; captured tables stand in for /proc/iomem (--iomem, --file).
// Also the shared argument grammar (tools/mapio/support/arguments.hpp) on its own.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "test_support.hpp"

namespace {

const std::string data_dir = MAPIO_TEST_DATA_DIR;

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string drain(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return text;
}

struct RunOptions {
  // Seconds before SIGALRM ends the process (0: never), so that a verb that hangs fails the test
  // (status 128 + SIGALRM) instead of hanging it. The alarm survives execv.
  unsigned deadline_seconds = 0;
  int stdin_fd = -1;  // the process's standard input; -1 keeps the test's own
};

// Runs the CLI with `args`; stdout and stderr captured separately (stderr through a file so that
// neither pipe can fill up while the other is read).
Result run(std::vector<std::string> args, const RunOptions& options = {}) {
  mapio::test::ScratchDir dir;
  const auto err_path = dir / "stderr";
  int out_pipe[2];
  if (::pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  args.insert(args.begin(), MAPIO_CLI_PATH);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(err, 2);
    ::close(out_pipe[0]);
    if (options.stdin_fd >= 0) ::dup2(options.stdin_fd, 0);
    if (options.deadline_seconds > 0) ::alarm(options.deadline_seconds);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  Result r;
  r.out = drain(out_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.err = mapio::test::read_with_read(err_path);
  return r;
}

// A 4 MiB file that plays physical memory; 0x1000 holds edu's identification word.
class FakeMemory {
 public:
  FakeMemory() {
    std::string memory(4u << 20, '\0');
    const unsigned char id[] = {0xed, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44};
    std::memcpy(memory.data() + 0x1000, id, sizeof id);
    path_ = dir_.write("mem", memory).string();
  }
  const std::string& path() const { return path_; }
  std::string bytes(std::size_t offset, std::size_t count) const {
    return mapio::test::read_with_read(path_).substr(offset, count);
  }

 private:
  mapio::test::ScratchDir dir_;
  std::string path_;
};

struct UsageCase {
  std::vector<std::string> args;
  std::string message;
};

TEST(DevmemCli, ArgumentErrorsHaveExactMessagesAndStatusTwo) {
  const std::string usage = "(usage: mapio devmem ADDRESS [WIDTH [VALUE]])";
  const UsageCase cases[] = {
      {{}, "missing ADDRESS " + usage},
      {{"0x1000", "12"}, "bad width '12': use 8, 16, 32, 64 or b, h, w, l"},
      {{"0x1000", "q"}, "bad width 'q': use 8, 16, 32, 64 or b, h, w, l"},
      {{"0x1000", "0x20"}, "bad width '0x20': use 8, 16, 32, 64 or b, h, w, l"},
      {{"zz"}, "bad address 'zz': not a number (write decimal, 0x hexadecimal or 0 octal)"},
      {{"12abc"}, "bad address '12abc': not a number (write decimal, 0x hexadecimal or 0 octal)"},
      {{"-5"}, "bad address '-5': negative numbers are not allowed"},
      {{"0x1ffffffffffffffffff"}, "bad address '0x1ffffffffffffffffff': too large (the largest is 0xffffffffffffffff)"},
      {{"18446744073709551616"}, "bad address '18446744073709551616': too large (the largest is 0xffffffffffffffff)"},
      {{"0x"}, "bad address '0x': no hexadecimal digits after 0x"},
      {{"08"}, "bad address '08': '8' is not an octal digit (a leading 0 means octal)"},
      {{""}, "bad address '': empty"},
      {{"0x1000", "8", "0x100"}, "bad value '0x100': does not fit in 8 bits (the largest is 0xff)"},
      {{"0x1000", "h", "65536"}, "bad value '65536': does not fit in 16 bits (the largest is 0xffff)"},
      {{"0x1000", "32", "0x100000000"}, "bad value '0x100000000': does not fit in 32 bits (the largest is 0xffffffff)"},
      {{"0x1000", "b", "-1"}, "bad value '-1': negative numbers are not allowed"},
      {{"0x1002"}, "bad address '0x1002': a 32-bit access needs an address that is a multiple of 4"},
      {{"0x1004", "l"}, "bad address '0x1004': a 64-bit access needs an address that is a multiple of 8"},
      {{"0x1000", "32", "1", "2"}, "too many arguments: '2' " + usage},
      {{"--frobnicate", "0x1000"}, "unknown option '--frobnicate' " + usage},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"devmem"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    SCOPED_TRACE(::testing::PrintToString(args));
    const Result r = run(args);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "mapio devmem: " + c.message + "\n");
  }
}

TEST(DevmemCli, OptionWithoutItsValueIsAUsageErrorFromTheOptionParser) {
  // The option parser rejects these before the verb's own grammar runs, in its own words after
  // "mapio devmem: "; the status is mapio's one status for a usage error.
  for (const char* option : {"--device", "--iomem"}) {
    SCOPED_TRACE(option);
    const Result r = run({"devmem", "0x1000", option});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "mapio devmem: " + std::string(option) + ": 1 required TEXT missing\n");
  }
}

TEST(DevmemCli, ReadsPrintBusyboxsFormat) {
  FakeMemory mem;
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"0x1000"}, "0x010000ED\n"},             // default width 32
      {{"0x1000", "32"}, "0x010000ED\n"},
      {{"0x1000", "w"}, "0x010000ED\n"},
      {{"0x1000", "W"}, "0x010000ED\n"},
      {{"0x1000", "8"}, "0xED\n"},
      {{"0x1000", "b"}, "0xED\n"},
      {{"0x1002", "16"}, "0x0100\n"},
      {{"0x1000", "h"}, "0x00ED\n"},
      {{"0x1000", "64"}, "0x44332211010000ED\n"},
      {{"0x1000", "l"}, "0x44332211010000ED\n"},
      {{"4096"}, "0x010000ED\n"},               // decimal
      {{"010000"}, "0x010000ED\n"},             // octal
      {{"0X1004"}, "0x44332211\n"},
      {{"0x2000"}, "0x00000000\n"},
  };
  for (const auto& [words, expected] : cases) {
    std::vector<std::string> args{"devmem", "--device", mem.path()};
    args.insert(args.end(), words.begin(), words.end());
    SCOPED_TRACE(::testing::PrintToString(args));
    const Result r = run(args);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, expected);
    EXPECT_EQ(r.err, "");
  }
}

TEST(DevmemCli, WritesPrintNothingAndLandInMemory) {
  FakeMemory mem;
  const std::string iomem = data_dir + "/iomem/qemu_pc_edu.txt";  // 0xb8000 (VGA text) is not System RAM there
  auto write = [&](std::vector<std::string> words) {
    std::vector<std::string> args{"devmem", "--device", mem.path(), "--iomem", iomem};
    args.insert(args.end(), words.begin(), words.end());
    return run(args);
  };
  Result r = write({"0xb8000", "32", "0x12345678"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(mem.bytes(0xb8000, 4), std::string("\x78\x56\x34\x12", 4));
  EXPECT_EQ(write({"0xb8001", "b", "0xff"}).status, 0);
  EXPECT_EQ(mem.bytes(0xb8000, 4), std::string("\x78\xff\x34\x12", 4));
  EXPECT_EQ(write({"0xb8008", "l", "0xfedcba9876543210"}).status, 0);
  EXPECT_EQ(run({"devmem", "--device", mem.path(), "0xb8008", "64"}).out, "0xFEDCBA9876543210\n");
  EXPECT_EQ(write({"0xb8010", "16", "0177777"}).status, 0);  // octal
  EXPECT_EQ(run({"devmem", "--device", mem.path(), "0xb8010", "h"}).out, "0xFFFF\n");
}

TEST(DevmemCli, WritesToSystemRamAreRefusedUnlessForced) {
  FakeMemory mem;
  const std::string iomem = data_dir + "/iomem/qemu_pc_edu.txt";  // System RAM from 0x100000
  Result r = run({"devmem", "--device", mem.path(), "--iomem", iomem, "0x200000", "32", "1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("mapio devmem: write " + mem.path() + " [0x200000-0x200003]: Operation not permitted (EPERM): "
                        "the address is System RAM in " + iomem + ": writing there corrupts the running system; "
                        "--force writes anyway", 0),
            0u)
      << r.err;
  EXPECT_EQ(mem.bytes(0x200000, 4), std::string(4, '\0'));

  r = run({"devmem", "--device", mem.path(), "--iomem", iomem, "--force", "0x200000", "32", "1"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(mem.bytes(0x200000, 4), std::string("\x01\x00\x00\x00", 4));
}

TEST(DevmemCli, WritesAreRefusedWhenTheTableShowsOnlyZeros) {
  FakeMemory mem;
  const Result r = run({"devmem", "--device", mem.path(), "--iomem", data_dir + "/iomem/host_zeroed.txt", "0x2000",
                        "32", "1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot tell from " + data_dir + "/iomem/host_zeroed.txt whether the address is System RAM"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("CAP_SYS_ADMIN"), std::string::npos) << r.err;
  EXPECT_EQ(mem.bytes(0x2000, 4), std::string(4, '\0'));
}

TEST(DevmemCli, WritesAreRefusedWhenTheTableListsNothing) {
  // An empty table cannot say where System RAM is, so it must not read as "no System RAM anywhere".
  FakeMemory mem;
  mapio::test::ScratchDir dir;
  const std::string empty = dir.write("iomem", "").string();
  Result r = run({"devmem", "--device", mem.path(), "--iomem", empty, "0x1000", "w", "5"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "mapio devmem: write " + mem.path() + " [0x1000-0x1003]: Operation not permitted (EPERM): cannot "
                   "tell from " + empty + " whether the address is System RAM (it lists no resources); --force "
                   "writes anyway\n");
  EXPECT_EQ(mem.bytes(0x1000, 4), std::string("\xed\x00\x00\x01", 4));

  r = run({"devmem", "--device", mem.path(), "--iomem", empty, "--force", "0x1000", "w", "5"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(mem.bytes(0x1000, 4), std::string("\x05\x00\x00\x00", 4));
}

TEST(DevmemCli, TraceLogsThePhysicalAccessOnStderr) {
  FakeMemory mem;
  Result r = run({"devmem", "--trace", "--device", mem.path(), "0x1000"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0x010000ED\n");
  EXPECT_EQ(r.err, "read32  0x1000 -> 0x010000ed\n");
  r = run({"devmem", "--trace", "--device", mem.path(), "--iomem", data_dir + "/iomem/qemu_pc_edu.txt", "0xb8000",
           "h", "0xbeef"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "write16 0xb8000 <- 0xbeef\n");
}

TEST(DevmemCli, AnAddressBeyondMmapOffsetsIsAnError) {
  FakeMemory mem;
  const Result r = run({"devmem", "--device", mem.path(), "0xfffffffffffffff0"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("mapio devmem: map " + mem.path() + " [0xfffffffffffffff0, length 4]: Numerical result out of "
                        "range (ERANGE): the range ends past 2^63",
                        0),
            0u)
      << r.err;
}

TEST(DevmemCli, ThisMachinesMissingDevMemIsExplained) {
  if (std::filesystem::exists("/dev/mem")) GTEST_SKIP() << "this machine has /dev/mem";
  const Result r = run({"devmem", "0xb8000", "16"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("mapio devmem: open /dev/mem: No such file or directory (ENOENT): there is no /dev/mem: the "
                        "kernel was built without CONFIG_DEVMEM, or this container was not given the device",
                        0),
            0u)
      << r.err;
}

TEST(IomemCli, RawIsTheKernelsTextExactly) {
  for (const char* name : {"iomem/host.txt", "iomem/qemu_pc_edu.txt"}) {
    const Result r = run({"iomem", "--raw", "--file", data_dir + "/" + name});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, mapio::test::read_with_read(data_dir + "/" + name));
  }
  for (const char* name : {"ioports/host.txt", "ioports/qemu_pc_edu.txt"}) {
    const Result r = run({"ioports", "--raw", "--file", data_dir + "/" + name});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, mapio::test::read_with_read(data_dir + "/" + name));
  }
}

TEST(IomemCli, DefaultIsTheKernelsLinePlusASize) {
  const std::string file = data_dir + "/iomem/qemu_pc_edu.txt";
  const Result r = run({"iomem", "--file", file});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\n  fea00000-feafffff : 0000:00:04.0  (1 MiB)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n00001000-0009fbff : System RAM  (635 KiB)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nfec00000-fec003ff : IOAPIC 0  (1 KiB)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n100000000-17fffffff : PCI Bus 0000:00  (2 GiB)\n"), std::string::npos) << r.out;
  // Every line starts with the kernel's line, in the kernel's order.
  const std::string kernel = mapio::test::read_with_read(file);
  std::size_t k = 0, o = 0;
  while (k < kernel.size()) {
    const std::size_t k_end = kernel.find('\n', k);
    const std::string line = kernel.substr(k, k_end - k);
    ASSERT_EQ(r.out.compare(o, line.size() + 3, line + "  ("), 0) << line;
    o = r.out.find('\n', o) + 1;
    k = k_end + 1;
  }
  EXPECT_EQ(o, r.out.size());

  const Result ports = run({"ioports", "--file", data_dir + "/ioports/qemu_pc_edu.txt"});
  EXPECT_NE(ports.out.find("\n  03f8-03ff : serial  (8 bytes)\n"), std::string::npos) << ports.out;
  EXPECT_NE(ports.out.find("\n0d00-ffff : PCI Bus 0000:00  (60.8 KiB)\n"), std::string::npos) << ports.out;
}

TEST(IomemCli, JsonIsTheTree) {
  const Result r = run({"iomem", "--json", "--file", data_dir + "/iomem/qemu_pc_edu.txt"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const auto& bus = doc.at("resources").at(10);
  EXPECT_EQ(bus.at("name"), "PCI Bus 0000:00");
  EXPECT_EQ(bus.at("start").get<std::uint64_t>(), 0x08000000u);
  EXPECT_EQ(bus.at("end").get<std::uint64_t>(), 0xfebfffffu);
  const auto& edu = bus.at("children").at(2);
  EXPECT_EQ(edu.at("name"), "0000:00:04.0");
  EXPECT_EQ(edu.at("range"), "fea00000-feafffff");
  EXPECT_EQ(edu.at("size").get<std::uint64_t>(), 0x100000u);
  EXPECT_EQ(bus.at("children").at(4).at("children").at(0).at("name"), "e1000");
  EXPECT_EQ(doc.at("resources").back().at("start").get<std::uint64_t>(), 0x100000000u);
}

TEST(IomemCli, RefusesZeroedAndMalformedTables) {
  Result r = run({"iomem", "--file", data_dir + "/iomem/host_zeroed.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("mapio iomem: read " + data_dir + "/iomem/host_zeroed.txt: Operation not permitted (EPERM): "
                        "the kernel shows every range as zeros to readers without CAP_SYS_ADMIN; run as root (or "
                        "with CAP_SYS_ADMIN) to see the addresses",
                        0),
            0u)
      << r.err;
  r = run({"ioports", "--file", data_dir + "/ioports/malformed_no_separator.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("mapio ioports: parse " + data_dir +
                            "/ioports/malformed_no_separator.txt line 2: Invalid argument (EINVAL): no ' : ' after the "
                            "range in '  0000-001f dma1'",
                        0),
            0u)
      << r.err;
}

// Every verb that reads a file a user names reads a FIFO as any reader does (GNU wc, cat): it
// waits for the writer and reads to the end (docs/cli.md, "Files that are streams").
TEST(IomemCli, AFifoIsReadOnceItsWriterComesAsEveryVerbReadsOne) {
  const std::string table = mapio::test::read_with_read(data_dir + "/iomem/qemu_pc_edu.txt");
  mapio::test::ScratchDir dir;
  const std::string fifo = (dir / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  for (const char* verb : {"iomem", "ioports"}) {
    SCOPED_TRACE(verb);
    // The writer comes late; it opens without waiting, so that a verb that did not wait for it
    // (and is gone) fails the test instead of hanging it.
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      ASSERT_GE(fd, 0) << "no reader waiting: " << std::strerror(errno);
      EXPECT_EQ(::write(fd, table.data(), table.size()), static_cast<ssize_t>(table.size()));
      ::close(fd);
    });
    const Result r = run({verb, "--raw", "--file", fifo}, {.deadline_seconds = 5});
    writer.join();
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, table);
  }
}

TEST(IomemCli, APipeIsReadToItsEndEvenWhenItsTextArrivesLate) {
  // Text that the writer sends only after the verb has started is still read, not refused with
  // EAGAIN.
  const std::string table = mapio::test::read_with_read(data_dir + "/ioports/qemu_pc_edu.txt");
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(::write(pipe_fds[1], table.data(), table.size()), static_cast<ssize_t>(table.size()));
    ::close(pipe_fds[1]);
  });
  const Result r =
      run({"ioports", "--raw", "--file", "/dev/stdin"}, {.deadline_seconds = 5, .stdin_fd = pipe_fds[0]});
  writer.join();
  ::close(pipe_fds[0]);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, table);
}

// This machine's live tables, as the QEMU guest scenario compares them: --raw is the kernel's text.
TEST(IomemCli, RawMatchesThisMachinesLiveTables) {
  if (::geteuid() != 0) GTEST_SKIP() << "the kernel shows zeros to unprivileged readers";
  EXPECT_EQ(run({"iomem", "--raw"}).out, mapio::test::read_with_read("/proc/iomem"));
  EXPECT_EQ(run({"ioports", "--raw"}).out, mapio::test::read_with_read("/proc/ioports"));
}

TEST(Arguments, NumbersInCNotation) {
  using mapio::cli::parse_number;
  EXPECT_EQ(parse_number("0", "n"), 0u);
  EXPECT_EQ(parse_number("00", "n"), 0u);
  EXPECT_EQ(parse_number("0x0", "n"), 0u);
  EXPECT_EQ(parse_number("42", "n"), 42u);
  EXPECT_EQ(parse_number("0x2A", "n"), 42u);
  EXPECT_EQ(parse_number("0X2a", "n"), 42u);
  EXPECT_EQ(parse_number("052", "n"), 42u);
  EXPECT_EQ(parse_number("0xffffffffffffffff", "n"), 0xffffffffffffffffu);
  EXPECT_EQ(parse_number("18446744073709551615", "n"), 0xffffffffffffffffu);
  EXPECT_EQ(parse_number("01777777777777777777777", "n"), 0xffffffffffffffffu);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "0x", "0xg", "09", "1e3", "18446744073709551616",
                          "0x10000000000000000", "02000000000000000000000"}) {
    EXPECT_THROW(parse_number(bad, "n"), mapio::cli::ArgumentError) << bad;
  }
}

TEST(Arguments, WidthsAndValues) {
  using mapio::cli::parse_value;
  using mapio::cli::parse_width;
  EXPECT_EQ(parse_width("b"), 8u);
  EXPECT_EQ(parse_width("H"), 16u);
  EXPECT_EQ(parse_width("w"), 32u);
  EXPECT_EQ(parse_width("L"), 64u);
  EXPECT_EQ(parse_width("64"), 64u);
  EXPECT_EQ(parse_width("032"), 32u);  // decimal, as busybox reads it
  EXPECT_EQ(parse_width("08"), 8u);
  for (const char* bad : {"", "0", "7", "128", "bb", "word", "0x8", "x", "-8", "00064"}) {
    EXPECT_THROW(parse_width(bad), mapio::cli::ArgumentError) << bad;
  }
  EXPECT_EQ(parse_value("0xff", 8), 0xffu);
  EXPECT_THROW(parse_value("0x100", 8), mapio::cli::ArgumentError);
  EXPECT_EQ(parse_value("0xffffffffffffffff", 64), 0xffffffffffffffffu);
  EXPECT_EQ(mapio::cli::devmem_hex(0xed, 8), "0xED");
  EXPECT_EQ(mapio::cli::devmem_hex(0x10000ed, 32), "0x010000ED");
  EXPECT_EQ(mapio::cli::devmem_hex(0, 64), "0x0000000000000000");
}

TEST(Arguments, HumanSizes) {
  using mapio::cli::human_size;
  EXPECT_EQ(human_size(1), "1 byte");
  EXPECT_EQ(human_size(8), "8 bytes");
  EXPECT_EQ(human_size(1023), "1023 bytes");
  EXPECT_EQ(human_size(1024), "1 KiB");
  EXPECT_EQ(human_size(1536), "1.5 KiB");
  EXPECT_EQ(human_size(1u << 20), "1 MiB");
  EXPECT_EQ(human_size(0x12090c8), "18.0 MiB");
  EXPECT_EQ(human_size(std::uint64_t{3} << 30), "3 GiB");
  EXPECT_EQ(human_size(0xffffffffffffffffu), "16.0 EiB");
}

}  // namespace
