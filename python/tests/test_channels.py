"""mapio.Channel: a C++ producer (`mapio chan send`) and a Python consumer, a dead peer, poll()."""

import os
import pathlib
import select
import signal
import subprocess
import threading
import time

import pytest

import mapio

# The CLI of the same build: <build>/python is on PYTHONPATH, the program is <build>/bin/mapio.
MAPIO = pathlib.Path(os.environ["PYTHONPATH"].split(os.pathsep)[0]).parent / "bin" / "mapio"


def start_producer(name):
    """`mapio chan send NAME`, fed through its standard input. Under the asan preset the CLI carries
    its own ASan runtime: the one preloaded into this interpreter must not reach it."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    return subprocess.Popen([str(MAPIO), "chan", "send", name], stdin=subprocess.PIPE, text=True, env=env)


@pytest.fixture
def name():
    n = f"/mapio-py-test-{os.getpid()}-{time.monotonic_ns()}"
    yield n
    try:
        mapio.Channel.unlink(n)
    except FileNotFoundError:
        pass


def test_a_cpp_producer_and_a_python_consumer(name):
    with mapio.Channel.create(name, 8192) as channel:
        assert channel.capacity == 8192 and channel.max_message_size == 4080
        lines = [f"line {n} " + "x" * (n * 37 % 500) for n in range(300)]
        producer = start_producer(name)
        def feed():  # more than a pipe holds: written while the consumer receives
            producer.stdin.write("".join(line + "\n" for line in lines))
            producer.stdin.close()
        feeder = threading.Thread(target=feed)
        feeder.start()
        got = [channel.receive(timeout=10).decode() for _ in lines]
        feeder.join()
        assert got == lines
        assert channel.last_sequence == len(lines) - 1
        assert producer.wait(timeout=10) == 0
        # The producer left and the ring is drained: the end, as a pipe's reader sees EOF.
        with pytest.raises(BrokenPipeError) as caught:
            channel.receive(timeout=5)
        assert isinstance(caught.value, mapio.Error) and "peer gone" in str(caught.value)


def test_a_killed_producer_is_broken_pipe_not_a_wait(name):
    with mapio.Channel.create(name, 4096) as channel:
        # `mapio chan send` with no argument reads standard input: it stays attached while it waits.
        producer = start_producer(name)
        producer.stdin.write("first\n")
        producer.stdin.flush()
        assert channel.receive(timeout=10) == b"first"
        killer = threading.Timer(0.2, producer.send_signal, [signal.SIGKILL])
        killer.start()
        start = time.monotonic()
        with pytest.raises(BrokenPipeError):
            channel.receive()  # no timeout: only the peer's death ends this wait
        waited = time.monotonic() - start
        killer.join()
        producer.wait()
        assert 0.15 < waited < 3.0, waited


def test_timeouts_try_variants_and_status(name):
    with mapio.Channel.create(name, 4096) as receiver, mapio.Channel.open(name) as sender:
        assert sender.try_send(b"") == 0
        assert receiver.try_receive() == b""
        assert receiver.try_receive() is None
        start = time.monotonic()
        with pytest.raises(TimeoutError) as caught:
            receiver.receive(timeout=0.2)
        assert 0.15 < time.monotonic() - start < 3.0
        assert caught.value.errno == 110 and caught.value.filename == name
        assert sender.send(bytearray(b"abc")) == 1
        status = receiver.status()
        assert status["used"] > 0 and status["receiver"]["pid"] == os.getpid()
        assert [s["pid"] for s in status["senders"]] == [os.getpid()]
        assert receiver.receive(timeout=1) == b"abc"
        with pytest.raises(mapio.Error) as too_big:
            sender.send(b"x" * (sender.max_message_size + 1))
        assert too_big.value.errno == 90  # EMSGSIZE
        with pytest.raises(ValueError):
            sender.send(b"x", timeout=-1)


def test_the_descriptor_works_with_select_and_reports_a_dead_producer(name):
    with mapio.Channel.create(name, 4096) as channel:
        producer = start_producer(name)
        producer.stdin.write("polled\n")
        producer.stdin.flush()
        readable, _, _ = select.select([channel], [], [], 10)
        assert readable == [channel]
        assert channel.try_receive() == b"polled"
        assert channel.try_receive() is None
        assert select.select([channel], [], [], 0.1)[0] == []
        producer.kill()
        killed = time.monotonic()
        assert select.select([channel], [], [], 5)[0] == [channel]
        assert time.monotonic() - killed < 1.0
        with pytest.raises(BrokenPipeError):
            channel.try_receive()
        producer.wait()


def test_close_and_bad_names(name):
    channel = mapio.Channel.create(name, 4096)
    with pytest.raises(FileExistsError):
        mapio.Channel.create(name, 4096)
    channel.close()
    assert channel.closed and "closed" in repr(channel)
    with pytest.raises(ValueError):
        channel.receive(timeout=0)
    with pytest.raises(ValueError):
        mapio.Channel.open("/a/../b")
    with pytest.raises(FileNotFoundError):
        mapio.Channel.open("/mapio-no-such-channel")


def test_receive_releases_the_gil(name):
    with mapio.Channel.create(name, 4096) as receiver, mapio.Channel.open(name) as sender:
        ticks = []
        def tick():
            for _ in range(10):
                ticks.append(time.monotonic())
                time.sleep(0.01)
            sender.send(b"done")
        worker = threading.Thread(target=tick)
        worker.start()
        assert receiver.receive(timeout=10) == b"done"
        worker.join()
        assert len(ticks) == 10


def test_spin_busy_waits_before_sleeping(name):
    """`spin` makes an empty ring's receiver keep looking (burning its own CPU time) before it sleeps;
    without it the wait costs next to no CPU. Both ends take it, the ones attached later too."""
    with mapio.Channel.create(name, 4096) as receiver, mapio.Channel.open(name) as sender:
        assert receiver.spin == 0.0
        def cpu_of_a_timed_out_wait():
            start = time.thread_time()
            with pytest.raises(TimeoutError):
                receiver.receive(timeout=0.05)
            return time.thread_time() - start
        sleeping = cpu_of_a_timed_out_wait()
        receiver.spin = 0.01
        assert receiver.spin == pytest.approx(0.01)
        spinning = cpu_of_a_timed_out_wait()
        assert spinning > 0.002 and spinning > 3 * sleeping, (spinning, sleeping)
        sender.spin = 20e-6  # set before the sender end is attached: it applies when it is
        assert sender.send(b"after the spin") == 0
        assert receiver.receive(timeout=1) == b"after the spin"
        for bad in (-1e-6, 0.02, float("nan")):
            with pytest.raises(ValueError):
                receiver.spin = bad
        receiver.close()
        with pytest.raises(ValueError):
            receiver.spin = 0
