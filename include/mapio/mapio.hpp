// All of mapio in one include: every public header of every part, and the version.
//
//     #include <mapio/mapio.hpp>
//     auto file = mapio::MappedFile::open("data.bin");
//     auto lines = mapio::count_lines(file.bytes());
//
// Link mapio::mapio (CMake) or mapio (pkg-config), which bring every part. A program that needs one
// part includes <mapio/PART.hpp> (core, scan, mmio, screen, ipc) and links only that part and those
// it uses: a program that maps files then links neither libpci nor anything else. RDMA is the one
// part left out of "all": <mapio/rdma.hpp> and mapio::rdma, for programs that ask for ibverbs.
#pragma once

#include "mapio/core.hpp"
#include "mapio/ipc.hpp"
#include "mapio/mmio.hpp"
#include "mapio/scan.hpp"
#include "mapio/screen.hpp"
#include "mapio/version.hpp"
