# SPDX-License-Identifier: LGPL-2.1-or-later
"""The default stacks and their carrier, the environment variable
MSOCKET_DEFAULTS, in the format libmsocket, the Rust crate, mstack exec
and vustack share::

    MSOCKET_DEFAULTS=*=/dev/net/red,inet6=/dev/net/blue,netlink=

A comma-separated list of FAMILY=PATH entries. FAMILY is a family name
(the lower-case AF_ name without the prefix; any case, "af_"/"pf_" prefix
and "local" accepted) or number below 64, or "*" for every family without
an entry of its own. PATH is an absolute stack file path with "%" and ","
written "%25" and "%2C"; an empty PATH is the native stack. Later entries
replace earlier ones; empty entries are ignored; a value that does not
parse is an error (EINVAL), never a silent fallback to the native stack.
Written values put "*" first, then the families in number order, by name.
"""

import errno
import os

ENV = "MSOCKET_DEFAULTS"

#: Families 0..FAMILIES-1 can have a default stack of their own.
FAMILIES = 64

# The canonical names by family number, as in tools/libmsocket/families.c.
NAMES = (
    None, "unix", "inet", "ax25", "ipx", "appletalk", "netrom", "bridge", "atmpvc", "x25",
    "inet6", "rose", "decnet", "netbeui", "security", "key", "netlink", "packet", "ash",
    "econet", "atmsvc", "rds", "sna", "irda", "pppox", "wanpipe", "llc", "ib", "mpls", "can",
    "tipc", "bluetooth", "iucv", "rxrpc", "isdn", "phonet", "ieee802154", "caif", "alg", "nfc",
    "vsock", "kcm", "qipcrtr", "smc", "xdp", "mctp",
)


class ParseError(ValueError):
    """A value of MSOCKET_DEFAULTS that does not parse."""

    def __init__(self, entry, reason):
        super().__init__('%s: entry "%s": %s' % (ENV, entry, reason))
        self.entry = entry
        self.reason = reason


def family_name(family):
    """The canonical name of *family*, or None."""
    if 0 <= family < len(NAMES):
        return NAMES[family]
    return None


def family_parse(text):
    """The family *text* names (see the module doc), or None."""
    lower = text.lower()
    bare = lower
    if len(lower) > 3 and lower[:3] in ("af_", "pf_"):
        bare = lower[3:]
    if not bare:
        return None
    if bare[0].isdigit():
        if not (bare.isascii() and bare.isdigit()):
            return None
        n = int(bare)
        return n if n < FAMILIES else None
    if bare == "local":
        return 1
    for n, name in enumerate(NAMES):
        if name == bare:
            return n
    return None


def _decode(raw, entry):
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c != 0x25:  # '%'
            out.append(c)
            i += 1
            continue
        hexa = raw[i + 1:i + 3]
        try:
            if len(hexa) != 2 or not all(chr(h) in "0123456789abcdefABCDEF" for h in hexa):
                raise ValueError
            v = int(hexa, 16)
        except ValueError:
            raise ParseError(entry, "bad %-escape") from None
        if v == 0:
            raise ParseError(entry, "%00 in a path")
        out.append(v)
        i += 3
    if not out:
        return None
    if out[0] != 0x2F:
        raise ParseError(entry, "the path is not absolute")
    return os.fsdecode(bytes(out))


def _encode(path):
    out = bytearray()
    for c in os.fsencode(path):
        if c == 0x25:
            out += b"%25"
        elif c == 0x2C:
            out += b"%2C"
        else:
            out.append(c)
    return bytes(out)


class Defaults:
    """A table of default stacks: what MSOCKET_DEFAULTS holds.

    >>> d = Defaults.parse("*=/dev/net/red,inet6=/dev/net/blue")
    >>> d.stack(2), d.stack(10)
    ('/dev/net/red', '/dev/net/blue')
    >>> d.set(2, None); str(d)
    '*=/dev/net/red,inet=,inet6=/dev/net/blue'
    """

    def __init__(self):
        self.all = None  # the stack of families without an entry
        self.family = {}  # family -> path, or None for the native stack

    @classmethod
    def parse(cls, value):
        """Parses a value (str or bytes); raises ParseError."""
        if isinstance(value, str):
            value = os.fsencode(value)
        d = cls()
        for entry in value.split(b","):
            if not entry:
                continue
            shown = entry.decode("utf-8", "replace")
            key, eq, raw = entry.partition(b"=")
            if not eq:
                raise ParseError(shown, "no '='")
            path = _decode(raw, shown)
            if key == b"*":
                d.all = path
                continue
            try:
                family = family_parse(key.decode("ascii"))
            except UnicodeDecodeError:
                family = None
            if not family:
                raise ParseError(shown, "unknown address family")
            d.family[family] = path
        return d

    @classmethod
    def from_env(cls, environ=None):
        """The defaults of *environ* (default: os.environ)."""
        value = (os.environ if environ is None else environ).get(ENV)
        return cls() if value is None else cls.parse(value)

    def is_empty(self):
        """Whether every family uses the native stack."""
        return self.all is None and all(p is None for p in self.family.values())

    def stack(self, family):
        """The default stack path of *family*; None for the native stack."""
        if family in self.family:
            return self.family[family]
        return self.all

    def set(self, family, path):
        """Sets *family*'s default (AF_UNSPEC, 0: every family's, replacing
        all entries) to the absolute *path*, or to the native stack for
        None. EAFNOSUPPORT outside 0..63, EINVAL for a relative path."""
        if not 0 <= family < FAMILIES:
            raise OSError(errno.EAFNOSUPPORT, os.strerror(errno.EAFNOSUPPORT))
        if path is not None:
            path = os.fsdecode(path)
            if not path.startswith("/") or "\0" in path:
                raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), path)
        if family == 0:
            self.family.clear()
            self.all = path
        elif path is None and self.all is None:
            self.family.pop(family, None)
        else:
            self.family[family] = path

    def to_bytes(self):
        out = []
        if self.all is not None:
            out.append(b"*=" + _encode(self.all))
        for family in sorted(self.family):
            name = family_name(family) or str(family)
            path = self.family[family]
            out.append(name.encode() + b"=" + (_encode(path) if path is not None else b""))
        return b",".join(out)

    def __str__(self):
        return os.fsdecode(self.to_bytes())

    def __eq__(self, other):
        return isinstance(other, Defaults) and (self.all, self.family) == (other.all, other.family)

    def __repr__(self):
        return "Defaults(%r)" % str(self)

    def export(self, environ=None):
        """Writes these defaults to *environ* (default: os.environ, which
        Python passes on to the C library's environment with putenv, and so
        to libmsocket and to child processes); removes the variable when
        there are none."""
        environ = os.environ if environ is None else environ
        if self.is_empty():
            environ.pop(ENV, None)
        else:
            environ[ENV] = str(self)
