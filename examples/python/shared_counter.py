"""Anonymous shared memory between a parent and its children (the seed's last example): each
child adds to a counter in memory they all share across os.fork().

    python3 shared_counter.py [CHILDREN]
"""

import os
import sys

import mapio


def main(children: int) -> None:
    memory = mapio.Memory.anonymous(4096)  # MAP_SHARED | MAP_ANONYMOUS: one memory across fork
    slots = memoryview(memory).cast("Q")
    pids = []
    for i in range(children):
        pid = os.fork()
        if pid == 0:
            slots[i] = (i + 1) * 100  # each child its own slot: no lock needed
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    total = sum(slots[:children])
    print(f"{children} children wrote {list(slots[:children])}, total {total}")
    slots.release()
    memory.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
