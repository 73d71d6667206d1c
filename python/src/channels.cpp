// mapio.Channel: a named mapio channel from Python. One object can send, receive, or both; each end
// is attached the first time it is used, so a process that only sends never becomes the receiver.
// Every wait runs without the GIL, in slices, so that Ctrl-C (KeyboardInterrupt) still arrives.
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "common.hpp"
#include "mapio/core/error.hpp"
#include "mapio/ipc/channel.hpp"

namespace mapio::python {
namespace {

using namespace std::chrono_literals;
using ipc::Channel;
using ipc::Receiver;
using ipc::Sender;

// How long a wait runs without looking at Python's signals.
constexpr std::chrono::milliseconds slice = 100ms;

struct PyChannel {
  std::string name;
  std::optional<Channel> channel;  // for status() and the attachments
  std::optional<Sender> sender;
  std::optional<Receiver> receiver;
  std::vector<std::byte> buffer;
  std::uint64_t last_sequence = 0;
  std::chrono::microseconds spin{0};  // for both ends, the ones attached later too
  bool busy = false;  // a call runs without the GIL: another thread must not use this object now

  Channel& open_channel() {
    if (!channel) throw py::value_error("Channel is closed");
    return *channel;
  }
  Sender& tx() {
    if (!sender) {
      sender.emplace(Channel::open(name));
      sender->set_spin(spin);
    }
    return *sender;
  }
  Receiver& rx() {
    if (!receiver) {
      receiver.emplace(Channel::open(name));
      receiver->set_spin(spin);
      buffer.resize(receiver->max_message_size());
    }
    return *receiver;
  }
};

// Marks an open PyChannel in use for the length of a call made without the GIL.
InUse channel_in_use(PyChannel& c) {
  c.open_channel();
  return InUse(c.busy, "Channel");
}

// None: wait for ever; otherwise seconds, at least 0.
std::optional<std::chrono::steady_clock::time_point> deadline_of(const py::object& timeout) {
  if (timeout.is_none()) return std::nullopt;
  const double seconds = timeout.cast<double>();
  if (!(seconds >= 0)) throw py::value_error("timeout must be None or a number of seconds >= 0");
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(std::min(seconds, 1e9)));
}

std::chrono::milliseconds next_wait(const std::optional<std::chrono::steady_clock::time_point>& deadline) {
  if (!deadline) return slice;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
  return std::clamp(left, 0ms, slice);
}

py::bytes receive(PyChannel& c, const py::object& timeout) {
  const auto use = channel_in_use(c);
  auto& rx = c.rx();
  const auto deadline = deadline_of(timeout);
  for (;;) {
    const auto wait = next_wait(deadline);
    std::optional<ipc::Received> got;
    {
      py::gil_scoped_release unlocked;
      got = rx.receive(c.buffer, wait);
    }
    if (got) {
      c.last_sequence = got->sequence;
      return py::bytes(reinterpret_cast<const char*>(c.buffer.data()), got->size);
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      throw Error("receive", c.name, ETIMEDOUT, "no message came within the timeout");
    }
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

std::optional<py::bytes> try_receive(PyChannel& c) {
  const auto use = channel_in_use(c);
  auto& rx = c.rx();
  auto message = rx.try_receive();
  if (!message) return std::nullopt;
  py::bytes out(reinterpret_cast<const char*>(message->bytes.data()), message->bytes.size());
  c.last_sequence = message->sequence;
  rx.release();
  return out;
}

std::uint64_t send(PyChannel& c, const py::buffer& data, const py::object& timeout) {
  const auto use = channel_in_use(c);
  auto& tx = c.tx();
  const py::buffer_info info = data.request();
  if (info.ndim > 1 && !PyBuffer_IsContiguous(info.view(), 'C')) throw py::value_error("send needs a contiguous buffer");
  const std::span<const std::byte> message(static_cast<const std::byte*>(info.ptr), static_cast<std::size_t>(info.size * info.itemsize));
  const auto deadline = deadline_of(timeout);
  for (;;) {
    const auto wait = next_wait(deadline);
    try {
      py::gil_scoped_release unlocked;
      return tx.send(message, wait);
    } catch (const Error& e) {
      if (e.errno_value() != ETIMEDOUT || (deadline && std::chrono::steady_clock::now() >= *deadline)) throw;
    }
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

// Seconds, from 0 (never busy-wait) to 0.01: a spin is worth microseconds, and a longer one would
// only burn a core that the peer may need.
void set_spin(PyChannel& c, double seconds) {
  if (!(seconds >= 0 && seconds <= 0.01)) throw py::value_error("spin must be 0 to 0.01 seconds");
  const auto use = channel_in_use(c);
  c.spin = std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6 + 0.5));
  if (c.sender) c.sender->set_spin(c.spin);
  if (c.receiver) c.receiver->set_spin(c.spin);
}

py::dict status(PyChannel& c) {
  const auto s = c.open_channel().status();
  auto peer = [](const ipc::Peer& p) {
    py::dict d;
    d["pid"] = p.pid;
    d["alive"] = p.alive;
    return d;
  };
  py::list senders;
  for (const auto& p : s.senders) senders.append(peer(p));
  py::dict out;
  out["capacity"] = s.capacity;
  out["used"] = s.used;
  out["head"] = s.head;
  out["tail"] = s.tail;
  out["next_sequence"] = s.next_sequence;
  out["receiver"] = s.receiver ? py::object(peer(*s.receiver)) : py::object(py::none());
  out["senders"] = senders;
  return out;
}

}  // namespace

void bind_channels(py::module_& m) {
  py::class_<PyChannel>(m, "Channel",
                        "A mapio channel in a named shared memory object: messages between processes that never\n"
                        "wait for a dead peer (docs/ipc.md). Sending attaches this object as a sender, receiving\n"
                        "as the channel's one receiver.\n\n"
                        "    with mapio.Channel.open(\"/jobs\") as jobs:\n"
                        "        job = jobs.receive(timeout=5.0)   # bytes; TimeoutError, BrokenPipeError\n")
      .def_static(
          "create",
          [](const std::string& name, std::size_t capacity, unsigned permissions) {
            PyChannel c;
            c.channel.emplace(Channel::create(name, capacity, permissions));
            c.name = name;
            return c;
          },
          py::arg("name"), py::arg("capacity"), py::arg("permissions") = 0600,
          "Creates /NAME with a ring of CAPACITY bytes (rounded up to a power of two); FileExistsError if it exists.")
      .def_static(
          "open",
          [](const std::string& name) {
            PyChannel c;
            c.channel.emplace(Channel::open(name));
            c.name = name;
            return c;
          },
          py::arg("name"), "Opens an existing channel; its header is checked.")
      .def_static("unlink", &Channel::unlink, py::arg("name"), "Removes the channel's name; attached ends keep working.")
      .def("send", &send, py::arg("data"), py::arg("timeout") = py::none(),
           "Sends one message (bytes or any contiguous buffer) and returns its sequence number. Waits for\n"
           "room up to `timeout` seconds (None: for ever): TimeoutError, BrokenPipeError when the receiver\n"
           "is gone and the ring is full, mapio.Error (EMSGSIZE) for a message over max_message_size.")
      .def(
          "try_send",
          [](PyChannel& c, const py::buffer& data) -> std::optional<std::uint64_t> {
            const auto use = channel_in_use(c);
            const py::buffer_info info = data.request();
            return c.tx().try_send(std::span(static_cast<const std::byte*>(info.ptr), static_cast<std::size_t>(info.size * info.itemsize)));
          },
          py::arg("data"), "As send(), but never waits: None when there is no room now.")
      .def("receive", &receive, py::arg("timeout") = py::none(),
           "The next message as bytes, waiting up to `timeout` seconds (None: for ever), without the GIL.\n"
           "TimeoutError when none came; BrokenPipeError when the ring is empty and every sender has died or left.")
      .def("try_receive", &try_receive, "The next message, or None when there is none now (BrokenPipeError as receive()).")
      .def(
          "fileno",
          [](PyChannel& c) {
            const auto use = channel_in_use(c);
            return c.rx().wait_descriptor();
          },
          "A descriptor for select/poll/selectors (this object works as one): readable when try_receive()\n"
          "has a message or BrokenPipeError to give. Drain with try_receive() until None.")
      .def_property_readonly("last_sequence", [](const PyChannel& c) { return c.last_sequence; },
                             "The sequence number of the message received last (duplicates after a receiver's death show here).")
      .def_property(
          "spin", [](const PyChannel& c) { return std::chrono::duration<double>(c.spin).count(); }, &set_spin,
          "Seconds to keep looking before sleeping, on an empty ring when receiving and a full one when\n"
          "sending (0, the default: sleep at once; at most 0.01). A few microseconds save a wake-up on both\n"
          "sides per message when messages come close together and both processes have a core.")
      .def_property_readonly("name", [](const PyChannel& c) { return c.name; })
      .def_property_readonly("capacity", [](PyChannel& c) { return c.open_channel().capacity(); }, "Ring bytes.")
      .def_property_readonly("max_message_size", [](PyChannel& c) { return c.open_channel().max_message_size(); })
      .def_property_readonly("closed", [](const PyChannel& c) { return !c.channel.has_value(); })
      .def("status", &status, "Capacity, fill, indices and peers as a dict (what `mapio chan stat` prints).")
      .def(
          "close",
          [](PyChannel& c) {
            if (c.busy) throw py::value_error("Channel is in use by another thread");
            c.receiver.reset();
            c.sender.reset();
            c.channel.reset();
          },
          "Detaches both ends (a message received but not yet returned stays for the next receiver).")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](py::object self, py::args) { self.attr("close")(); })
      .def("__repr__", [](const PyChannel& c) {
        return c.channel ? "<mapio.Channel " + c.name + " " + std::to_string(c.channel->capacity()) + " bytes>"
                         : std::string("<mapio.Channel closed>");
      });
}

}  // namespace mapio::python
