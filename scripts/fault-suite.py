#!/usr/bin/env python3
"""A bounded fault-injection suite for `vaultform apply` against a real, persistent OpenBao server.

Usage:
    scripts/fault-suite.py [--services N] [--client-kills K] [--server-kills S] [--seed SEED]
                           [--out FILE] [--findings DIR] [--max-minutes M] [--bin PATH]
                           [--lock-expiry-waits W] [--slow-fail SECONDS] [--keep-workdir]

    nice -n 10 scripts/fault-suite.py --services 50 --client-kills 5 --server-kills 2   # smoke
    nice -n 10 scripts/fault-suite.py --out /tmp/faults.json                            # full

What it does (loopback only; every loop is bounded in count and time; it kills only processes it
started, by process group):

 1. Copies target/debug/vaultform (or --bin) to a temporary directory (cargo build once if it is
    missing) and takes the OpenBao binary from .tools/openbao-2.7.2/.bao-path (or runs
    scripts/install-openbao.sh, which prints it).
 2. Starts a non-dev OpenBao server (`storage "pebbledb"` in a temp dir, tcp listener on a free
    127.0.0.1 port, tls_disable) in its own process group under a small `sh` watchdog that kills
    it when this script goes away (even on SIGKILL), initialises it with
    `vaultform operator init --keys-file KEYS` (5 shares, threshold 3, file mode 0600 checked) and
    unseals it with `vaultform operator unseal --keys-file KEYS`. vaultform gets VAULT_ADDR and
    VAULT_TOKEN (the keys file's root_token) explicitly; every other VAULT_*, BAO_* and
    VAULTFORM_* variable is removed from its environment, HOME is a temp dir, NO_COLOR=1.
 3. Generates a manifest (`[vaultform] name = "faults"`) of N services: one KV v2 mount `apps`,
    the `approle` auth method, and per service svc-<i>: policies/svc-<i>.hcl, AppRole svc-<i>
    with token_policies = ["svc-<i>"], and KV secret apps/svc-<i> with 2-3 literal keys whose
    values are unique per service, generation and run (with multi-byte, quote, backslash and tab
    characters, so that they are checked byte-exact) and, for every other service, a
    `SESSION_KEY = { generate = { length = 32 } }` key.
 4. Calibrates: on a throw-away server of the same kind, times a cold apply and a large
    incremental apply; kill delays are drawn (seeded) uniformly over that duration.
 5. Client kills: starts `vaultform -v apply --auto-approve --lock-timeout 120s` and SIGKILLs it
    after a random delay, again and again until K kills have landed (an apply that finishes
    before its kill is counted as a miss, not a fault). Between runs the manifest changes (values
    of a few or many services, services removed and added -- a removed service never comes back,
    added ones get new indices --, policy texts, role TTLs, a third key added or dropped), always
    after an apply that completed, so there is always work to do. Before every apply the lock
    document (vaultform/data/locks/faults) is read: a lock held by a pid this suite started and
    that is dead is a stale lock; it is freed with `vaultform force-unlock ID` (W times, default
    1, the suite lets the next apply wait for it to expire instead, and times that wait). An
    apply that fails on a held lock has its holder checked and unlocked the same way.
 6. Convergence check (after the client kills and after every server kill): apply to completion
    (at most 6 attempts), then `vaultform plan --detailed-exitcode` must exit 0, and via the HTTP
    API: every secret's data equals the manifest byte-exact (literals) and the generated key is
    present and unchanged since it was first seen (also across every retained KV version of the
    secret); the svc-* policies, svc-* AppRoles and the KV paths under apps/ are exactly the
    manifest's; the ownership record vaultform/data/records/faults holds exactly the manifest's
    addresses; nothing the manifest removed exists; the lock is free.
 7. Server kills: during an apply, SIGKILLs the server's process group, restarts the server on
    the same data dir and port, unseals it with vaultform, and runs the convergence check.
 8. Scans every stdout/stderr of vaultform for the literal values (any occurrence of the run's
    random tag, which every literal contains and no name does), for the generated values, the
    root token and the unseal keys; counts panics ("panicked at", exit 101). Also times how long
    an apply takes to give up once its server was killed (over --slow-fail seconds, default 10,
    is reported as a finding, not a failure).

Figures are printed at the end and written as JSON to --out (default:
$TMPDIR/fault-suite-<time>-seed<S>.json). Exit status: 0 when every check converged and nothing was lost, leaked or panicked;
1 otherwise; 2 on a setup error. When anything goes wrong the evidence (manifest, policies,
every vaultform log, an HTTP dump of the server state at the failing check, the server's data
dir and keys file after it is stopped, the figures) is kept under --findings (default
.tools/fault-findings/<run>/, git-ignored).

Python 3 standard library only.
"""

import argparse
import collections
import concurrent.futures
import copy
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "faults"
MOUNT = "apps"
OWN = "vaultform"
LOCK_TIMEOUT = "120s"
APPLY_TIMEOUT = 900.0       # seconds, any single vaultform run
FINAL_APPLY_ATTEMPTS = 6
TRICKY = " \u00e9\u2713\t'\"\\ \u00fc"   # multi-byte, quotes, backslash, tab
GEN_RE = re.compile(rb"[A-Za-z0-9]{32}")


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


class SetupError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Children: every process this script starts is in its own process group and registered here.

CHILDREN = []          # Popen objects
CHILDREN_LOCK = threading.Lock()


def spawn(argv, **kw):
    p = subprocess.Popen(argv, start_new_session=True, **kw)
    with CHILDREN_LOCK:
        CHILDREN.append(p)
    return p


def kill_group(p):
    """SIGKILLs the process group of a child we started (pgid == its pid), then reaps it."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def cleanup_children():
    with CHILDREN_LOCK:
        kids = list(CHILDREN)
    for p in kids:
        if p.poll() is None:
            kill_group(p)
        for f in (p.stdin, p.stdout):
            try:
                if f:
                    f.close()
            except OSError:
                pass


def on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


# ---------------------------------------------------------------------------------------------
# HTTP (keep-alive connection per thread).

class Http:
    def __init__(self, port, token=None):
        self.port = port
        self.token = token
        self.local = threading.local()

    def _conn(self, fresh=False):
        c = getattr(self.local, "conn", None)
        if c is None or fresh:
            if c is not None:
                c.close()
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.local.conn = c
        return c

    def req(self, method, path, body=None, tries=4):
        """(status, parsed JSON or None). Retries only connection-level errors."""
        headers = {}
        if self.token:
            headers["X-Vault-Token"] = self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        last = None
        for i in range(tries):
            try:
                c = self._conn(fresh=i > 0)
                c.request(method, "/v1/" + path, body=data, headers=headers)
                r = c.getresponse()
                raw = r.read()
                try:
                    parsed = json.loads(raw) if raw else None
                except ValueError:
                    parsed = {"raw": raw.decode("utf-8", "replace")}
                return r.status, parsed
            except (OSError, http.client.HTTPException) as e:
                last = e
                time.sleep(0.2 * (i + 1))
        raise ConnectionError(f"{method} {path}: {last}")

    def get(self, path):
        return self.req("GET", path)

    def list(self, path):
        st, body = self.req("GET", path + "?list=true")
        if st == 404:
            return []
        if st != 200:
            raise RuntimeError(f"LIST {path}: {st} {body}")
        return body["data"]["keys"]


# ---------------------------------------------------------------------------------------------
# The OpenBao server (pebbledb), supervised by a watchdog that holds a pipe from us.

WATCHDOG = (
    'exec 3<&0 0</dev/null\n'
    '"$1" server -config="$2" >>"$3" 2>&1 &\n'
    'echo $!\n'
    'read _ <&3\n'
    'kill -9 $! 2>/dev/null\n'
)


def free_port_pair():
    for _ in range(200):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p >= 65535:
            continue
        t = socket.socket()
        try:
            t.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
        finally:
            t.close()
    raise SetupError("no free port pair on 127.0.0.1")


class Server:
    def __init__(self, bao, base, label):
        self.bao = bao
        self.base = base
        self.label = label
        self.data = os.path.join(base, "data")
        self.config = os.path.join(base, "config.hcl")
        self.log = os.path.join(base, "server.log")
        self.port = None
        self.proc = None       # the watchdog sh (process group leader)
        self.pid = None        # bao
        self.starts = 0
        os.makedirs(self.data, exist_ok=True)

    @property
    def addr(self):
        return f"http://127.0.0.1:{self.port}"

    def write_config(self):
        with open(self.config, "w") as f:
            f.write(
                f'storage "pebbledb" {{\n  path = "{self.data}"\n}}\n'
                f'listener "tcp" {{\n  address = "127.0.0.1:{self.port}"\n'
                f'  cluster_address = "127.0.0.1:{self.port + 1}"\n  tls_disable = true\n}}\n'
                f'api_addr = "{self.addr}"\ncluster_addr = "http://127.0.0.1:{self.port + 1}"\n'
            )

    def start(self, want=(501, 503), timeout=30.0):
        """Starts bao (a new port the first time, the same port later) and waits for health."""
        attempts = 0
        while True:
            attempts += 1
            if self.port is None or (attempts > 1 and self.starts == 0):
                self.port = free_port_pair()
            self.write_config()
            env = clean_env()
            self.proc = spawn(["sh", "-c", WATCHDOG, "sh", self.bao, self.config, self.log],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            line = self.proc.stdout.readline().strip()
            self.pid = int(line) if line.isdigit() else None
            st = self.wait_health(want, timeout)
            if st in want:
                self.starts += 1
                return time.monotonic()
            self.kill()
            if attempts >= 4:
                raise SetupError(f"{self.label}: server did not come up (health {st}); "
                                 f"log {self.log}:\n{tail(self.log)}")
            time.sleep(1.0 * attempts)

    def alive(self):
        return self.pid is not None and os.path.exists(f"/proc/{self.pid}") and \
            self.proc is not None and self.proc.poll() is None

    def health(self):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", "/v1/sys/health")
            st = c.getresponse().status
            c.close()
            return st
        except (OSError, http.client.HTTPException):
            return None

    def wait_health(self, want, timeout):
        deadline = time.monotonic() + timeout
        st = None
        while time.monotonic() < deadline:
            st = self.health()
            if st in want:
                return st
            if self.proc is not None and self.proc.poll() is not None:
                return st
            if self.pid is not None and not os.path.exists(f"/proc/{self.pid}"):
                return st
            time.sleep(0.02)
        return st

    def kill(self):
        """SIGKILL the server's whole process group (bao and its watchdog)."""
        if self.proc is None:
            return
        kill_group(self.proc)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.proc = None


def tail(path, n=30):
    try:
        with open(path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
    except OSError:
        return ""


def clean_env(addr=None, token=None, home=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VAULT_", "BAO_", "VAULTFORM_"))}
    if addr:
        env["VAULT_ADDR"] = addr
    if token:
        env["VAULT_TOKEN"] = token
    if home:
        env["HOME"] = home
    env["NO_COLOR"] = "1"
    return env


# ---------------------------------------------------------------------------------------------
# The manifest model.

class Svc:
    def __init__(self, idx, has_gen):
        self.idx = idx
        self.gen = 0
        self.has_gen = has_gen
        self.note = True          # third literal key present
        self.pol_rev = 0
        self.ttl = "1h"
        self.values = {}


class Model:
    def __init__(self, n, tag, rng):
        self.tag = tag
        self.rng = rng
        self.services = {}
        self.removed = set()
        self.next_idx = 0
        self.version = 0
        self.added_total = 0
        for _ in range(n):
            self._add()
        self.dirty_policies = set(self.services)

    def _literals(self, s):
        salt = "%06x" % self.rng.getrandbits(24)
        base = f"{self.tag}-{s.idx}-g{s.gen}-{salt}"
        vals = {"HOST": f"h.{base}.svc-{s.idx}.internal", "USER": f"u_{base}"}
        if s.note:
            vals["NOTE"] = f"n-{base}{TRICKY}"
        s.values = vals

    def _add(self):
        i = self.next_idx
        self.next_idx += 1
        s = Svc(i, has_gen=(i % 2 == 0))
        s.note = self.rng.random() < 0.5
        self._literals(s)
        self.services[i] = s
        return i

    def addresses(self):
        a = {f"mount.{MOUNT}", "auth.approle"}
        for i in self.services:
            a |= {f"policy.svc-{i}", f"approle.approle/svc-{i}", f"kv.{MOUNT}/svc-{i}"}
        return a

    def expected_data(self, s):
        return dict(s.values)

    def mutate(self, big=False):
        """Changes the manifest; returns a short description."""
        rng = self.rng
        n = len(self.services)
        idxs = sorted(self.services)
        if big:
            k = rng.randint(max(1, n // 5), max(1, n // 2))
        else:
            k = rng.randint(1, max(3, n // 50))
        changed = rng.sample(idxs, min(k, len(idxs)))
        for i in changed:
            s = self.services[i]
            s.gen += 1
            if rng.random() < 0.15:
                s.note = not s.note
            self._literals(s)
        removed = []
        r = rng.choice([0, 0, 1, 2, 3])
        if n - r >= 3:
            removed = rng.sample(sorted(set(idxs) - set(changed)) or idxs, r)
            for i in removed:
                del self.services[i]
                self.removed.add(i)
                self.dirty_policies.add(i)
        added = [self._add() for _ in range(rng.choice([0, 0, 1, 2, 3]))]
        self.added_total += len(added)
        self.dirty_policies.update(added)
        pol = rng.sample(sorted(self.services), min(rng.choice([0, 1, 3]), len(self.services)))
        for i in pol:
            self.services[i].pol_rev += 1
            self.dirty_policies.add(i)
        ttl = rng.sample(sorted(self.services), min(rng.choice([0, 0, 1, 2]), len(self.services)))
        for i in ttl:
            s = self.services[i]
            s.ttl = "2h" if s.ttl == "1h" else "1h"
        self.version += 1
        return (f"v{self.version}: {len(changed)} values, -{len(removed)} +{len(added)} services, "
                f"{len(pol)} policies, {len(ttl)} ttls")

    def write(self, d):
        pdir = os.path.join(d, "policies")
        os.makedirs(pdir, exist_ok=True)
        for i in sorted(self.dirty_policies):
            path = os.path.join(pdir, f"svc-{i}.hcl")
            s = self.services.get(i)
            if s is None:
                if os.path.exists(path):
                    os.unlink(path)
                continue
            text = (f"# svc-{i} rev {s.pol_rev}\n"
                    f"path \"{MOUNT}/data/svc-{i}\" {{\n  capabilities = [\"read\"]\n}}\n")
            if s.pol_rev % 2 == 1:
                text += f"path \"{MOUNT}/metadata/svc-{i}\" {{\n  capabilities = [\"read\"]\n}}\n"
            with open(path + ".tmp", "w") as f:
                f.write(text)
            os.replace(path + ".tmp", path)
        self.dirty_policies = set()
        out = [f"# generated by scripts/fault-suite.py (manifest v{self.version})\n",
               f"[vaultform]\nname = \"{NAME}\"\n\n",
               f"[mounts.{MOUNT}]\ntype = \"kv\"\noptions = {{ version = \"2\" }}\n\n",
               "[auth.approle]\ntype = \"approle\"\n\n",
               "[policies]\ndir = \"policies\"\n"]
        for i in sorted(self.services):
            s = self.services[i]
            out.append(f"\n[approles.svc-{i}]\ntoken_policies = [\"svc-{i}\"]\n"
                       f"token_ttl = \"{s.ttl}\"\ntoken_max_ttl = \"4h\"\n\n"
                       f"[secrets.\"{MOUNT}/svc-{i}\"]\n")
            for k, v in s.values.items():
                out.append(f"{k} = {json.dumps(v, ensure_ascii=False)}\n")
            if s.has_gen:
                out.append("SESSION_KEY = { generate = { length = 32 } }\n")
        path = os.path.join(d, "vault.toml")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write("".join(out))
        os.replace(path + ".tmp", path)


# ---------------------------------------------------------------------------------------------
# The suite.

class Run:
    def __init__(self, tag, argv, out, err):
        self.tag, self.argv, self.out, self.err = tag, argv, out, err
        self.rc = None
        self.killed = False
        self.duration = 0.0
        self.pid = None

    def stderr(self):
        try:
            with open(self.err, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stdout(self):
        try:
            with open(self.out, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


def reason_of(text):
    """A failure's reason for grouping: miette's code, the error message and its innermost cause
    (miette wraps lines; they are joined), digits and lock ids normalised."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # Skip tracing log lines (timestamps / level prefixes) to reach the error itself.
    lines = [ln for ln in lines if not re.match(r"^\d{4}-\d\d-\d\dT|^(INFO|WARN|DEBUG|TRACE)\b", ln)]
    if not lines:
        return "(no stderr)"
    code = ""
    if re.fullmatch(r"[A-Za-z_]+(::[A-Za-z_]+)+", lines[0]):
        code, lines = lines[0], lines[1:]
    joined = ""
    for ln in lines:
        ln = re.sub(r"^[|`]\s+", "", ln) if joined.endswith(("/", "-")) else ln
        joined += ln if joined.endswith(("/", "-")) else (" " + ln if joined else ln)
    msg = re.search(r"(?:^|\s)[x\u00d7] (.*?)(?= \|->| \|? ?help:| `->|$)", joined)
    msg = re.sub(r"\s*\|\s+", " ", msg.group(1)) if msg else joined[:160]
    causes = re.findall(r"(?:\|->|`->)\s*((?:(?!\|->|`->).)*)", joined)
    cause = re.sub(r"\s*\|\s+", " ", causes[-1]).strip() if causes else ""
    cause = re.sub(r"\s*help:.*$", "", cause)
    out = code + (": " if code else "") + msg.strip() + (f" [cause: {cause}]" if cause else "")
    out = re.sub(r"\b(?=[a-z0-9]*\d)[a-z0-9]{12}\b", "<id>", out)
    out = re.sub(r"\d+", "N", out)
    return out[:300]


class Suite:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.t0 = time.monotonic()
        self.deadline = self.t0 + args.max_minutes * 60
        self.work = tempfile.mkdtemp(prefix="vaultform-faults-")
        os.chmod(self.work, 0o700)
        self.logs = os.path.join(self.work, "logs")
        self.mdir = os.path.join(self.work, "manifest")
        self.home = os.path.join(self.work, "home")
        for d in (self.logs, self.mdir, self.home):
            os.makedirs(d)
        self.keys = os.path.join(self.work, "keys.json")
        self.run_no = 0
        self.runs = []
        self.our_pids = set()
        self.tag = "FX%08x" % random.Random(args.seed ^ int(time.time())).getrandbits(32)
        self.model = Model(args.services, self.tag, self.rng)
        self.services_initial = args.services
        self.gen_seen = {}          # idx -> generated value, from the first converged check on
        self.gen_all = set()        # every generated value ever read (for the leak scan)
        self.root_token = None
        self.unseal_keys = []
        self.server = None
        self.http = None
        self.findings = []
        self.evidence_dir = None
        self.lock_expiry_waits_left = args.lock_expiry_waits
        self.f = {
            "seed": args.seed,
            "services": args.services,
            "client_kills": {"target": args.client_kills, "injected": 0, "missed_apply_finished_first": 0,
                             "attempts": 0, "delay_fraction_hist": collections.Counter(),
                             "manifest_changes": 0, "landed_holding_lock": 0},
            "server_kills": {"target": args.server_kills, "injected": 0, "missed_apply_finished_first": 0,
                             "attempts": 0, "restart_to_unsealed_s": [],
                             "client_outcome_after_server_kill": collections.Counter(),
                             "client_exit_after_server_kill_s": [], "client_retries_after_server_kill": []},
            "stale_locks": {"met": 0, "resolved": collections.Counter(), "expiry_wait_s": [],
                            "held_by_live_or_unknown_pid": 0, "applies_that_waited_for_lock": 0},
            "applies": {"started": 0, "completed_ok": 0, "killed": 0,
                        "failed": collections.defaultdict(collections.Counter)},
            "checks": [],
            "values_lost": 0, "values_mismatched": 0, "generated_changed": 0,
            "extra_resources": 0, "missing_resources": 0, "record_mismatches": 0,
            "removed_still_exist": 0, "lock_not_free_after_check": 0,
            "leaks": 0, "leak_details": [], "panics": 0, "panic_details": [],
            "timeouts": 0,
        }

    # --- infrastructure -----------------------------------------------------------------------

    def time_left(self):
        return self.deadline - time.monotonic()

    def vf(self, args, tag, timeout=APPLY_TIMEOUT, kill_after=None, cwd=None, server=None, token=None):
        """Runs the vaultform copy; SIGKILLs it after kill_after seconds if still running."""
        server = server or self.server
        self.run_no += 1
        base = os.path.join(self.logs, f"{self.run_no:04d}-{tag}")
        r = Run(tag, args, base + ".out", base + ".err")
        env = clean_env(server.addr, self.root_token if token is None else token, self.home)
        with open(r.out, "wb") as out, open(r.err, "wb") as err:
            t = time.monotonic()
            p = spawn([self.bin] + args, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                      env=env, cwd=cwd or self.mdir)
            r.pid = p.pid
            self.our_pids.add(p.pid)
            try:
                if kill_after is not None:
                    try:
                        p.wait(timeout=kill_after)
                    except subprocess.TimeoutExpired:
                        kill_group(p)
                        r.killed = True
                p.wait(timeout=max(1.0, timeout - (time.monotonic() - t)))
            except subprocess.TimeoutExpired:
                kill_group(p)
                r.killed = True
                self.f["timeouts"] += 1
                self.finding("timeout", f"vaultform {' '.join(args)} did not finish in {timeout:.0f}s",
                             [r.err])
            r.rc = p.returncode
            r.duration = time.monotonic() - t
        self.runs.append(r)
        text = r.stderr()
        if not r.killed and (r.rc == 101 or "panicked at" in text):
            self.f["panics"] += 1
            self.f["panic_details"].append({"run": os.path.basename(base), "line": reason_of(text)})
            self.finding("panic", f"vaultform {' '.join(args)} panicked", [r.err])
        elif "panicked at" in text:
            self.f["panics"] += 1
            self.f["panic_details"].append({"run": os.path.basename(base), "line": reason_of(text)})
            self.finding("panic", f"vaultform {' '.join(args)} panicked (before being killed)", [r.err])
        if "waiting for the apply lock" in text:
            self.f["stale_locks"]["applies_that_waited_for_lock"] += 1
        return r

    def finding(self, kind, text, files=()):
        self.findings.append({"kind": kind, "text": text,
                              "files": [os.path.relpath(x, self.work) for x in files]})
        log(f"FINDING [{kind}] {text}")

    def apply(self, tag, kill_after=None, phase="client"):
        self.f["applies"]["started"] += 1
        r = self.vf(["-v", "apply", "--auto-approve", "--lock-timeout", LOCK_TIMEOUT], tag,
                    kill_after=kill_after)
        if r.killed:
            self.f["applies"]["killed"] += 1
        elif r.rc == 0:
            self.f["applies"]["completed_ok"] += 1
        else:
            self.f["applies"]["failed"][phase][reason_of(r.stderr())] += 1
        return r

    # --- setup -------------------------------------------------------------------------------

    def setup(self):
        a = self.args
        src = a.bin or os.path.join(ROOT, "target", "debug", "vaultform")
        if not a.bin and not os.path.exists(src):
            log("target/debug/vaultform is missing: cargo build (once)")
            subprocess.run(["cargo", "build"], cwd=ROOT, check=True)
        if not os.path.exists(src):
            raise SetupError(f"no vaultform binary at {src}")
        bindir = os.path.join(self.work, "bin")
        os.makedirs(bindir)
        self.bin = os.path.join(bindir, "vaultform")
        shutil.copy2(src, self.bin)
        stamp = os.path.join(ROOT, ".tools", "openbao-2.7.2", ".bao-path")
        bao = None
        if os.path.exists(stamp):
            bao = open(stamp).read().strip()
        if not bao or not os.access(bao, os.X_OK):
            bao = subprocess.run([os.path.join(ROOT, "scripts", "install-openbao.sh")],
                                 check=True, capture_output=True, text=True).stdout.strip()
        self.bao = bao
        v = subprocess.run([self.bin, "--version"], capture_output=True, text=True)
        self.vf_version = v.stdout.strip()
        log(f"work dir {self.work}; vaultform copy {self.bin} ({self.vf_version}); bao {bao}")
        log(f"run tag {self.tag} (every literal contains it; no name does)")

    def init_server(self, srv, keys):
        """Starts srv, operator init (5/3) into keys, operator unseal; returns (token, keys)."""
        srv.start(want=(501,))
        r = self.vf(["operator", "init", "--key-shares", "5", "--key-threshold", "3",
                     "--keys-file", keys], f"init-{srv.label}", timeout=120, server=srv, token="")
        if r.rc != 0:
            raise SetupError(f"operator init failed: {r.stderr()[-2000:]}")
        mode = stat.S_IMODE(os.stat(keys).st_mode)
        if mode != 0o600:
            self.finding("keys-file-mode", f"keys file mode is {oct(mode)}, expected 0o600", [])
        with open(keys) as f:
            k = json.load(f)
        if k.get("shares") != 5 or k.get("threshold") != 3:
            self.finding("keys-file", f"keys file shares/threshold {k.get('shares')}/{k.get('threshold')}")
        token = k["root_token"]
        self.unseal(srv, token)
        return token, list(k.get("keys_hex", [])) + list(k.get("keys_base64", []))

    def unseal(self, srv, token):
        r = self.vf(["operator", "unseal", "--keys-file", self.keys_of(srv)], f"unseal-{srv.label}",
                    timeout=120, server=srv, token=token)
        if r.rc != 0:
            raise SetupError(f"operator unseal failed: {r.stderr()[-2000:]}")
        st = srv.wait_health((200,), 30)
        if st != 200:
            raise SetupError(f"server not active after unseal (health {st})")

    def keys_of(self, srv):
        return self.keys if srv is self.server else os.path.join(srv.base, "keys.json")

    # --- calibration -------------------------------------------------------------------------

    def calibrate(self):
        base = os.path.join(self.work, "calibration")
        os.makedirs(base)
        srv = Server(self.bao, base, "calibration")
        mdir = os.path.join(base, "manifest")
        os.makedirs(mdir)
        try:
            token, keys = self.init_server(srv, os.path.join(base, "keys.json"))
            self.unseal_keys += keys
            self.extra_tokens = [token]
            m = copy.deepcopy(self.model)
            m.rng = random.Random(self.args.seed + 1)
            m.dirty_policies = set(m.services)
            m.write(mdir)
            r1 = self.vf(["-v", "apply", "--auto-approve"], "cal-cold-apply", cwd=mdir, server=srv,
                         token=token)
            m.mutate(big=True)
            m.write(mdir)
            r2 = self.vf(["-v", "apply", "--auto-approve"], "cal-big-apply", cwd=mdir, server=srv,
                         token=token)
            r3 = self.vf(["plan", "--detailed-exitcode"], "cal-noop-plan", cwd=mdir, server=srv,
                         token=token)
            if r1.rc != 0 or r2.rc != 0:
                raise SetupError(f"calibration apply failed: {r1.stderr()[-1500:]}{r2.stderr()[-1500:]}")
            self.f["calibration"] = {"cold_apply_s": round(r1.duration, 2),
                                     "big_change_apply_s": round(r2.duration, 2),
                                     "noop_plan_s": round(r3.duration, 2), "noop_plan_rc": r3.rc}
            self.t_full = max(r1.duration, r2.duration)
            log(f"calibration: cold apply {r1.duration:.2f}s, big-change apply {r2.duration:.2f}s, "
                f"no-op plan {r3.duration:.2f}s (rc {r3.rc})")
        finally:
            srv.kill()
            shutil.rmtree(srv.data, ignore_errors=True)

    # --- the lock ----------------------------------------------------------------------------

    def pid_dead(self, pid):
        if pid not in self.our_pids:
            return False
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            return self.bin.encode() not in cmd    # pid reused by something else
        except OSError:
            return True

    def lock_doc(self):
        st, body = self.http.get(f"{OWN}/data/locks/{NAME}")
        if st != 200:
            return None
        return body["data"]["data"]

    def handle_stale_lock(self, phase, allow_wait=False):
        """Before an apply: a held, unexpired lock whose holder is dead is freed (force-unlock),
        or -- when allow_wait -- left to expire. Returns 'none', 'force-unlock', 'wait', 'alive'."""
        d = self.lock_doc()
        if not d or d.get("state") != "held":
            return "none"
        h = d.get("holder") or {}
        if h.get("expires", 0) <= time.time():
            self.f["stale_locks"]["met"] += 1
            self.f["stale_locks"]["resolved"][f"{phase}: already expired"] += 1
            return "none"
        pid = h.get("pid")
        if not self.pid_dead(pid):
            self.f["stale_locks"]["held_by_live_or_unknown_pid"] += 1
            log(f"lock held by pid {pid}, which is not a dead vaultform of ours: leaving it")
            return "alive"
        self.f["stale_locks"]["met"] += 1
        if allow_wait:
            return "wait"
        r = self.vf(["force-unlock", h["id"]], "force-unlock", timeout=120)
        if r.rc == 0:
            self.f["stale_locks"]["resolved"][f"{phase}: force-unlock (holder pid dead)"] += 1
            return "force-unlock"
        self.f["stale_locks"]["resolved"][f"{phase}: force-unlock FAILED"] += 1
        self.finding("force-unlock", f"force-unlock {h['id']} failed: {reason_of(r.stderr())}", [r.err])
        return "failed"

    def unlock_from_error(self, r, phase):
        """An apply that failed on a held lock: free it if its holder is dead."""
        text = " ".join(r.stderr().split())
        m = re.search(r"lock (\S+) held by \S+ \(pid (\d+)\)", text)
        if not m:
            return False
        lid, pid = m.group(1), int(m.group(2))
        self.f["stale_locks"]["met"] += 1
        if not self.pid_dead(pid):
            self.f["stale_locks"]["held_by_live_or_unknown_pid"] += 1
            return False
        r2 = self.vf(["force-unlock", lid], "force-unlock", timeout=120)
        ok = r2.rc == 0
        self.f["stale_locks"]["resolved"][f"{phase}: force-unlock from apply error" +
                                          ("" if ok else " FAILED")] += 1
        return ok

    # --- phases ------------------------------------------------------------------------------

    def client_kills(self):
        fk = self.f["client_kills"]
        target = self.args.client_kills
        max_attempts = max(10, target * 4)
        last_completed = False
        while fk["injected"] < target and fk["attempts"] < max_attempts:
            if self.time_left() < 300:
                log("time budget nearly used: stopping client kills")
                self.finding("budget", f"client kills stopped at {fk['injected']}/{target} (time budget)")
                break
            fk["attempts"] += 1
            if fk["attempts"] > 1 and (last_completed or self.rng.random() < 0.5):
                desc = self.model.mutate(big=self.rng.random() < 0.3)
                self.model.write(self.mdir)
                fk["manifest_changes"] += 1
            else:
                desc = f"v{self.model.version}: unchanged"
            allow_wait = False
            if self.lock_expiry_waits_left > 0 and fk["injected"] >= target // 2:
                allow_wait = True
            how = self.handle_stale_lock("client", allow_wait=allow_wait)
            if how == "wait":
                # Exercise the expiry path once: an apply that waits for the dead holder's lock.
                self.lock_expiry_waits_left -= 1
                log("stale lock: letting the next apply wait for it to expire")
                r = self.apply("expiry-wait-apply", phase="client")
                waited = None
                m = re.search(r"took the apply lock after waiting", r.stderr())
                if m:
                    waited = r.duration
                self.f["stale_locks"]["expiry_wait_s"].append(round(r.duration, 1))
                self.f["stale_locks"]["resolved"]["client: waited for expiry"
                                                  + ("" if r.rc == 0 else " (apply failed)")] += 1
                log(f"  apply after waiting for expiry: rc {r.rc} in {r.duration:.1f}s "
                    f"(took the lock after waiting: {waited is not None})")
                last_completed = r.rc == 0 and not r.killed
                continue
            delay = self.rng.uniform(0.0, self.t_full)
            r = self.apply(f"ck{fk['attempts']:03d}-apply", kill_after=delay, phase="client")
            if r.killed:
                fk["injected"] += 1
                fk["delay_fraction_hist"][f"{min(9, int(10 * delay / self.t_full)) / 10:.1f}"] += 1
                last_completed = False
                d = self.lock_doc() or {}
                if d.get("state") == "held" and (d.get("holder") or {}).get("pid") == r.pid:
                    fk["landed_holding_lock"] += 1
                log(f"client kill {fk['injected']}/{target} at {delay:.2f}s ({desc})")
            else:
                fk["missed_apply_finished_first"] += 1
                last_completed = r.rc == 0
                log(f"  apply finished before its kill at {delay:.2f}s: rc {r.rc} in "
                    f"{r.duration:.2f}s ({desc})")
                if r.rc != 0:
                    self.unlock_from_error(r, "client")
        self.check("after client kills", phase="client")

    def server_kills(self):
        fs = self.f["server_kills"]
        target = self.args.server_kills
        max_attempts = max(5, target * 4)
        while fs["injected"] < target and fs["attempts"] < max_attempts:
            if self.time_left() < 180:
                log("time budget nearly used: stopping server kills")
                self.finding("budget", f"server kills stopped at {fs['injected']}/{target} (time budget)")
                break
            fs["attempts"] += 1
            desc = self.model.mutate(big=True)
            self.model.write(self.mdir)
            self.handle_stale_lock("server")
            delay = self.rng.uniform(0.05, 0.9) * self.t_full
            self.f["applies"]["started"] += 1
            # Start the apply, kill the server under it after `delay`.
            self.run_no += 1
            base = os.path.join(self.logs, f"{self.run_no:04d}-sk{fs['attempts']:03d}-apply")
            r = Run("server-kill-apply", None, base + ".out", base + ".err")
            env = clean_env(self.server.addr, self.root_token, self.home)
            with open(r.out, "wb") as out, open(r.err, "wb") as err:
                t = time.monotonic()
                p = spawn([self.bin, "-v", "apply", "--auto-approve", "--lock-timeout", LOCK_TIMEOUT],
                          stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=self.mdir)
                r.pid = p.pid
                self.our_pids.add(p.pid)
                try:
                    p.wait(timeout=delay)
                    finished_first = True
                except subprocess.TimeoutExpired:
                    finished_first = False
                if finished_first:
                    r.rc, r.duration = p.returncode, time.monotonic() - t
                    self.runs.append(r)
                    fs["missed_apply_finished_first"] += 1
                    if r.rc == 0:
                        self.f["applies"]["completed_ok"] += 1
                    else:
                        self.f["applies"]["failed"]["server"][reason_of(r.stderr())] += 1
                    log(f"  apply finished before the server kill at {delay:.2f}s: rc {r.rc} ({desc})")
                    continue
                self.server.kill()
                killed_at = time.monotonic()
                fs["injected"] += 1
                # The client is left to notice on its own (bounded).
                try:
                    p.wait(timeout=150)
                    r.rc = p.returncode
                    outcome = "exit 0" if r.rc == 0 else f"exit {r.rc}: {reason_of(r.stderr())}"
                except subprocess.TimeoutExpired:
                    kill_group(p)
                    r.killed = True
                    outcome = "still running 150s after the server died (killed)"
                    self.finding("client-hang", "apply still running 150 s after the server was killed",
                                 [r.err])
                r.duration = time.monotonic() - t
            self.runs.append(r)
            if r.rc == 0 and not r.killed:
                self.f["applies"]["completed_ok"] += 1
            elif not r.killed:
                self.f["applies"]["failed"]["server (server killed under it)"][reason_of(r.stderr())] += 1
            fs["client_outcome_after_server_kill"][outcome] += 1
            exit_after = time.monotonic() - killed_at
            err = r.stderr()
            retried = len(re.findall(r"transient failure; retrying", err))
            paths = len(set(re.findall(r"path=(\S+) attempt=1 ", err)))
            fs["client_exit_after_server_kill_s"].append(round(exit_after, 1))
            fs["client_retries_after_server_kill"].append(retried)
            if exit_after > self.args.slow_fail:
                self.finding("slow-fail", f"server kill {fs['injected']}: the apply took {exit_after:.1f}s "
                             f"to give up on a dead server ({retried} retries logged, "
                             f"{paths} distinct paths retried)",
                             [r.err])
            log(f"server kill {fs['injected']}/{target} at {delay:.2f}s ({desc}); client: {outcome} "
                f"{exit_after:.1f}s after the kill ({retried} retries logged)")
            if "panicked at" in r.stderr():
                self.f["panics"] += 1
                self.finding("panic", "apply panicked when the server died", [r.err])
            # Restart on the same data dir and port, unseal, converge.
            t1 = time.monotonic()
            self.server.start(want=(503,))
            self.unseal(self.server, self.root_token)
            fs["restart_to_unsealed_s"].append(round(time.monotonic() - t1, 2))
            self.check(f"after server kill {fs['injected']}", phase="server")

    # --- convergence check -------------------------------------------------------------------

    def apply_to_completion(self, phase):
        for attempt in range(1, FINAL_APPLY_ATTEMPTS + 1):
            self.handle_stale_lock(phase)
            r = self.apply(f"final-{phase}-{attempt}", phase=f"{phase} (final apply)")
            if r.rc == 0:
                return attempt, r
            log(f"  final apply attempt {attempt} failed: {reason_of(r.stderr())}")
            self.unlock_from_error(r, phase)
            time.sleep(min(5, attempt))
        return None, r

    def check(self, label, phase):
        t = time.monotonic()
        res = {"label": label, "ok": True, "problems": []}
        self.f["checks"].append(res)

        def bad(kind, text):
            res["ok"] = False
            if len(res["problems"]) < 50:
                res["problems"].append(f"{kind}: {text}")

        attempts, r = self.apply_to_completion(phase)
        res["apply_attempts"] = attempts
        if attempts is None:
            bad("apply", f"did not complete in {FINAL_APPLY_ATTEMPTS} attempts: {reason_of(r.stderr())}")
        elif attempts > 1:
            res["note"] = f"apply needed {attempts} attempts"
        p = self.vf(["plan", "--detailed-exitcode"], f"check-plan-{phase}")
        res["plan_rc"] = p.rc
        if p.rc != 0:
            bad("plan", f"--detailed-exitcode exited {p.rc}: {reason_of(p.stderr() or p.stdout())}")
        self.http_checks(res, bad)
        d = self.lock_doc() or {}
        if d.get("state") == "held":
            self.f["lock_not_free_after_check"] += 1
            bad("lock", f"lock still held after the check: {d.get('holder')}")
        res["seconds"] = round(time.monotonic() - t, 1)
        log(f"CHECK {label}: {'converged' if res['ok'] else 'NOT CONVERGED'} "
            f"(apply attempts {attempts}, plan rc {p.rc}, {res['seconds']}s)"
            + ("" if res["ok"] else "\n    " + "\n    ".join(res["problems"][:10])))
        if not res["ok"]:
            self.finding("check", f"{label}: " + "; ".join(res["problems"][:5]), [p.out, p.err])
            self.dump_state(label)

    def http_checks(self, res, bad):
        h = self.http
        m = self.model
        want = {f"svc-{i}" for i in m.services}
        kv = set(h.list(f"{MOUNT}/metadata/"))
        extra = kv - want
        missing = want - kv
        removed = {f"svc-{i}" for i in m.removed}
        pols = {p for p in h.list("sys/policies/acl") if p.startswith("svc-")}
        roles = {p for p in h.list("auth/approle/role") if p.startswith("svc-")}
        for kind, have in (("kv", kv), ("policy", pols), ("approle", roles)):
            ex, mi = have - want, want - have
            if ex:
                self.f["extra_resources"] += len(ex)
                bad(f"extra {kind}", ", ".join(sorted(ex)[:10]))
            if mi:
                self.f["missing_resources"] += len(mi)
                bad(f"missing {kind}", ", ".join(sorted(mi)[:10]))
            still = have & removed
            if still:
                self.f["removed_still_exist"] += len(still)
                bad(f"removed {kind} still exists", ", ".join(sorted(still)[:10]))
        # The ownership record.
        st, body = h.get(f"{OWN}/data/records/{NAME}")
        rec = set()
        if st == 200:
            rec = {a for a in body["data"]["data"].get("addresses", "").split("\n") if a}
        else:
            bad("record", f"GET {OWN}/data/records/{NAME}: {st}")
        exp = m.addresses()
        exist_addrs = ({f"kv.{MOUNT}/{p}" for p in kv} | {f"policy.{p}" for p in pols}
                       | {f"approle.approle/{p}" for p in roles})
        unrecorded = exist_addrs - rec
        if rec != exp or unrecorded:
            self.f["record_mismatches"] += len((rec ^ exp) | unrecorded)
            bad("record", f"not in record: {sorted((exp - rec) | unrecorded)[:10]}; "
                          f"in record but not in manifest: {sorted(rec - exp)[:10]}")
        res["resources"] = {"kv": len(kv), "policies": len(pols), "approles": len(roles),
                            "record": len(rec)}
        # Values, byte-exact.
        idxs = sorted(m.services)

        def read(i):
            return i, h.get(f"{MOUNT}/data/svc-{i}")
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            results = list(ex.map(read, idxs))
        history = []
        lost = mism = genchg = 0
        for i, (st, body) in results:
            s = m.services[i]
            if st != 200:
                lost += len(s.values) + (1 if s.has_gen else 0)
                bad("secret missing", f"{MOUNT}/svc-{i}: HTTP {st}")
                continue
            data = body["data"]["data"] or {}
            for k, v in s.values.items():
                if k not in data:
                    lost += 1
                    bad("value lost", f"svc-{i} {k}")
                elif data[k] != v or data[k].encode("utf-8") != v.encode("utf-8"):
                    mism += 1
                    bad("value mismatch", f"svc-{i} {k} (got {len(str(data[k]))} chars, "
                                          f"want {len(v)}; generation {s.gen})")
            extra_keys = set(data) - set(s.values) - ({"SESSION_KEY"} if s.has_gen else set())
            if extra_keys:
                bad("extra keys", f"svc-{i} {sorted(extra_keys)}")
            if s.has_gen:
                g = data.get("SESSION_KEY")
                if not isinstance(g, str) or not re.fullmatch(r"[A-Za-z0-9]{32}", g):
                    lost += 1
                    bad("generated lost", f"svc-{i} SESSION_KEY missing or malformed")
                else:
                    self.gen_all.add(g)
                    if i in self.gen_seen and self.gen_seen[i] != g:
                        genchg += 1
                        bad("generated changed", f"svc-{i} SESSION_KEY differs from first seen")
                    self.gen_seen.setdefault(i, g)
                    if (body["data"].get("metadata") or {}).get("version", 1) > 1:
                        history.append(i)
        # Generated keys across every retained version.

        def hist(i):
            st, meta = h.get(f"{MOUNT}/metadata/svc-{i}")
            vals = {}
            if st != 200:
                return i, vals
            for ver, vm in (meta["data"].get("versions") or {}).items():
                if vm.get("destroyed") or vm.get("deletion_time"):
                    continue
                st2, b = h.get(f"{MOUNT}/data/svc-{i}?version={ver}")
                if st2 == 200:
                    vals[int(ver)] = (b["data"]["data"] or {}).get("SESSION_KEY")
            return i, vals
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            for i, vals in ex.map(hist, history):
                distinct = {v for v in vals.values()}
                self.gen_all |= {v for v in distinct if isinstance(v, str)}
                if len(distinct) > 1:
                    genchg += 1
                    bad("generated changed across versions",
                        f"svc-{i}: versions {sorted(vals)} hold {len(distinct)} distinct SESSION_KEYs")
        res["secrets_read"] = len(results)
        res["secrets_with_history"] = len(history)
        self.f["values_lost"] += lost
        self.f["values_mismatched"] += mism
        self.f["generated_changed"] += genchg

    def dump_state(self, label):
        """An HTTP dump of what the server holds, for the evidence."""
        try:
            h = self.http
            out = {"label": label, "lock": self.lock_doc()}
            st, body = h.get(f"{OWN}/data/records/{NAME}")
            out["record"] = body
            out["record_metadata"] = h.get(f"{OWN}/metadata/records/{NAME}")[1]
            out["kv_list"] = h.list(f"{MOUNT}/metadata/")
            out["policies"] = h.list("sys/policies/acl")
            out["approles"] = h.list("auth/approle/role")
            out["secrets"] = {}
            for p in out["kv_list"][:3000]:
                out["secrets"][p] = {"data": h.get(f"{MOUNT}/data/{p}")[1],
                                     "metadata": h.get(f"{MOUNT}/metadata/{p}")[1]}
            os.makedirs(os.path.join(self.work, "state-dumps"), exist_ok=True)
            fn = os.path.join(self.work, "state-dumps", re.sub(r"\W+", "-", label) + ".json")
            with open(fn, "w") as f:
                json.dump(out, f, indent=1, ensure_ascii=False)
            shutil.copy2(os.path.join(self.mdir, "vault.toml"), fn[:-5] + ".vault.toml")
        except Exception as e:  # evidence is best effort
            log(f"state dump failed: {e}")

    # --- leak scan ---------------------------------------------------------------------------

    def scan_leaks(self):
        tag = self.tag.encode()
        secrets = {g.encode() for g in self.gen_all}
        others = {t.encode(): "root token" for t in [self.root_token] + getattr(self, "extra_tokens", []) if t}
        for k in self.unseal_keys:
            others[k.encode()] = "unseal key"
        files = retries = 0
        for fn in sorted(os.listdir(self.logs)):
            files += 1
            path = os.path.join(self.logs, fn)
            with open(path, "rb") as f:
                data = f.read()
            retries += data.count(b"transient failure; retrying")
            hits = []
            if tag in data:
                hits.append(f"literal value (run tag) x{data.count(tag)}")
            for tok in set(GEN_RE.findall(data)):
                if tok in secrets:
                    hits.append("generated value")
            for s, what in others.items():
                if s in data:
                    hits.append(what)
            if hits:
                self.f["leaks"] += len(hits)
                self.f["leak_details"].append({"file": fn, "what": hits})
                self.finding("leak", f"{fn}: {', '.join(hits)}", [path])
        self.f["outputs_scanned"] = files
        self.f["retries_logged"] = retries

    # --- main --------------------------------------------------------------------------------

    def run(self):
        self.setup()
        self.model.write(self.mdir)
        self.calibrate()
        self.server = Server(self.bao, os.path.join(self.work, "server"), "main")
        self.root_token, keys = self.init_server(self.server, self.keys)
        self.unseal_keys += keys
        self.http = Http(self.server.port, self.root_token)
        log(f"server {self.server.addr} (pebbledb {self.server.data}), initialised and unsealed")
        self.client_kills()
        self.server_kills()
        self.scan_leaks()

    def figures(self):
        f = self.f
        checks = f["checks"]
        f["services_final"] = len(self.model.services)
        f["services_added"] = self.model.added_total
        f["services_removed"] = len(self.model.removed)
        f["manifest_version"] = self.model.version
        f["faults_injected"] = f["client_kills"]["injected"] + f["server_kills"]["injected"]
        f["converged"] = sum(1 for c in checks if c["ok"])
        f["checks_total"] = len(checks)
        f["generated_tracked"] = len(self.gen_seen)
        f["findings"] = self.findings
        f["total_time_s"] = round(time.monotonic() - self.t0, 1)
        f["vaultform"] = getattr(self, "vf_version", None)
        f["runs"] = len(self.runs)
        f["ok"] = (f["checks_total"] > 0 and f["converged"] == f["checks_total"]
                   and f["values_lost"] == 0 and f["values_mismatched"] == 0
                   and f["generated_changed"] == 0 and f["leaks"] == 0 and f["panics"] == 0)
        return json.loads(json.dumps(f, default=dict))

    def print_figures(self, f):
        ck, sk, sl = f["client_kills"], f["server_kills"], f["stale_locks"]
        rows = [
            ("services (initial / final, +added / -removed)",
             f"{f['services']} / {f['services_final']} (+{f['services_added']} / -{f['services_removed']})"),
            ("client kills (landed / target; missed; holding lock)",
             f"{ck['injected']} / {ck['target']}; {ck['missed_apply_finished_first']}; {ck['landed_holding_lock']}"),
            ("server kills (landed / target; missed)",
             f"{sk['injected']} / {sk['target']}; {sk['missed_apply_finished_first']}"),
            ("faults injected", f["faults_injected"]),
            ("converged / checks", f"{f['converged']} / {f['checks_total']}"),
            ("values lost / mismatched", f"{f['values_lost']} / {f['values_mismatched']}"),
            ("generated values changed (tracked)", f"{f['generated_changed']} ({f['generated_tracked']})"),
            ("extra / missing resources; record mismatches; removed still exist",
             f"{f['extra_resources']} / {f['missing_resources']}; {f['record_mismatches']}; "
             f"{f['removed_still_exist']}"),
            ("stale locks met", sl["met"]),
            ("stale locks resolved", dict(sl["resolved"])),
            ("applies waiting for the lock", sl["applies_that_waited_for_lock"]),
            ("lock expiry waits (s)", sl["expiry_wait_s"]),
            ("applies started / ok / killed", f"{f['applies']['started']} / {f['applies']['completed_ok']} / "
                                             f"{f['applies']['killed']}"),
            ("leaks (outputs scanned)", f"{f['leaks']} ({f.get('outputs_scanned')})"),
            ("panics; timeouts", f"{f['panics']}; {f['timeouts']}"),
            ("request retries logged by vaultform", f.get("retries_logged")),
            ("server restart to unsealed (s)", sk["restart_to_unsealed_s"]),
            ("apply exit after its server was killed (s)", sk["client_exit_after_server_kill_s"]),
            ("  retries it logged meanwhile", sk["client_retries_after_server_kill"]),
            ("calibration", f.get("calibration")),
            ("total time (s)", f["total_time_s"]),
        ]
        print("\n=== figures ===")
        for k, v in rows:
            print(f"  {k:<66} {v}")
        print("  applies that failed (first stderr line, grouped):")
        for phase, reasons in f["applies"]["failed"].items():
            for reason, n in sorted(reasons.items(), key=lambda x: -x[1]):
                print(f"    [{phase}] x{n}: {reason}")
        print("  client outcome after server kill:")
        for k, v in sk["client_outcome_after_server_kill"].items():
            print(f"    x{v}: {k}")
        print(f"  findings: {len(f['findings'])}")
        for x in f["findings"]:
            print(f"    [{x['kind']}] {x['text']}")
        print("RESULT:", "OK" if f["ok"] else "FAILED")

    def keep_evidence(self, figures):
        dest = os.path.join(self.args.findings, time.strftime("%Y%m%d-%H%M%S") + f"-seed{self.args.seed}")
        os.makedirs(dest, exist_ok=True)
        os.chmod(dest, 0o700)
        for sub in ("manifest", "logs", "state-dumps"):
            src = os.path.join(self.work, sub)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(dest, sub))
        if self.server:
            self.server.kill()
            shutil.copytree(self.server.base, os.path.join(dest, "server"))
        if os.path.exists(self.keys):
            shutil.copy2(self.keys, os.path.join(dest, "keys.json"))
        with open(os.path.join(dest, "figures.json"), "w") as f:
            json.dump(figures, f, indent=1)
        with open(os.path.join(dest, "README.md"), "w") as f:
            f.write(f"# fault-suite evidence (seed {self.args.seed}, run tag {self.tag})\n\n"
                    f"vaultform: {getattr(self, 'vf_version', '?')}\n\n"
                    "server/: config.hcl, data/ (pebbledb), server.log; keys.json unseals it "
                    "(`bao server -config=server/config.hcl`, adjust the paths).\n"
                    "logs/: every vaultform stdout/stderr, numbered in run order.\n"
                    "state-dumps/: the server's state read over HTTP at each failed check.\n\n"
                    "## Findings\n\n" + "".join(f"- [{x['kind']}] {x['text']} ({', '.join(x['files'])})\n"
                                                 for x in self.findings))
        self.evidence_dir = dest
        log(f"evidence kept in {dest}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--client-kills", type=int, default=50)
    ap.add_argument("--server-kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="figures JSON (default: $TMPDIR/fault-suite-<time>-seed<S>.json)")
    ap.add_argument("--findings", default=os.path.join(ROOT, ".tools", "fault-findings"))
    ap.add_argument("--max-minutes", type=float, default=45.0,
                    help="time budget; kills stop early (and say so) when it runs out")
    ap.add_argument("--bin", help="vaultform binary (copied first; default target/debug/vaultform)")
    ap.add_argument("--lock-expiry-waits", type=int, default=1,
                    help="stale locks left to expire (timed) instead of force-unlocked")
    ap.add_argument("--slow-fail", type=float, default=10.0,
                    help="an apply taking longer than this (s) to give up once its server was "
                         "killed is reported as a finding (not a failure)")
    ap.add_argument("--keep-workdir", action="store_true")
    args = ap.parse_args()
    if args.services < 3 or args.client_kills < 0 or args.server_kills < 0:
        ap.error("--services >= 3, kills >= 0")

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    suite = Suite(args)
    rc = 2
    figures = None
    try:
        suite.run()
        figures = suite.figures()
        rc = 0 if figures["ok"] else 1
    except SetupError as e:
        log(f"setup error: {e}")
        suite.finding("setup", str(e))
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
        suite.finding("interrupted", str(e))
    except Exception as e:  # keep the evidence of anything unexpected
        import traceback
        traceback.print_exc()
        suite.finding("suite-error", f"{type(e).__name__}: {e}")
    finally:
        try:
            if figures is None:
                figures = suite.figures()
                figures["ok"] = False
            out = args.out or os.path.join(tempfile.gettempdir(), time.strftime(
                "fault-suite-%Y%m%d-%H%M%S") + f"-seed{args.seed}.json")
            if not figures["ok"] or any(x["kind"] != "budget" for x in suite.findings):
                suite.keep_evidence(figures)
                figures["evidence"] = suite.evidence_dir
            with open(out, "w") as f:
                json.dump(figures, f, indent=1)
            suite.print_figures(figures)
            print(f"figures written to {out}")
        finally:
            cleanup_children()
            # The work dir goes once it is redundant: all was well, or the evidence was copied.
            if not args.keep_workdir and ((figures or {}).get("ok") or suite.evidence_dir):
                shutil.rmtree(suite.work, ignore_errors=True)
            else:
                print(f"work dir kept: {suite.work}")
    if rc == 0 and figures and not figures["ok"]:
        rc = 1
    sys.exit(rc)


if __name__ == "__main__":
    main()
