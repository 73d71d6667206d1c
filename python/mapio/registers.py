"""Register descriptions for Python: a device's registers declared once as data (name, offset,
width, access, fields), bound to any bus (a Window, SimBus or TracingBus), each access made by that
bus's exact-width read/write.

    from mapio.registers import Field, Register, RegisterMap

    STATUS = Register("status", 0x20, 32, "ro", fields=[Field("busy", 0), Field("irq", 7)])
    FACTORIAL = Register("factorial", 0x08, 32, "rw")
    edu = RegisterMap(bar, [STATUS, FACTORIAL])       # checks that each register fits, once
    edu.factorial.write(10)
    edu.status.poll_until(busy=False, timeout=1.0)
    edu.factorial.read()                              # 3628800
    edu.status.write(0)                               # PermissionError (a mapio.Error, EACCES)

The C++ library checks access rights and field ownership at compile time; from Python they are
checked at each call, before the bus is touched.
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass, field as dataclass_field
from typing import Any, Iterable

from ._errors import error_class

__all__ = ["Field", "Register", "RegisterMap", "BoundRegister"]

_ACCESS = {"rw": "read-write", "ro": "read-only", "wo": "write-only"}


def _refuse(number: int, operation: str, subject: str, reason: str) -> Exception:
    strerror = os.strerror(number)
    return error_class(number)(number, strerror, subject,
                               message=f"{operation} {subject}: {strerror} ({errno.errorcode[number]}): {reason}",
                               operation=operation, explanation=reason)


@dataclass(frozen=True)
class Field:
    """`width` bits at bit `shift` of a register; one-bit fields read as bool."""
    name: str
    shift: int
    width: int = 1

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.shift

    def get(self, word: int) -> int | bool:
        raw = (word & self.mask) >> self.shift
        return bool(raw) if self.width == 1 else raw

    def put(self, value: int | bool) -> int:
        raw = int(value)
        if raw < 0 or raw >> self.width:
            raise ValueError(f"field {self.name}: {value!r} does not fit in {self.width} bit(s)")
        return raw << self.shift


@dataclass(frozen=True)
class Register:
    """A register: `width` bits (8, 16, 32, 64) at byte `offset`, access "rw", "ro" or "wo"."""
    name: str
    offset: int
    width: int = 32
    access: str = "rw"
    fields: tuple[Field, ...] = dataclass_field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.width not in (8, 16, 32, 64):
            raise ValueError(f"register {self.name}: width must be 8, 16, 32 or 64, not {self.width}")
        if self.access not in _ACCESS:
            raise ValueError(f"register {self.name}: access must be 'rw', 'ro' or 'wo', not {self.access!r}")
        if self.offset % (self.width // 8):
            raise ValueError(f"register {self.name}: offset {self.offset:#x} is not aligned to {self.width} bits")
        object.__setattr__(self, "fields", tuple(self.fields))
        for f in self.fields:
            if f.width < 1 or f.shift < 0 or f.shift + f.width > self.width:
                raise ValueError(f"register {self.name}: field {f.name} does not lie inside {self.width} bits")

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise ValueError(f"register {self.name} has no field {name!r} (it has: "
                         f"{', '.join(f.name for f in self.fields) or 'none'})")


class BoundRegister:
    """One register of a RegisterMap: read, write, modify and poll it through the map's bus."""

    def __init__(self, bus: Any, register: Register) -> None:
        self._bus = bus
        self.register = register

    def describe(self) -> str:
        return f"{self._bus.name} {self.register.name} ({self.register.offset:#x})"

    def _check(self, operation: str, forbidden: str) -> None:
        if self.register.access == forbidden:
            raise _refuse(errno.EACCES, operation, self.describe(),
                          f"the register is {_ACCESS[forbidden]}")

    def read(self, field: str | None = None) -> int | bool:
        """The whole register, or one field of it (one read of the register's width)."""
        self._check(f"read{self.register.width}", "wo")
        word = self._bus.read(self.register.offset, self.register.width)
        return self.register.field(field).get(word) if field is not None else word

    def write(self, value: int | None = None, /, **fields: int | bool) -> None:
        """Writes `value`, or the given fields with every other bit 0 (one write)."""
        self._check(f"write{self.register.width}", "ro")
        if value is not None and fields:
            raise TypeError("write() takes a value or fields, not both")
        word = value if value is not None else self._compose(fields)
        self._bus.write(self.register.offset, self.register.width, word)

    def modify(self, **fields: int | bool) -> None:
        """Read, replace the given fields, write back (not atomic against the device)."""
        if self.register.access != "rw":
            raise _refuse(errno.EACCES, "modify", self.describe(), f"the register is {_ACCESS[self.register.access]}")
        word = self._bus.read(self.register.offset, self.register.width)
        mask = 0
        for name in fields:
            mask |= self.register.field(name).mask
        self._bus.write(self.register.offset, self.register.width, (word & ~mask) | self._compose(fields))

    def poll_until(self, *, timeout: float, interval: float = 0.0, **fields: int | bool) -> int:
        """Reads until every given field has its value; returns the word. TimeoutError (a
        mapio.Error, ETIMEDOUT) after `timeout` seconds and one more read."""
        self._check(f"read{self.register.width}", "wo")
        mask = 0
        for name in fields:
            mask |= self.register.field(name).mask
        wanted = self._compose(fields)
        deadline = time.monotonic() + timeout
        while True:
            word = self._bus.read(self.register.offset, self.register.width)
            if word & mask == wanted:
                return word
            if time.monotonic() > deadline:
                word = self._bus.read(self.register.offset, self.register.width)
                if word & mask == wanted:
                    return word
                raise _refuse(errno.ETIMEDOUT, "poll", self.describe(),
                              f"still {word:#x} after {timeout:g} s")
            if interval:
                time.sleep(interval)

    def _compose(self, fields: dict[str, int | bool]) -> int:
        word = 0
        for name, value in fields.items():
            word |= self.register.field(name).put(value)
        return word


class RegisterMap:
    """Registers bound to a bus; each is checked to fit the bus once, here. Registers are reached
    as attributes (`regs.status`) or by name (`regs["status"]`)."""

    def __init__(self, bus: Any, registers: Iterable[Register]) -> None:
        self.bus = bus
        self._registers: dict[str, BoundRegister] = {}
        for r in registers:
            if r.offset + r.width // 8 > bus.size:
                raise _refuse(errno.ERANGE, "bind", f"{bus.name} + {r.offset:#x}",
                              f"register {r.name} ({r.width} bits) does not fit in the {bus.size:#x}-byte region")
            self._registers[r.name] = BoundRegister(bus, r)

    def __getitem__(self, name: str) -> BoundRegister:
        try:
            return self._registers[name]
        except KeyError:
            raise KeyError(f"no register {name!r} in this map") from None

    def __getattr__(self, name: str) -> BoundRegister:
        registers = self.__dict__.get("_registers", {})
        if name in registers:
            return registers[name]
        raise AttributeError(f"no register {name!r} in this map")
