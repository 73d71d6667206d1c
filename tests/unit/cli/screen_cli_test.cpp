// `mapio vga-text` and `mapio fb` as a user runs them, against a file standing in for /dev/mem
// (the real screens are checked in the QEMU guest, tests/vm/screen).
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace {

struct Run {
  int status;
  std::string output;
};

Run run(const std::string& arguments) {
  std::string command = std::string(MAPIO_CLI_PATH) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string memory_file(const mapio::test::ScratchDir& dir) {
  auto path = dir / "mem";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::ftruncate(fd, 0xB8000 + 4000), 0);
  ::close(fd);
  return path.string();
}

TEST(VgaTextCli, WritesWrapsAndDumps) {
  mapio::test::ScratchDir dir;
  auto mem = memory_file(dir);
  auto r = run("vga-text --device " + mem + " --clear --row 1 --col 76 --fg yellow --bg blue 'wrapped'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "wrote 7 characters at row 1, column 76 (attribute 0x1e)\n");
  auto bytes = mapio::test::read_with_read(mem);
  EXPECT_EQ(bytes[0xB8000 + 2 * 156], 'w');
  EXPECT_EQ(static_cast<unsigned char>(bytes[0xB8000 + 2 * 156 + 1]), 0x1e);
  r = run("vga-text --device " + mem + " --dump");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(std::string(76, ' ') + "wrap\nped" + std::string(77, ' ') + "\n"), std::string::npos) << r.output;
}

TEST(VgaTextCli, ColorGivesBothColoursInOneOption) {
  mapio::test::ScratchDir dir;
  auto mem = memory_file(dir);
  // FG/BG, FG,BG and a lone FG (background stays black): the attribute bytes in the file say which.
  auto r = run("vga-text --device " + mem + " --row 2 --col 0 --color yellow/blue Y");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "wrote 1 characters at row 2, column 0 (attribute 0x1e)\n");
  r = run("vga-text --device " + mem + " --row 2 --col 1 --color white,red W");
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("vga-text --device " + mem + " --row 2 --col 2 --color light-cyan C");
  ASSERT_EQ(r.status, 0) << r.output;
  auto bytes = mapio::test::read_with_read(mem);
  const std::size_t cell = 0xB8000 + 2 * 160;
  EXPECT_EQ(bytes[cell], 'Y');
  EXPECT_EQ(static_cast<unsigned char>(bytes[cell + 1]), 0x1e);
  EXPECT_EQ(bytes[cell + 2], 'W');
  EXPECT_EQ(static_cast<unsigned char>(bytes[cell + 3]), 0x4f);
  EXPECT_EQ(bytes[cell + 4], 'C');
  EXPECT_EQ(static_cast<unsigned char>(bytes[cell + 5]), 0x0b);

  // Bad spellings are usage errors that name the option; --color and --fg/--bg do not mix.
  for (const char* bad : {"yellow/", "/blue", "purple/blue"}) {
    r = run("vga-text --device " + mem + " --color " + bad + " x");
    EXPECT_EQ(r.status, 2) << bad << ": " << r.output;
  }
  r = run("vga-text --device " + mem + " --color yellow/ x");
  EXPECT_NE(r.output.find("bad --color 'yellow/': use FG or FG/BG"), std::string::npos) << r.output;
  r = run("vga-text --device " + mem + " --color yellow/white x");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("bad background colour 'white'"), std::string::npos) << r.output;
  r = run("vga-text --device " + mem + " --color yellow/blue --fg red x");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("use it or --fg/--bg, not both"), std::string::npos) << r.output;
  r = run("vga-text --device " + mem + " --bg blue --color yellow x");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_EQ(mapio::test::read_with_read(mem)[0xB8000], 0);  // none of the refused runs wrote a cell
}

TEST(VgaTextCli, CutAndTheBottomEdgeReportWhatDidNotFit) {
  mapio::test::ScratchDir dir;
  auto mem = memory_file(dir);
  auto r = run("vga-text --device " + mem + " --cut --row 0 --col 78 abcdef");
  EXPECT_EQ(r.output, "wrote 2 characters at row 0, column 78 (attribute 0x07); 4 did not fit\n");
  r = run("vga-text --device " + mem + " --row 24 --col 79 xyz");
  EXPECT_EQ(r.output, "wrote 1 characters at row 24, column 79 (attribute 0x07); 2 did not fit\n");
  EXPECT_EQ(mapio::test::read_with_read(mem).size(), 0xB8000u + 4000);  // nothing written past the screen
}

TEST(VgaTextCli, BadArgumentsAreUsageErrors) {
  mapio::test::ScratchDir dir;
  auto mem = memory_file(dir);
  auto r = run("vga-text --device " + mem + " --fg purple x");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("bad foreground colour 'purple'"), std::string::npos) << r.output;
  r = run("vga-text --device " + mem + " --bg yellow x");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("bit 7 of the attribute is blink"), std::string::npos) << r.output;
  r = run("vga-text --device " + mem + " --row 25 x");
  EXPECT_EQ(r.status, 2) << r.output;  // the option parser's range check: a usage error too
  r = run("vga-text --device " + mem);
  EXPECT_EQ(r.status, 2);
  r = run("vga-text --device " + (dir / "absent").string() + " x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("absent"), std::string::npos) << r.output;
}

TEST(FbCli, MissingDevicesAndNonFramebuffersAreExplained) {
  mapio::test::ScratchDir dir;
  auto r = run("fb --device " + (dir / "fb9").string() + " info");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("no such framebuffer device"), std::string::npos) << r.output;
  r = run("fb --dri " + (dir / "card9").string() + " fill red");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("no such DRM device"), std::string::npos) << r.output;
  auto plain = dir.write("plain", "not a framebuffer");
  r = run("fb --device " + plain.string() + " info");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("FBIOGET_VSCREENINFO"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not a framebuffer device"), std::string::npos) << r.output;
  r = run("fb fill notacolour");
  EXPECT_EQ(r.status, 2);
  r = run("fb");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.output, "mapio fb: missing SUBCOMMAND (usage: mapio fb [OPTIONS] SUBCOMMAND)\n");
  r = run("fb --hold 1 fill");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.output, "mapio fb: missing COLOR (usage: mapio fb fill [OPTIONS] COLOR)\n");
  r = run("fb fill red --rect 1,2,3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("use X,Y,W,H"), std::string::npos) << r.output;
}

}  // namespace
