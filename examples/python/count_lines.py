"""Count lines like `wc -l`, in C++ with the GIL released, on mapio's read-or-map policy.

    python3 count_lines.py FILE...
"""

import sys

import mapio


def main(paths: list[str]) -> int:
    status = 0
    for path in paths:
        try:
            print(f"{mapio.count_lines(path)} {path}")
        except OSError as e:  # mapio.Error is an OSError: FileNotFoundError, IsADirectoryError, ...
            print(f"count_lines: {e}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
