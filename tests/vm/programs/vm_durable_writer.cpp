// vm_durable_writer: appends fixed-size records to a file through a shared mapping
// (mapio::MappedFile), flushing each batch synchronously (msync MS_SYNC) and only then reporting
// the number of records flushed:
//
//     vm_durable_writer write  PATH RECORDS_PER_BATCH BATCHES   prints "MAPIO-FLUSHED <records>"
//                                                             after each batch's flush
//     vm_durable_writer sync   PATH RECORDS_PER_BATCH BATCHES   the same as a journal grows: a
//                                  new file (create_new, empty), resized for each batch, made
//                                  durable with sync() (msync + fdatasync, and fsync of the
//                                  directory after the create) before "MAPIO-FLUSHED"
//     vm_durable_writer verify PATH COUNT                       checks records [0, COUNT)
//     vm_durable_writer write-unflushed PATH RECORDS_PER_BATCH BATCHES
//                                  the same without the flush: it reports records that are only in
//                                  the page cache, so a crash loses them and the bench must say so
//                                  (docs/testing.md shows how to run it).
//
// The bench kills the whole machine at some point while it writes; every record reported as
// flushed must then be in the file. Records are 96 bytes, so batches start and end mid-page and
// the flushed range's page rounding is exercised too.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include <fmt/core.h>

#include "mapio/core/error.hpp"
#include "mapio/core/file.hpp"

namespace {

constexpr std::size_t record_size = 96;
constexpr std::array<char, 8> magic = {'M', 'A', 'P', 'I', 'O', 'R', 'E', 'C'};

std::uint64_t mix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// magic | index | mix(index) | 72 bytes derived from the index
void make_record(std::uint64_t index, std::byte* out) {
  std::memcpy(out, magic.data(), magic.size());
  const std::uint64_t check = mix(index + 1);
  std::memcpy(out + 8, &index, sizeof index);
  std::memcpy(out + 16, &check, sizeof check);
  for (std::size_t i = 24; i < record_size; ++i) out[i] = static_cast<std::byte>((index * 31 + i) & 0xff);
}

int write_records(const std::string& path, std::uint64_t per_batch, std::uint64_t batches, bool flush) {
  auto file = mapio::MappedFile::create(path, per_batch * batches * record_size);
  auto bytes = file.writable_bytes();
  std::uint64_t written = 0;
  for (std::uint64_t batch = 0; batch < batches; ++batch) {
    const std::size_t begin = static_cast<std::size_t>(written * record_size);
    for (std::uint64_t i = 0; i < per_batch; ++i, ++written) {
      make_record(written, bytes.data() + written * record_size);
    }
    if (flush) file.flush(begin, static_cast<std::size_t>(per_batch * record_size));
    std::printf("MAPIO-FLUSHED %llu\n", static_cast<unsigned long long>(written));
    std::fflush(stdout);
  }
  std::printf("MAPIO-WRITER-DONE %llu\n", static_cast<unsigned long long>(written));
  return 0;
}

// Appends batches to a file that starts empty and grows with each one: the file's size and its
// name are new at every step, and sync() is what must make them durable with the bytes.
int sync_records(const std::string& path, std::uint64_t per_batch, std::uint64_t batches) {
  auto file = mapio::MappedFile::create_new(path, 0);
  std::uint64_t written = 0;
  for (std::uint64_t batch = 0; batch < batches; ++batch) {
    file.resize((written + per_batch) * record_size);
    auto bytes = file.writable_bytes();  // resize() may move the mapping
    for (std::uint64_t i = 0; i < per_batch; ++i, ++written) {
      make_record(written, bytes.data() + written * record_size);
    }
    file.sync();
    std::printf("MAPIO-FLUSHED %llu\n", static_cast<unsigned long long>(written));
    std::fflush(stdout);
  }
  std::printf("MAPIO-WRITER-DONE %llu\n", static_cast<unsigned long long>(written));
  return 0;
}

int verify_records(const std::string& path, std::uint64_t count) {
  auto file = mapio::MappedFile::open(path);
  const std::uint64_t present = file.size() / record_size;
  if (present < count) {
    fmt::print("{} holds room for {} records, {} were reported flushed\n", path, present, count);
    return 1;
  }
  std::array<std::byte, record_size> expected{};
  for (std::uint64_t index = 0; index < count; ++index) {
    make_record(index, expected.data());
    if (std::memcmp(file.data() + index * record_size, expected.data(), record_size) != 0) {
      fmt::print("record {} of {} reported flushed is not in {}\n", index, count, path);
      return 1;
    }
  }
  fmt::print("all {} records reported flushed are in {}\n", count, path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string verb = argc > 1 ? argv[1] : "";
    if ((verb == "write" || verb == "write-unflushed") && argc == 5) {
      return write_records(argv[2], std::stoull(argv[3]), std::stoull(argv[4]), verb == "write");
    }
    if (verb == "sync" && argc == 5) {
      return sync_records(argv[2], std::stoull(argv[3]), std::stoull(argv[4]));
    }
    if (verb == "verify" && argc == 4) {
      return verify_records(argv[2], std::stoull(argv[3]));
    }
    std::fputs("usage: vm_durable_writer write|sync|write-unflushed PATH RECORDS_PER_BATCH BATCHES | verify PATH COUNT\n", stderr);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vm_durable_writer: %s\n", e.what());
    return 1;
  }
}
