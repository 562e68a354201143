#!/usr/bin/env python3
"""A seeded, time-bounded mutation fuzzer for the offline `vaultform validate` command.

Usage:
    scripts/fuzz-validate.py [--seconds N] [--seed S] [--timeout T] [--max-runs M]
                             [--bin PATH] [--keep DIR]

Each run takes one seed case from the repository's fixtures (fixtures/basic, fixtures/render,
fixtures/invalid-hcl, every fixtures/invalid/*.toml with its policies/, and the root vault.toml
with policies/ and .env.example as .env), writes it to a fresh temporary directory, applies 1-4
mutations to ONE of its files (the manifest, one policy file, or the .env file) and runs

    vaultform validate -f vault.toml

in that directory with a clean environment (NO_COLOR=1, HOME=<temp dir>,
VAULT_ADDR=http://127.0.0.1:9, no other VAULT_* or VAULTFORM_* variable). validate makes no
network requests.

Mutations: bit/byte flips; inserted bytes (control characters, NUL, CR, invalid UTF-8 such as
\\xff\\xfe, lone surrogates, BOMs, bidi overrides); deleted and duplicated spans; very long runs
(65,535-200,000 characters of one character or of a repeated line, or as padding before a value,
so that diagnostics point past column 65,535); lines spliced from another corpus file; string
values and table names replaced by hostile names (`..`, `a/../../sys/mounts/x`, `%2e%2e`, `a//b`,
U+2215, U+FF0E, `a b`, case-folding traps such as U+0130 and U+212A, ...); `env_file`,
`file =` and `[policies] dir` targets (or the file itself, or the `-f` argument) replaced by
/dev/zero, /dev/urandom, a FIFO, a directory, symbolic links, a file over the size limits
(9 MiB) or exactly at one; truncation; swapped TOML section headers; unbalanced quotes in .env
lines; quoted keys with a newline escape; hostile policy file names (including invalid UTF-8).

Every run is classified by its outcome:
    ok        exit 0
    invalid   exit 1 (a diagnostic, as expected for most mutated inputs)
    panic     exit 101, or stderr contains "panicked at"
    crash     killed by a signal
    hang      did not finish within --timeout (its whole process group is killed)
    exit-N    any other exit code (reported, not a failure by itself)
    skipped   the mutated case could not be written to disk (not run; counted to keep run numbers)
and additionally flagged "big-output" when stderr exceeds 64 KiB (an over-long echo; a child
that writes more than 64 MiB is stopped by RLIMIT_FSIZE and counts as big-output too). Two extra
flags are reported but are not failures: "leak" when stderr contains a secret value from the
.env file or a `{ file = ... }` source that the manifest and policies do not themselves contain,
and "raw-control" when stderr holds control bytes other than TAB and LF (input echoed raw to a
terminal).

Every flagged input is saved (at most 3 per signature -- the panic location, the signal, or the
commonest diagnostic code -- and 60 per invocation) under --keep as
<dir>/seed<S>-run<N>-<flags>/ with input/ (the case directory, FIFOs and symbolic links
included), stdout.txt, stderr.txt (first MiB) and a README.md saying how to reproduce it.

The run is deterministic for a given seed: run N always gets the same input (random.Random(seed)
draws a sub-seed for every run). It ends after --seconds (default 60) or --max-runs runs,
prints a summary, and exits 1 if any panic, crash, hang or big-output was found (0 otherwise,
2 on a usage or setup error).

The binary is copied to a temporary directory first, so the tree can be rebuilt meanwhile.
Python 3 standard library only.
"""

import argparse
import hashlib
import os
import random
import re
import resource
import shutil
import signal
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIG_OUTPUT = 64 * 1024
SAVED_STDERR = 1 << 20
OUTPUT_FILE_CAP = 64 << 20  # RLIMIT_FSIZE for the child: a runaway writer gets SIGXFSZ
MAX_SAVED_PER_SIGNATURE = 3
MAX_SAVED_TOTAL = 60
MIB = 1 << 20

# --------------------------------------------------------------------------------------------
# Seed corpus
# --------------------------------------------------------------------------------------------


def _read_dir_files(base: Path, rel: str) -> dict:
    out = {}
    d = base / rel
    if d.is_dir():
        for p in sorted(d.iterdir()):
            if p.is_file():
                out[f"{rel}/{p.name}"] = p.read_bytes()
    return out


def load_corpus(repo: Path) -> list:
    """A list of (name, {relative path: bytes}); the manifest is always vault.toml."""
    seeds = []
    fx = repo / "fixtures"
    for name in ("basic", "render", "invalid-hcl"):
        d = fx / name
        if (d / "vault.toml").is_file():
            files = {"vault.toml": (d / "vault.toml").read_bytes()}
            if (d / ".env").is_file():
                files[".env"] = (d / ".env").read_bytes()
            files.update(_read_dir_files(d, "policies"))
            seeds.append((name, files))
    inv = fx / "invalid"
    if inv.is_dir():
        pol = _read_dir_files(inv, "policies")
        for t in sorted(inv.glob("*.toml")):
            files = {"vault.toml": t.read_bytes()}
            files.update(pol)
            seeds.append((f"invalid/{t.name}", files))
    if (repo / "vault.toml").is_file():
        files = {"vault.toml": (repo / "vault.toml").read_bytes()}
        if (repo / ".env.example").is_file():
            files[".env"] = (repo / ".env.example").read_bytes()
        files.update(_read_dir_files(repo, "policies"))
        seeds.append(("root", files))
    return seeds


# --------------------------------------------------------------------------------------------
# A case: the files of one run, plus special files (FIFOs, directories, links, big files)
# --------------------------------------------------------------------------------------------


class Case:
    def __init__(self, seed_name, files, all_texts):
        self.seed_name = seed_name
        self.files = dict(files)  # relative path (str, surrogateescape) -> bytes
        self.specials = {}  # relative path -> ("fifo",) | ("dir",) | ("symlink", target) | ("big", size, kind)
        self.manifest_arg = "vault.toml"
        self.log = []
        self.all_texts = all_texts  # every corpus file, for splicing
        self.canary = None

    def special_path(self, rng) -> str:
        """A path to something that is not a small regular text file; creates it if needed."""
        kind = rng.choice([
            "/dev/zero", "/dev/urandom", "/dev/null", "/dev/full", "/dev/stdin", "/proc/self/environ",
            "fifo", "fifo", "dir", "dir", "big", "big", "big-limit", "zero-link", "fifo-link",
            "loop-link", "dangling-link", "missing", "empty-name", ".", "secret", "secret",
            "trailing-slash", "policies",
        ])
        if kind.startswith("/"):
            return kind
        if kind == "fifo":
            self.specials["fuzz.fifo"] = ("fifo",)
            return rng.choice(["fuzz.fifo", "./fuzz.fifo"])
        if kind == "dir":
            self.specials["fuzz-dir"] = ("dir",)
            return rng.choice(["fuzz-dir", "fuzz-dir/", "fuzz-dir/.."])
        if kind == "big":
            self.specials["big.bin"] = ("big", 9 * MIB, rng.choice(["A", "lines", "one-line", "utf8"]))
            return "big.bin"
        if kind == "big-limit":
            size = rng.choice([MIB, MIB + 1, 8 * MIB, 8 * MIB + 1, 64 * 1024, 64 * 1024 + 1])
            self.specials["limit.bin"] = ("big", size, rng.choice(["A", "lines"]))
            return "limit.bin"
        if kind == "zero-link":
            self.specials["zero-link"] = ("symlink", "/dev/zero")
            return "zero-link"
        if kind == "fifo-link":
            self.specials["fuzz.fifo"] = ("fifo",)
            self.specials["fifo-link"] = ("symlink", "fuzz.fifo")
            return "fifo-link"
        if kind == "loop-link":
            self.specials["loop-link"] = ("symlink", "loop-link")
            return "loop-link"
        if kind == "dangling-link":
            self.specials["dangling-link"] = ("symlink", "does-not-exist")
            return "dangling-link"
        if kind == "missing":
            return "missing/nowhere.txt"
        if kind == "empty-name":
            return ""
        if kind == "secret":
            self.canary = self.canary or "vf-fuzz-canary-%016x" % rng.getrandbits(64)
            self.files["secret.txt"] = (self.canary + "\n").encode()
            return "secret.txt"
        if kind == "trailing-slash":
            self.canary = self.canary or "vf-fuzz-canary-%016x" % rng.getrandbits(64)
            self.files["secret.txt"] = (self.canary + "\n").encode()
            return "secret.txt/"
        return kind  # ".", "policies"

    def materialize(self, root: Path):
        root.mkdir(parents=True)
        for rel, data in self.files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        for rel, spec in self.specials.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if p.is_symlink() or p.is_file():
                p.unlink()
            elif p.is_dir():
                shutil.rmtree(p)
            if spec[0] == "fifo":
                os.mkfifo(p)
            elif spec[0] == "dir":
                p.mkdir()
                (p / "inner.hcl").write_bytes(b'path "x" { capabilities = ["read"] }\n')
            elif spec[0] == "symlink":
                os.symlink(spec[1], p)
            elif spec[0] == "big":
                _, size, kind = spec
                unit = {"A": b"A" * 4096, "lines": b"FUZZ_KEY=fuzz-value\n", "one-line": b"k" * 4096,
                        "utf8": "\u00e9\u2215".encode() * 512}[kind]
                with open(p, "wb") as f:
                    left = size
                    block = unit * max(1, (1 << 16) // len(unit))
                    while left > 0:
                        chunk = block[:left]
                        f.write(chunk)
                        left -= len(chunk)


# --------------------------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------------------------

NASTY = [
    b"\x00", b"\r", b"\r\n", b"\n", b"\t", b"\x0b", b"\x0c", b"\x08", b"\x1b[31m", b"\x7f",
    b"\xff\xfe", b"\xfe\xff", b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xef\xbb\xbf",
    b"\xc0\xaf", b"\xf4\x90\x80\x80", "\u2028".encode(), "\u202e".encode(), "\u0301".encode(),
    "\U0001f600".encode(), "\u0130".encode(), b"\\", b'"', b"'", b'"""', b"'''", b"[", b"]", b"[[",
    b"{", b"}", b"=", b"#", b"$", b"${", b"\\u0000", b"\\uD800", b"\\x", b"\\", b"export ",
    b"%{", b"<<EOF\n", b"/*", b"*/", b"//", b",", b".", b"-", b"+inf", b"nan", b"1979-05-27T07:32:00Z",
    b"0x7fffffffffffffff", b"99999999999999999999", b"-1",
]

HOSTILE = [
    "..", ".", "", "/", "//", "a/../../sys/mounts/x", "secret/../sys", "%2e%2e", "%2e%2e/sys",
    "a%2fb", "a//b", "a/", "/a", "a/./b", "a\u2215b", "\uff0e\uff0e", "\uff0e", "a\uff0fb", "a b",
    " a", "a ", "a\tb", "a\nb", "a\x00b", "a\rb", "A", "\u0130", "A\u0130/b", "\u212a", "\u01c5",
    "\u1e9e", "\u00df", "\ufb03", "\u202e", "\u200b", "\u00e9", "e\u0301", "\U0001f600", "sys",
    "sys/", "auth/token", "cubbyhole", "identity", "secret/data/x", "?", "a?b=c", "#", "a#b",
    "a\\b", "*", "+", "~", "-", "--", "_", "a" * 300, "a/" * 100, "...", "a\u0000", "\ufeffa",
    "a\x1b[2Jb", "x" * 70000,
]


def toml_escape(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def hostile_literal(rng) -> bytes:
    name = rng.choice(HOSTILE)
    if rng.random() < 0.8:
        return toml_escape(name).encode("utf-8", "surrogatepass")
    return name.encode("utf-8", "surrogatepass")


def span(rng, n, biggest=256):
    if n == 0:
        return 0, 0
    start = rng.randrange(n)
    if rng.random() < 0.1:
        biggest = n
    length = rng.randint(1, max(1, min(biggest, n - start)))
    return start, start + length


def lines_of(data: bytes):
    return data.splitlines(keepends=True)


def m_flip(rng, data, case, kind):
    if not data:
        return b"\xff", "flip(empty->\\xff)"
    b = bytearray(data)
    n = rng.randint(1, 8)
    for _ in range(n):
        i = rng.randrange(len(b))
        if rng.random() < 0.5:
            b[i] ^= 1 << rng.randrange(8)
        else:
            b[i] = rng.randrange(256)
    return bytes(b), f"flip x{n}"


def m_insert(rng, data, case, kind):
    pos = rng.randint(0, len(data))
    if rng.random() < 0.3:
        ins = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    else:
        ins = b"".join(rng.choice(NASTY) for _ in range(rng.randint(1, 4)))
    return data[:pos] + ins + data[pos:], f"insert {ins[:40]!r} at {pos}"


def m_delete(rng, data, case, kind):
    a, b = span(rng, len(data))
    return data[:a] + data[b:], f"delete [{a}:{b}]"


def m_duplicate(rng, data, case, kind):
    a, b = span(rng, len(data))
    times = rng.choice([1, 1, 2, 10, 500])
    pos = rng.choice([b, rng.randint(0, len(data))])
    return data[:pos] + data[a:b] * times + data[pos:], f"duplicate [{a}:{b}] x{times} at {pos}"


def m_long(rng, data, case, kind):
    n = rng.choice([65535, 65536, 65537, 70000, 70000, 131072, 200000])
    how = rng.choice(["run", "run", "line", "lines", "pad-value", "pad-line", "long-string"])
    ls = lines_of(data) or [b"x\n"]
    if how == "run":
        ch = rng.choice(["a", " ", '"', "#", "\t", "\u00e9", "\\", "[", "=", "\n", "\x00", "\u2215", "'"])
        ins = (ch * n).encode()
        pos = rng.randint(0, len(data))
        return data[:pos] + ins + data[pos:], f"long run {ch!r} x{n} at {pos}"
    if how in ("line", "lines"):
        line = rng.choice(ls).rstrip(b"\r\n") or b"x"
        if how == "line":  # one line of n characters made of a repeated line
            ins = (line * (n // len(line) + 1))[:n] + b"\n"
        else:  # the line repeated on many lines until n characters
            ins = (line + b"\n") * (n // (len(line) + 1) + 1)
        i = rng.randint(0, len(ls))
        return b"".join(ls[:i]) + ins + b"".join(ls[i:]), f"long {how} {line[:30]!r} ~{n} chars before line {i + 1}"
    if how == "pad-value":  # the value of a `key = value` line starts past column n
        idx = [i for i, l in enumerate(ls) if b"=" in l]
        if not idx:
            return data + b"x =" + b" " * n + b"?\n", f"pad-value (appended) {n}"
        i = rng.choice(idx)
        k = ls[i].index(b"=")
        ls[i] = ls[i][: k + 1] + b" " * n + ls[i][k + 1:]
        return b"".join(ls), f"pad value of line {i + 1} by {n} spaces"
    if how == "pad-line":
        i = rng.randrange(len(ls))
        ls[i] = rng.choice([b" ", b"\t"]) * n + ls[i]
        return b"".join(ls), f"pad line {i + 1} by {n}"
    # long-string: a quoted value of n characters, sometimes with a fault at its end
    ms = list(re.finditer(rb'"[^"\n]*"', data))
    tail = rng.choice([b"", b"", b"\\q", b"\x00", b"\xff", b"/.."])
    if not ms:
        return data + b'\nk = "' + b"v" * n + tail + b'"\n', f"long-string appended {n}"
    m = rng.choice(ms)
    return data[: m.start()] + b'"' + b"v" * n + tail + b'"' + data[m.end():], f"long-string {n} tail {tail!r} at {m.start()}"


def m_splice(rng, data, case, kind):
    src = rng.choice(case.all_texts)
    sl = lines_of(src)
    if not sl:
        return data, "splice(nothing)"
    a = rng.randrange(len(sl))
    b = min(len(sl), a + rng.randint(1, 10))
    ls = lines_of(data)
    i = rng.randint(0, len(ls))
    if ls and i > 0 and not ls[i - 1].endswith(b"\n"):
        ls[i - 1] += b"\n"
    return b"".join(ls[:i] + sl[a:b] + ls[i:]), f"splice lines {a + 1}-{b} of another file at line {i + 1}"


def m_hostile(rng, data, case, kind):
    lit = hostile_literal(rng)
    if kind == "env":
        ls = lines_of(data)
        idx = [i for i, l in enumerate(ls) if b"=" in l and not l.lstrip().startswith(b"#")]
        if not idx:
            return data + lit + b"=" + lit + b"\n", f"env hostile line {lit[:40]!r}"
        i = rng.choice(idx)
        k, _, v = ls[i].partition(b"=")
        if rng.random() < 0.5:
            ls[i] = lit + b"=" + v
            return b"".join(ls), f"env key of line {i + 1} -> {lit[:40]!r}"
        ls[i] = k + b"=" + lit + b"\n"
        return b"".join(ls), f"env value of line {i + 1} -> {lit[:40]!r}"
    if kind == "manifest" and rng.random() < 0.4:
        # a table-name component: [approles.web] -> [approles."<hostile>"]
        hs = list(re.finditer(rb"(?m)^[ \t]*\[([^\]\n]+)\][ \t]*(#.*)?$", data))
        if hs:
            h = rng.choice(hs)
            parts = re.findall(rb'"[^"]*"|[A-Za-z0-9_-]+', h.group(1))
            if parts:
                j = rng.randrange(len(parts))
                parts[j] = b'"' + lit + b'"'
                new = b"[" + b".".join(parts) + b"]"
                return data[: h.start(1) - 1] + new + data[h.end(1) + 1:], f"table header {h.group(1)[:40]!r} part {j} -> {lit[:40]!r}"
    ms = list(re.finditer(rb'"((?:[^"\\\n]|\\.)*)"', data))
    if not ms:
        return data + b'\n"' + lit + b'" = "x"\n', f"hostile appended {lit[:40]!r}"
    m = rng.choice(ms)
    return data[: m.start(1)] + lit + data[m.end(1):], f"string {m.group(1)[:40]!r} -> {lit[:40]!r}"


def m_source_target(rng, data, case, kind):
    """Manifest: env_file / file = / [policies] dir targets -> special files (or -f itself)."""
    target = case.special_path(rng)
    t = toml_escape(target).encode()
    r = rng.random()
    if r < 0.05:
        case.manifest_arg = target
        return data, f"-f {target!r}"
    ms = [m for p in (rb'(env_file\s*=\s*)"[^"\n]*"', rb'(\bfile\s*=\s*)"[^"\n]*"', rb'(\bdir\s*=\s*)"[^"\n]*"')
          for m in re.finditer(p, data)]
    if ms and r < 0.7:
        m = rng.choice(ms)
        return data[: m.start()] + m.group(1) + b'"' + t + b'"' + data[m.end():], f"{m.group(1).strip()!r} -> {target!r}"
    if rng.random() < 0.5 and not re.search(rb"(?m)^\s*env_file\s*=", data):
        return b'env_file = "' + t + b'"\n' + data, f"added env_file = {target!r}"
    return data + (b'\n[mounts.fuzzkv]\ntype = "kv"\noptions = { version = "2" }\n\n[secrets."fuzzkv/app"]\n'
                   b'FUZZ_FILE = { file = "' + t + b'" }\n'), f"added {{ file = {target!r} }}"


def m_replace_file(rng, data, case, kind, rel=None):
    """Policy or .env: the file itself becomes a FIFO, directory, link or big file."""
    what = rng.choice(["fifo", "dir", "zero-link", "urandom-link", "loop-link", "big", "limit"])
    if what == "fifo":
        case.specials[rel] = ("fifo",)
    elif what == "dir":
        case.specials[rel] = ("dir",)
    elif what == "zero-link":
        case.specials[rel] = ("symlink", "/dev/zero")
    elif what == "urandom-link":
        case.specials[rel] = ("symlink", "/dev/urandom")
    elif what == "loop-link":
        case.specials[rel] = ("symlink", os.path.basename(rel))
    elif what == "big":
        case.specials[rel] = ("big", 9 * MIB, rng.choice(["A", "lines", "one-line", "utf8"]))
    else:
        case.specials[rel] = ("big", rng.choice([MIB, MIB + 1, 8 * MIB, 8 * MIB + 1]), rng.choice(["A", "lines"]))
    return None, f"{rel} -> {case.specials[rel]}"


def m_truncate(rng, data, case, kind):
    n = rng.randint(0, len(data))
    return data[:n], f"truncate at {n}"


def m_swap(rng, data, case, kind):
    ls = lines_of(data)
    if kind == "manifest":
        idx = [i for i, l in enumerate(ls) if re.match(rb"^\s*\[", l)]
    else:
        idx = list(range(len(ls)))
    if len(idx) < 2:
        return data, "swap(nothing)"
    i, j = rng.sample(idx, 2)
    ls[i], ls[j] = ls[j], ls[i]
    return b"".join(ls), f"swap lines {i + 1} and {j + 1}"


def m_quote(rng, data, case, kind):
    q = rng.choice([b'"', b"'", b"`", b'\\"', b"\\'"])
    ls = lines_of(data)
    if not ls:
        return q, f"quote {q!r} only"
    i = rng.randrange(len(ls))
    line = ls[i]
    if b"=" in line and rng.random() < 0.6:
        k = line.index(b"=") + 1
        pos = rng.choice([k, k, len(line.rstrip(b"\r\n")), rng.randint(k, len(line))])
    else:
        pos = rng.randint(0, len(line))
    ls[i] = line[:pos] + q + line[pos:]
    return b"".join(ls), f"unbalanced {q!r} in line {i + 1} at col {pos + 1}"


def m_newline_key(rng, data, case, kind):
    esc = rng.choice([b"\\n", b"\\r\\n", b"\\u000a", b"\\u0000", b"\\t"])
    if kind == "env":
        ins = rng.choice([b'"A' + esc + b'B"=x\n', b'A="x' + esc + b'y\n', b"A='x" + esc + b"y\n",
                          b'A="x\ny"\n', b"A='x\ny\n", b'"A\nB"=x\n', b"A=\"x\\\"\n"])
    elif kind == "policy":
        ins = b'path "a' + esc + b'b" {\n  capabilities = ["read"]\n}\n'
    else:
        ins = rng.choice([b'"a' + esc + b'b" = "x"\n', b'[secrets."secret/a' + esc + b'b"]\nK = "v"\n',
                          b'[approles."x' + esc + b'y"]\ntoken_ttl = "1h"\n', b"'a\\nb' = 'x'\n"])
    ls = lines_of(data)
    i = rng.randint(0, len(ls))
    if ls and i > 0 and not ls[i - 1].endswith(b"\n"):
        ls[i - 1] += b"\n"
    return b"".join(ls[:i] + [ins] + ls[i:]), f"newline-escape key {ins[:50]!r} at line {i + 1}"


def m_policy_name(rng, data, case, kind, rel=None):
    """Rename the policy file to a hostile name, or add a special file beside it."""
    name = rng.choice(["..", ".", "", "A", "a b", "a\u2215b", "\uff0e\uff0e", "\u0130", "\u212a", "-",
                       "a\nb", "a\rb", "\x1b[2J", "\ufeffa", "x" * 251, os.fsdecode(b"\xff\xfe"),
                       os.fsdecode(b"a\xc3"), "sys", "root", "default", "web-policy"])
    ext = rng.choice([".hcl", ".hcl", ".HCL", ".hcl.bak", ".hcl~", ""])
    if name + ext in ("", ".", ".."):
        ext = ".hcl"
    while len(os.fsencode(name + ext)) > 255:  # NAME_MAX: the longest name a file can have
        name = name[:-1]
    new = "policies/" + name + ext
    if rng.random() < 0.6:
        case.files.pop(rel, None)
        case.files[new] = data
        return None, f"rename {rel!r} -> {new!r}"
    sp = rng.choice([("fifo",), ("dir",), ("symlink", "/dev/zero"), ("symlink", "../vault.toml"),
                     ("big", 9 * MIB, "A")])
    case.specials[new] = sp
    return None, f"added {new!r} as {sp}"


COMMON = [m_flip, m_insert, m_delete, m_duplicate, m_long, m_splice, m_hostile, m_truncate, m_swap,
          m_quote, m_newline_key]
MUTATORS = {
    "manifest": COMMON + [m_source_target, m_source_target, m_hostile],
    "policy": COMMON + [m_replace_file, m_policy_name],
    "env": COMMON + [m_replace_file, m_quote, m_newline_key],
}


def make_case(rng, seeds, all_texts) -> Case:
    name, files = rng.choice(seeds)
    case = Case(name, files, all_texts)
    kind = rng.choice(["manifest", "policy", "env"])
    if kind == "policy":
        pols = sorted(k for k in case.files if k.startswith("policies/"))
        if not pols:
            kind = "manifest"
        else:
            rel = rng.choice(pols)
    if kind == "env":
        rel = ".env"
        if rel not in case.files:  # give this seed an env file from another seed
            donors = [f[".env"] for _, f in seeds if ".env" in f]
            case.files[".env"] = rng.choice(donors)
            m = case.files["vault.toml"]
            if not re.search(rb"(?m)^\s*env_file\s*=", m):
                case.files["vault.toml"] = b'env_file = ".env"\n' + m
            case.log.append("gave the seed an .env file")
    if kind == "manifest":
        rel = "vault.toml"
    case.log.append(f"seed {name}, target {kind} {rel!r}")
    for _ in range(rng.randint(1, 4)):
        if rel not in case.files:  # replaced by a special file or renamed: nothing left to edit
            break
        mut = rng.choice(MUTATORS[kind])
        data, desc = mut(rng, case.files[rel], case, kind, rel=rel) if mut in (m_replace_file, m_policy_name) \
            else mut(rng, case.files[rel], case, kind)
        if data is not None:
            case.files[rel] = data
        elif rel in case.specials:
            case.files.pop(rel, None)
        case.log.append(f"{mut.__name__}: {desc}")
    return case


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def child_env(home: Path) -> dict:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1", "HOME": str(home),
           "VAULT_ADDR": "http://127.0.0.1:9"}
    for k in ("LANG", "LC_ALL", "TMPDIR"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def _limit_output():
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_FILE_CAP, OUTPUT_FILE_CAP))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_case(binary: Path, case_dir: Path, arg: str, env: dict, timeout: float, out_dir: Path):
    """Returns (status, wall seconds, stdout path, stderr path, max RSS KiB).

    status: ("exit", code) | ("signal", signum) | ("hang", None)."""
    so, se = out_dir / "stdout", out_dir / "stderr"
    with open(so, "wb") as fo, open(se, "wb") as fe:
        t0 = time.monotonic()
        p = subprocess.Popen([str(binary), "validate", "-f", arg], cwd=case_dir, env=env,
                             stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, start_new_session=True,
                             preexec_fn=_limit_output)
        deadline = t0 + timeout
        delay = 0.001
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() >= deadline:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status, ru = os.wait4(p.pid, 0)
                p.returncode = -9
                return ("hang", None), time.monotonic() - t0, so, se, ru.ru_maxrss
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
        wall = time.monotonic() - t0
    if os.WIFSIGNALED(status):
        p.returncode = -os.WTERMSIG(status)
        return ("signal", os.WTERMSIG(status)), wall, so, se, ru.ru_maxrss
    p.returncode = os.WEXITSTATUS(status)
    return ("exit", os.WEXITSTATUS(status)), wall, so, se, ru.ru_maxrss


def head(path: Path, n: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


PANIC_RE = re.compile(rb"panicked at ([^\n]*?:\d+:\d+)")
CODE_RE = re.compile(rb"Error: (vaultform::[a-z_:]+)")
# Control bytes other than \t and \n in stderr: input echoed raw (NO_COLOR=1 means no escapes of its own).
RAW_CONTROL_RE = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")
FAILING = ("panic", "crash", "hang", "big-output")


def signature(mark: str, status, sh: bytes) -> str:
    """What makes two findings the same: the panic location, the signal, or the commonest diagnostic code."""
    if mark == "panic":
        m = PANIC_RE.search(sh)
        return "panic at " + (m.group(1).decode(errors="replace") if m else f"? (exit {status[1]})")
    if mark == "crash":
        return f"crash: signal {status[1]}"
    codes = CODE_RE.findall(sh)
    top = max(set(codes), key=codes.count).decode() if codes else "no diagnostic"
    return f"{mark}: {top}"


def classify(status, stderr_head: bytes, stderr_size: int):
    kind, val = status
    if kind == "hang":
        return "hang"
    if kind == "signal":
        return "big-output" if val == signal.SIGXFSZ else "crash"
    if val == 101 or b"panicked at" in stderr_head:
        return "panic"
    if val == 0:
        return "ok"
    if val == 1:
        return "invalid"
    return f"exit-{val}"


def secrets_of(case: Case):
    """Secret values this case holds outside the manifest and policies (for the leak check)."""
    vals = []
    # When -f names the secret file itself, showing its text is what a manifest error does.
    if case.canary and os.path.normpath(case.manifest_arg or ".") != "secret.txt":
        vals.append(case.canary.encode())
    env = case.files.get(".env", b"")
    visible = b"".join(v for k, v in case.files.items() if k != ".env" and k != "secret.txt")
    for line in env.splitlines():
        if line.lstrip().startswith(b"#") or b"=" not in line:
            continue
        v = line.split(b"=", 1)[1].strip().strip(b"\"'")
        if len(v) >= 10 and v not in visible:
            vals.append(v)
    return vals


def copy_tree(src: Path, dst: Path):
    def copy(s, d):
        if stat.S_ISFIFO(os.lstat(s).st_mode):
            os.mkfifo(d)
        else:
            shutil.copy2(s, d)
    shutil.copytree(src, dst, symlinks=True, copy_function=copy)


def save_finding(keep: Path, seed: int, run: int, cls: str, case: Case, case_dir: Path, so: Path, se: Path,
                 status, wall, stderr_size, run_seed, binary_orig: Path, sig: str, note: str = ""):
    d = keep / f"seed{seed}-run{run}-{cls}"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    copy_tree(case_dir, d / "input")
    shutil.copy2(so, d / "stdout.txt")
    (d / "stderr.txt").write_bytes(head(se, SAVED_STDERR))
    arg = case.manifest_arg
    readme = f"""# vaultform validate fuzz finding: {cls}

- seed {seed}, run {run} (sub-seed {run_seed}); seed case `{case.seed_name}`
- signature: {sig}
- outcome: {status[0]} {status[1]}, wall {wall:.3f} s, stderr {stderr_size} bytes (stderr.txt holds the first MiB)
{"- " + note if note else ""}

Mutations:

""" + "".join(f"- {m}\n" for m in case.log) + f"""
Reproduce (input/ holds the case; FIFOs and symbolic links are kept as such):

```sh
cd {d}/input
env -i PATH=/usr/bin:/bin NO_COLOR=1 HOME=$(mktemp -d) VAULT_ADDR=http://127.0.0.1:9 RUST_BACKTRACE=1 \\
    timeout 10 {binary_orig} validate -f {shell_quote(arg)}; echo "exit $?"
```

or regenerate the same input: `scripts/fuzz-validate.py --seed {seed} --max-runs {run} --seconds 100000`
(the last run of that command is this one).
"""
    (d / "README.md").write_text(readme, errors="surrogateescape")
    return d


def shell_quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Seeded, time-bounded mutation fuzzer for `vaultform validate`.")
    ap.add_argument("--seconds", type=float, default=60, help="total time budget (default 60)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--timeout", type=float, default=10, help="per-run timeout in seconds (default 10)")
    ap.add_argument("--max-runs", type=int, default=0, help="stop after this many runs (default: no limit)")
    ap.add_argument("--bin", type=Path, default=REPO / "target/debug/vaultform",
                    help="the vaultform binary (default target/debug/vaultform); it is copied first")
    default_keep = REPO / (".tools/fuzz-findings" if _ignored(".tools") else "target/fuzz-findings")
    ap.add_argument("--keep", type=Path, default=default_keep,
                    help=f"where to save failing inputs (default {default_keep.relative_to(REPO)})")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    a = ap.parse_args(argv)

    if not a.bin.is_file():
        print(f"fuzz-validate: no binary at {a.bin} (build it first)", file=sys.stderr)
        return 2
    seeds = load_corpus(REPO)
    if not seeds:
        print("fuzz-validate: no seed corpus found under fixtures/", file=sys.stderr)
        return 2
    all_texts = [data for _, files in seeds for data in files.values()]

    master = random.Random(a.seed)
    tmp = Path(tempfile.mkdtemp(prefix="vf-fuzz-"))
    bin_id = "?"
    counts, flags = {}, {"big-output": 0, "leak": 0, "raw-control": 0}
    walls, max_stderr, max_rss, max_wall_run = [], 0, 0, None
    findings, per_sig = [], {}
    failed = False
    runs = 0
    t_start = time.monotonic()
    last_progress = t_start
    try:
        binary = tmp / "vaultform"
        shutil.copy2(a.bin.resolve(), binary)
        h = hashlib.sha256()
        with open(binary, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        bin_id = "sha256 %s, built %s" % (h.hexdigest()[:16],
                                          time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(binary.stat().st_mtime)))
        home = tmp / "home"
        home.mkdir()
        env = child_env(home)
        out_dir = tmp / "out"
        out_dir.mkdir()
        budget_start = time.monotonic()
        while time.monotonic() - budget_start < a.seconds and (a.max_runs <= 0 or runs < a.max_runs):
            runs += 1
            run_seed = master.getrandbits(64)
            case = make_case(random.Random(run_seed), seeds, all_texts)
            case_dir = tmp / "case"
            if case_dir.exists():
                shutil.rmtree(case_dir)
            try:
                case.materialize(case_dir)
            except OSError as e:  # an input the file system cannot hold: not a run
                counts["skipped"] = counts.get("skipped", 0) + 1
                if not a.quiet:
                    print(f"[run {runs}] skipped, cannot write the case: {e}", file=sys.stderr, flush=True)
                continue
            status, wall, so, se, rss = run_case(binary, case_dir, case.manifest_arg, env, a.timeout, out_dir)
            size = se.stat().st_size
            sh = head(se, 4 * MIB)
            cls = classify(status, sh, size)
            counts[cls] = counts.get(cls, 0) + 1
            walls.append(wall)
            if max_wall_run is None or wall > max_wall_run[0]:
                max_wall_run = (wall, runs, case.log[:])
            max_stderr = max(max_stderr, size)
            max_rss = max(max_rss, rss)
            marks = [cls] if cls in FAILING else []
            if size > BIG_OUTPUT or cls == "big-output":
                flags["big-output"] += 1
                if "big-output" not in marks:
                    marks.append("big-output")
            if any(v in sh for v in secrets_of(case)):
                flags["leak"] += 1
                marks.append("leak")
            ctl = sorted(set(RAW_CONTROL_RE.findall(sh)))
            if ctl:
                flags["raw-control"] += 1
                marks.append("raw-control")
            if marks:
                failed = failed or any(m in FAILING for m in marks)
                sig = signature(marks[0], status, sh)
                n = per_sig.get(sig, 0)
                per_sig[sig] = n + 1
                if n < MAX_SAVED_PER_SIGNATURE and len(findings) < MAX_SAVED_TOTAL:
                    note = f"control bytes in stderr: {b''.join(ctl)!r}" if ctl else ""
                    d = save_finding(a.keep, a.seed, runs, "+".join(marks), case, case_dir, so, se, status, wall,
                                     size, run_seed, a.bin.resolve(), sig, note)
                    findings.append((sig, d))
                    if not a.quiet:
                        print(f"[run {runs}] {sig} -> {d}", file=sys.stderr, flush=True)
            now = time.monotonic()
            if not a.quiet and now - last_progress >= 30:
                last_progress = now
                print(f"[{now - t_start:6.0f} s] {runs} runs {dict(sorted(counts.items()))}", file=sys.stderr,
                      flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - t_start

    print("== fuzz-validate summary ==")
    print(f"seed:            {a.seed}")
    print(f"binary:          {a.bin} ({bin_id}; a copy was run)")
    print(f"runs:            {runs}")
    print(f"seconds:         {elapsed:.1f} (budget {a.seconds:g}, per-run timeout {a.timeout:g})")
    print("classes:         " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print(f"big-output:      {flags['big-output']} run(s) with stderr > {BIG_OUTPUT} bytes")
    print(f"extra flags:     leak={flags['leak']}, raw-control={flags['raw-control']} (reported, not failures)")
    if walls:
        print(f"wall time:       max {max(walls):.3f} s (run {max_wall_run[1]}), median {statistics.median(walls):.3f} s")
        print(f"  slowest run:   " + " | ".join(max_wall_run[2]))
    print(f"max stderr:      {max_stderr} bytes")
    print(f"max RSS:         {max_rss // 1024} MiB")
    if per_sig:
        print("findings (signature: occurrences):")
        for sig, n in sorted(per_sig.items()):
            print(f"  {sig}: {n}")
        for sig, d in findings:
            print(f"  saved {d}")
    else:
        print("findings:        none")
    return 1 if failed else 0


def _ignored(name: str) -> bool:
    try:
        text = (REPO / ".gitignore").read_text()
    except OSError:
        return False
    return any(l.strip().rstrip("/") in (name, "/" + name) for l in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
