#!/usr/bin/env python3
"""What `vaultform exec` adds to a service's start, against the seed's curl + jq start-up.

Usage:
    scripts/bench-exec.py [--runs N] [--warmup W] [--health-runs H] [--bin PATH]
                          [--out FILE] [--keep-workdir]

    nice -n 10 scripts/bench-exec.py                               # N = 200
    nice -n 10 scripts/bench-exec.py --runs 20 --health-runs 10    # smoke
    nice -n 10 scripts/bench-exec.py --out docs/bench/$(date +%F)-exec-startup.json

What it does (loopback only; every loop is bounded in count and time; the processes it starts are
killed at exit, even on an error or a signal, by process group):

 1. Takes the OpenBao binary from scripts/install-openbao.sh (which prints its path) and builds
    vaultform with `cargo build --release --locked --bin vaultform` (target/release/vaultform),
    unless --bin names one.
 2. Starts `bao server -dev -dev-no-store-token -dev-root-token-id=<random>
    -dev-listen-address=127.0.0.1:<free port>` in its own process group under a small `sh`
    watchdog that kills it when this script goes away (even on SIGKILL), with every VAULT_*,
    BAO_* and VAULTFORM_* variable removed from its environment, and waits (at most 30 s) for
    sys/health to answer 200.
 3. Sets it up with `vaultform apply --auto-approve` on a generated manifest in a temp dir: the
    dev server's KV v2 mount `secret/` (declared, so it is checked), `[auth.approle]`, a policy
    `bench` granting read on secret/data/bench/{a,b,c}, an AppRole `bench` whose
    credentials_dir is <tmp>/creds (apply writes role_id and secret_id there, 0600; the secret
    ID has unlimited uses), and three secrets secret/bench/{a,b,c} with 5, 4 and 3 keys of fake
    random values (hex, so that the seed's unquoted `echo $VAULT_RESPONSE` keeps them intact).
 4. Checks, before and again after timing, that A, B and B1 below give their command the same
    variables and values: each runs `env -0` once instead of `true`; the variables each added to
    the environment are compared with each other and with the manifest (names and counts are
    printed, values never). A timed run that exits non-zero or writes to stderr stops the run.
 5. Times --runs (default 200) rounds after --warmup (default 5) untimed rounds; in each round
    every variant runs once, as a fresh process from subprocess.run, timed with
    time.perf_counter(), the order rotating from round to round (A B B1 C V, B B1 C V A, ...):
      A   vaultform exec --quiet --approle-dir <creds> --secret secret/bench/a
              --secret secret/bench/b --secret secret/bench/c -- true
          (VAULT_ADDR set, no VAULT_TOKEN, HOME an empty temp dir)
      B   the seed's start-up (seeds/004, "Service Authentication Flow") as a /bin/sh script:
          the role ID and secret ID read with cat, `VAULT_TOKEN=$(curl --request POST --data
          '{"role_id":...,"secret_id":...}' $VAULT_ADDR/v1/auth/approle/login | jq -r
          .auth.client_token)`, then per path `VAULT_RESPONSE=$(curl -H "X-Vault-Token: ..."
          $VAULT_ADDR/v1/secret/data/bench/X)` and, as the seed does, one
          `$(echo $VAULT_RESPONSE | jq -r .data.data.KEY)` per key, exported; then `exec true`.
      B1  the same with one jq per path instead of one per key (`jq -r '.data.data |
          to_entries[] | "export \\(.key)=\\(.value|@sh)"'` under eval): the cheapest curl + jq
          start-up, not the seed's.
      C   `true` alone: the cost of spawning a process (the floor).
      V   `vaultform --version`: a vaultform process that does no work.
    Differences from the seed's own text: curl gets -s (the seed shows none: its progress meter
    goes to stderr, which is discarded here anyway); the seed shows no GET command, so B uses the
    same curl form as its login with the X-Vault-Token header; the key names are written into
    the script (the seed names them in its jq filters), while vaultform takes every key the
    secret has; vaultform revokes its token before the exec (one more request) and the seed
    does not.
 6. Times `vaultform health` (sys/health only) and `vaultform health --approle-dir <creds>
    --secret secret/bench/a` (sys/health, login, one read, revoke) --health-runs times (default
    50) in the same way, next to `curl -s $VAULT_ADDR/v1/sys/health` for reference.

Prints median, p90, min and mean per variant, A-C, B-C, B1-C, the ratios B/A and B1/A
(medians), and whether the targets hold (B/A >= 5, A under 20 ms): targets to check, not
assertions. Writes the figures, the machine (nproc, CPU model), the versions (vaultform, bao,
curl, jq), the commit and the date as JSON to --out (default: $TMPDIR/bench-exec-<time>.json).
Exit status: 0 when every run succeeded and the variables matched (whether or not the targets
hold), 1 otherwise, 2 on a setup error.

Python 3 standard library only.
"""

import argparse
import datetime
import http.client
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_TIMEOUT = 30.0       # seconds, any single timed process
PATHS = {"a": 5, "b": 4, "c": 3}    # secret/bench/<p>: number of keys
KEY_NAMES = ["DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT", "DB_NAME"]
TARGET_RATIO = 5.0
TARGET_MS = 20.0


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


class SetupError(Exception):
    pass


class RunError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Children: every long-lived process this script starts is in its own process group.

CHILDREN = []


def spawn(argv, **kw):
    p = subprocess.Popen(argv, start_new_session=True, **kw)
    CHILDREN.append(p)
    return p


def kill_group(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for f in (p.stdin, p.stdout, p.stderr):
        try:
            if f:
                f.close()
        except OSError:
            pass


def cleanup_children():
    for p in CHILDREN:
        kill_group(p)


def on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def clean_env(home, addr=None, token=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VAULT_", "BAO_", "VAULTFORM_"))}
    env["HOME"] = home
    env["NO_COLOR"] = "1"
    if addr:
        env["VAULT_ADDR"] = addr
    if token:
        env["VAULT_TOKEN"] = token
    return env


def first_line(argv, env=None):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError) as e:
        return f"unknown ({e})"


# ---------------------------------------------------------------------------------------------
# The OpenBao dev server, supervised by a watchdog that holds a pipe from us.

WATCHDOG = (
    'exec 3<&0 0</dev/null\n'
    'log="$1"; shift\n'
    '"$@" >>"$log" 2>&1 &\n'
    'echo $!\n'
    'read _ <&3\n'
    'kill -9 $! 2>/dev/null\n'
)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def health_status(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", "/v1/sys/health")
        st = c.getresponse().status
        c.close()
        return st
    except (OSError, http.client.HTTPException):
        return None


def start_server(bao, work, env):
    """(Popen of the watchdog, address, root token). Three attempts, 30 s each, at most."""
    log_path = os.path.join(work, "server.log")
    for attempt in range(1, 4):
        port = free_port()
        root = secrets.token_hex(16)
        argv = [bao, "server", "-dev", "-dev-no-store-token", f"-dev-root-token-id={root}",
                f"-dev-listen-address=127.0.0.1:{port}"]
        p = spawn(["sh", "-c", WATCHDOG, "sh", log_path] + argv,
                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=work)
        p.stdout.readline()
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline and p.poll() is None:
            if health_status(port) == 200:
                return p, f"http://127.0.0.1:{port}", root
            time.sleep(0.05)
        kill_group(p)
        log(f"server attempt {attempt} did not come up on port {port}")
    with open(log_path, "rb") as f:
        tail = b"\n".join(f.read().splitlines()[-20:]).decode("utf-8", "replace")
    raise SetupError(f"the dev server did not come up; {log_path}:\n{tail}")


# ---------------------------------------------------------------------------------------------
# The setup: manifest, policy, apply.

def make_values():
    """{path letter: {KEY: value}}: fake values, hex, unique per run."""
    out = {}
    for p, n in PATHS.items():
        out[p] = {f"BENCH_{p.upper()}_{k}": f"{p}{i}-{secrets.token_hex(12)}"
                  for i, k in enumerate(KEY_NAMES[:n])}
    return out


def write_manifest(mdir, creds, values):
    os.makedirs(os.path.join(mdir, "policies"))
    with open(os.path.join(mdir, "policies", "bench.hcl"), "w") as f:
        f.write("# bench: reads its three secrets only.\n")
        for p in PATHS:
            f.write(f'path "secret/data/bench/{p}" {{\n  capabilities = ["read"]\n}}\n\n')
    lines = [
        '# Generated by scripts/bench-exec.py (fake values).',
        '[vaultform]', 'name = "bench-exec"', '',
        '[mounts.secret]', 'type = "kv"', 'options = { version = "2" }', '',
        '[auth.approle]', 'type = "approle"', '',
        '[policies]', 'dir = "policies"', '',
        '[approles.bench]', 'token_policies = ["bench"]', 'token_ttl = "1h"',
        'token_max_ttl = "4h"', f'credentials_dir = "{creds}"', '',
    ]
    for p, kv in values.items():
        lines.append(f'[secrets."secret/bench/{p}"]')
        lines += [f'{k} = "{v}"' for k, v in kv.items()]
        lines.append('')
    with open(os.path.join(mdir, "vault.toml"), "w") as f:
        f.write("\n".join(lines))


# The seed's start-up. `$1` is the credentials directory, the rest the command.
SEED_HEAD = """#!/bin/sh
# The seed's service start-up (seeds/004, "Service Authentication Flow"), generated by
# scripts/bench-exec.py. Usage: sh {name} APPROLE_DIR COMMAND...
APPROLE_DIR=$1; shift
ROLE_ID=$(cat "$APPROLE_DIR/role_id")
SECRET_ID=$(cat "$APPROLE_DIR/secret_id")
VAULT_TOKEN=$(curl -s --request POST \\
    --data "{{\\"role_id\\":\\"$ROLE_ID\\",\\"secret_id\\":\\"$SECRET_ID\\"}}" \\
    $VAULT_ADDR/v1/auth/approle/login | jq -r .auth.client_token)
"""


def seed_script(values):
    """B: as the seed shows it, one jq per key."""
    s = [SEED_HEAD.format(name="start-seed.sh")]
    for p, kv in values.items():
        s.append(f'VAULT_RESPONSE=$(curl -s -H "X-Vault-Token: $VAULT_TOKEN" '
                 f'$VAULT_ADDR/v1/secret/data/bench/{p})\n')
        for k in kv:
            s.append(f'{k}=$(echo $VAULT_RESPONSE | jq -r .data.data.{k})\n')
        s.append("export " + " ".join(kv) + "\n")
    s.append('exec "$@"\n')
    return "".join(s)


def compact_script(values):
    """B1: one jq per path."""
    s = [SEED_HEAD.format(name="start-compact.sh")]
    for p in values:
        s.append(f'eval "$(curl -s -H "X-Vault-Token: $VAULT_TOKEN" '
                 f'$VAULT_ADDR/v1/secret/data/bench/{p} | '
                 "jq -r '.data.data | to_entries[] | \"export \\(.key)=\\(.value|@sh)\"')\"\n")
    s.append('exec "$@"\n')
    return "".join(s)


# ---------------------------------------------------------------------------------------------
# Timing.

def run_once(argv, env, cwd, stdout=subprocess.DEVNULL):
    """Seconds, wall clock, of one fresh process; RunError unless it exits 0."""
    t0 = time.perf_counter()
    try:
        r = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout,
                           stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RunError(f"{argv[0]} ... timed out after {RUN_TIMEOUT:.0f} s")
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        # stderr of vaultform/curl/jq names no values (vaultform runs with --quiet).
        err = r.stderr.decode("utf-8", "replace").strip()[:400]
        raise RunError(f"{' '.join(argv[:3])} ... exit {r.returncode}: {err}")
    if r.stderr.strip():
        raise RunError(f"{' '.join(argv[:3])} ... wrote to stderr ({len(r.stderr)} bytes)")
    return dt


def summary(samples):
    ms = sorted(x * 1000.0 for x in samples)
    n = len(ms)
    p90 = ms[max(0, math.ceil(0.9 * n) - 1)]     # nearest rank
    return {"n": n, "median_ms": round(statistics.median(ms), 3), "p90_ms": round(p90, 3),
            "min_ms": round(ms[0], 3), "mean_ms": round(statistics.fmean(ms), 3),
            "max_ms": round(ms[-1], 3),
            "stdev_ms": round(statistics.stdev(ms), 3) if n > 1 else 0.0}


def interleave(variants, rounds, warmup, deadline, label):
    """{name: [seconds]} over `rounds` rounds, each variant once per round, order rotating."""
    names = list(variants)
    out = {n: [] for n in names}
    for i in range(warmup + rounds):
        if time.monotonic() > deadline:
            raise RunError(f"{label}: time budget exhausted after {i} rounds")
        k = i % len(names)
        for n in names[k:] + names[:k]:
            argv, env, cwd = variants[n]
            dt = run_once(argv, env, cwd)
            if i >= warmup:
                out[n].append(dt)
        if i >= warmup and (i - warmup + 1) % 50 == 0:
            log(f"{label}: {i - warmup + 1}/{rounds} rounds")
    return out


def child_vars(argv, env, cwd, tmp, name):
    """The variables the command was given, from `env -0`: {NAME: value}."""
    path = os.path.join(tmp, f"env-{name}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        run_once(argv, env, cwd, stdout=f)
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    out = {}
    for item in data.split(b"\0"):
        if item:
            k, _, v = item.partition(b"=")
            out[k.decode()] = v.decode("utf-8", "replace")
    return out


# ---------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200, help="timed rounds (default 200)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed rounds first (default 5)")
    ap.add_argument("--health-runs", type=int, default=50,
                    help="timed rounds of the health checks (default 50)")
    ap.add_argument("--bin", help="vaultform binary (default: cargo build --release, "
                                   "target/release/vaultform)")
    ap.add_argument("--out", help="figures JSON (default: $TMPDIR/bench-exec-<time>.json)")
    ap.add_argument("--max-minutes", type=float, default=30.0,
                    help="time budget for the timed loops (default 30)")
    ap.add_argument("--keep-workdir", action="store_true")
    args = ap.parse_args()
    if not (1 <= args.runs <= 100000 and 0 <= args.warmup <= 1000
            and 1 <= args.health_runs <= 100000):
        ap.error("--runs and --health-runs 1..100000, --warmup 0..1000")

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    work = tempfile.mkdtemp(prefix="bench-exec-")
    os.chmod(work, 0o700)
    rc = 2
    try:
        rc = bench(args, work)
    except SetupError as e:
        log(f"setup error: {e}")
    except RunError as e:
        log(f"run failed: {e}")
        rc = 1
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
    finally:
        cleanup_children()
        if args.keep_workdir:
            print(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(rc)


def bench(args, work):
    t_start = time.monotonic()
    home = os.path.join(work, "home")
    os.makedirs(home)
    base_env = clean_env(home)

    # 1. Binaries.
    r = subprocess.run([os.path.join(ROOT, "scripts", "install-openbao.sh")], cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    if r.returncode != 0 or not r.stdout.strip():
        raise SetupError(f"install-openbao.sh failed: {r.stderr.strip()[-800:]}")
    bao = r.stdout.strip().splitlines()[-1]
    if args.bin:
        vf = os.path.abspath(args.bin)
    else:
        log("cargo build --release --locked --bin vaultform")
        r = subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "vaultform"],
                           cwd=ROOT, timeout=3600)
        if r.returncode != 0:
            raise SetupError("cargo build --release failed")
        vf = os.path.join(ROOT, "target", "release", "vaultform")
    if not os.access(vf, os.X_OK):
        raise SetupError(f"{vf} is not an executable")
    for tool in ("curl", "jq", "true", "env", "sh"):
        if not shutil.which(tool):
            raise SetupError(f"`{tool}` is not on the PATH")
    true_bin = shutil.which("true")
    env_bin = shutil.which("env")

    # 2. The server.
    server, addr, root = start_server(bao, work, base_env)
    log(f"dev server at {addr}")

    # 3. Setup.
    mdir = os.path.join(work, "manifest")
    creds = os.path.join(work, "creds")
    values = make_values()
    write_manifest(mdir, creds, values)
    admin_env = clean_env(home, addr, root)
    r = subprocess.run([vf, "apply", "--auto-approve"], cwd=mdir, env=admin_env,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise SetupError(f"vaultform apply failed (exit {r.returncode}): {r.stderr.strip()[-1500:]}")
    for f in ("role_id", "secret_id"):
        st = os.stat(os.path.join(creds, f))
        if st.st_mode & 0o777 != 0o600:
            raise SetupError(f"{creds}/{f} has mode {oct(st.st_mode & 0o777)}, not 0600")
    r = subprocess.run([vf, "plan", "--detailed-exitcode"], cwd=mdir, env=admin_env,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise SetupError(f"the plan after apply is not empty (exit {r.returncode})")
    log(f"applied: policy bench, AppRole bench (credentials in {creds}), "
        f"3 secrets with {sum(PATHS.values())} keys")

    seed_sh = os.path.join(work, "start-seed.sh")
    compact_sh = os.path.join(work, "start-compact.sh")
    for path, text in ((seed_sh, seed_script(values)), (compact_sh, compact_script(values))):
        with open(path, "w") as f:
            f.write(text)
    svc_env = clean_env(home, addr)     # no VAULT_TOKEN
    exec_argv = [vf, "exec", "--quiet", "--approle-dir", creds,
                 "--secret", "secret/bench/a", "--secret", "secret/bench/b",
                 "--secret", "secret/bench/c", "--"]

    def variants(cmd):
        return {
            "A": (exec_argv + cmd, svc_env, work),
            "B": (["/bin/sh", seed_sh, creds] + cmd, svc_env, work),
            "B1": (["/bin/sh", compact_sh, creds] + cmd, svc_env, work),
        }

    # 4. Same variables, same values (again after the timed rounds: a start-up script that
    # failed half-way would still exit 0 through its `exec`, and fast).
    expected = {k: v for kv in values.values() for k, v in kv.items()}

    def env_check(when):
        base_vars = child_vars([env_bin, "-0"], svc_env, work, work, "C")
        added = {}
        for name, (argv, env, cwd) in variants([env_bin, "-0"]).items():
            got = child_vars(argv, env, cwd, work, name)
            added[name] = {k: v for k, v in got.items() if base_vars.get(k) != v}
        check = {"expected_vars": len(expected)}
        ok = True
        for name, vars_ in added.items():
            match = sum(1 for k, v in expected.items() if vars_.get(k) == v)
            extra = sorted(k for k in vars_ if k not in expected)
            check[name] = {"secret_vars_matching": match, "extra_vars": extra}
            log(f"{when}: variables given by {name}: {match}/{len(expected)} secret variables "
                f"match the manifest; other variables added or changed: {extra or 'none'}")
            ok = ok and match == len(expected)
        same = all(added["A"].get(k) == added["B"].get(k) == added["B1"].get(k)
                   for k in expected)
        check["A_B_B1_identical"] = same
        log(f"{when}: A, B and B1 give the command the same secret variables and values: "
            + ("yes" if same else "NO"))
        if not (ok and same):
            raise RunError(f"{when}: the variants do not give the same variables "
                           "(values not shown)")
        return check

    check = {"before": env_check("before timing")}

    # 5. The timed rounds.
    deadline = t_start + args.max_minutes * 60.0
    timed = variants([true_bin])
    timed["C"] = ([true_bin], svc_env, work)
    timed["V"] = ([vf, "--version"], svc_env, work)
    log(f"timing {args.runs} rounds of A B B1 C V ({args.warmup} warm-up rounds)")
    samples = interleave(timed, args.runs, args.warmup, deadline, "exec")

    # 6. Health checks.
    health = {
        "H0": ([vf, "health"], svc_env, work),
        "H1": ([vf, "health", "--approle-dir", creds, "--secret", "secret/bench/a"],
               svc_env, work),
        "Hc": (["curl", "-s", "-o", "/dev/null", "-f", f"{addr}/v1/sys/health"], svc_env, work),
    }
    log(f"timing {args.health_runs} rounds of the health checks")
    hsamples = interleave(health, args.health_runs, min(args.warmup, 3), deadline, "health")
    check["after"] = env_check("after timing")

    # Figures.
    st = {n: summary(v) for n, v in samples.items()}
    hs = {n: summary(v) for n, v in hsamples.items()}
    med = {n: s["median_ms"] for n, s in st.items()}
    ratio_b = med["B"] / med["A"]
    ratio_b1 = med["B1"] / med["A"]
    paired_ab = [b / a for a, b in zip(samples["A"], samples["B"])]
    paired_ab1 = [b / a for a, b in zip(samples["A"], samples["B1"])]
    targets = {
        "ratio_B_over_A_at_least_5": ratio_b >= TARGET_RATIO,
        "ratio_B1_over_A_at_least_5": ratio_b1 >= TARGET_RATIO,
        "A_median_under_20ms": med["A"] < TARGET_MS,
        "A_p90_under_20ms": st["A"]["p90_ms"] < TARGET_MS,
    }
    figures = {
        "format": 1,
        "benchmark": "exec-startup",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
        "options": {"runs": args.runs, "warmup": args.warmup, "health_runs": args.health_runs},
        "machine": machine(),
        "versions": {
            "vaultform": first_line([vf, "--version"]),
            "vaultform_binary": os.path.relpath(vf, ROOT) if vf.startswith(ROOT) else vf,
            "bao": first_line([bao, "version"], env=base_env),
            "curl": first_line(["curl", "--version"]),
            "jq": first_line(["jq", "--version"]),
            "sh": os.path.realpath("/bin/sh"),
            "python": sys.version.split()[0],
        },
        "git": git_state(),
        "setup": {"paths": [f"secret/bench/{p}" for p in PATHS], "keys_per_path": PATHS,
                  "server": "bao server -dev, 127.0.0.1, inmem storage, no TLS"},
        "variants": {
            "A": "vaultform exec --quiet --approle-dir CREDS --secret secret/bench/{a,b,c} -- true",
            "B": "seed's start-up in /bin/sh: cat role_id/secret_id, curl login | jq, "
                 "per path curl GET, one `echo $VAULT_RESPONSE | jq -r .data.data.KEY` per key, "
                 "exec true",
            "B1": "as B with one jq per path (to_entries | export ... @sh, eval)",
            "C": "true (process spawn floor)",
            "V": "vaultform --version (a vaultform process doing no work)",
            "H0": "vaultform health (sys/health)",
            "H1": "vaultform health --approle-dir CREDS --secret secret/bench/a",
            "Hc": "curl -s -f -o /dev/null VAULT_ADDR/v1/sys/health",
        },
        "env_check": check,
        "exec": st,
        "health": hs,
        "derived_ms": {
            "A_minus_C": round(med["A"] - med["C"], 3),
            "B_minus_C": round(med["B"] - med["C"], 3),
            "B1_minus_C": round(med["B1"] - med["C"], 3),
            "V_minus_C": round(med["V"] - med["C"], 3),
            "A_minus_V": round(med["A"] - med["V"], 3),
        },
        "ratios": {
            "B_over_A_medians": round(ratio_b, 2),
            "B1_over_A_medians": round(ratio_b1, 2),
            "B_over_A_paired_median": round(statistics.median(paired_ab), 2),
            "B1_over_A_paired_median": round(statistics.median(paired_ab1), 2),
            "B_minus_C_over_A_minus_C": round((med["B"] - med["C"]) / (med["A"] - med["C"]), 2),
        },
        "targets": {"ratio_at_least": TARGET_RATIO, "A_under_ms": TARGET_MS, **targets},
        "elapsed_s": round(time.monotonic() - t_start, 1),
    }
    out = args.out or os.path.join(tempfile.gettempdir(),
                                   time.strftime("bench-exec-%Y%m%d-%H%M%S.json"))
    with open(out, "w") as f:
        json.dump(figures, f, indent=1)
        f.write("\n")
    print_figures(figures)
    print(f"figures written to {out}")
    kill_group(server)
    return 0


def machine():
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = None
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "kernel": os.uname().release,
            "loadavg_at_end": load, "nice": os.nice(0)}


def git_state():
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src",
                                "Cargo.toml", "Cargo.lock"], cwd=ROOT, capture_output=True,
                               text=True, timeout=30).stdout.strip()
        return {"commit": commit, "src_dirty": bool(dirty)}
    except (OSError, subprocess.SubprocessError):
        return None


def print_figures(f):
    print("\n=== vaultform exec vs the seed's curl + jq start-up "
          f"({f['options']['runs']} interleaved rounds) ===")
    print(f"  {'variant':<52} {'median':>8} {'p90':>8} {'min':>8} {'mean':>8}   ms")
    labels = {
        "A": "A  vaultform exec (login + 3 reads + exec true)",
        "B": "B  seed: sh + curl + jq per key",
        "B1": "B1 sh + curl + jq per path",
        "C": "C  true (spawn floor)",
        "V": "V  vaultform --version",
    }
    for n, label in labels.items():
        s = f["exec"][n]
        print(f"  {label:<52} {s['median_ms']:8.2f} {s['p90_ms']:8.2f} {s['min_ms']:8.2f} "
              f"{s['mean_ms']:8.2f}")
    d, r, t = f["derived_ms"], f["ratios"], f["targets"]
    print(f"  A-C {d['A_minus_C']:.2f} ms   B-C {d['B_minus_C']:.2f} ms   "
          f"B1-C {d['B1_minus_C']:.2f} ms   V-C {d['V_minus_C']:.2f} ms   "
          f"A-V {d['A_minus_V']:.2f} ms")
    print(f"  B/A {r['B_over_A_medians']:.2f}x (paired {r['B_over_A_paired_median']:.2f}x)   "
          f"B1/A {r['B1_over_A_medians']:.2f}x (paired {r['B1_over_A_paired_median']:.2f}x)   "
          f"(B-C)/(A-C) {r['B_minus_C_over_A_minus_C']:.2f}x")
    yn = lambda b: "yes" if b else "NO"   # noqa: E731
    print(f"  target B/A >= {t['ratio_at_least']:.0f}x: {yn(t['ratio_B_over_A_at_least_5'])}"
          f"   (B1/A: {yn(t['ratio_B1_over_A_at_least_5'])})")
    print(f"  target A < {t['A_under_ms']:.0f} ms: median {yn(t['A_median_under_20ms'])}, "
          f"p90 {yn(t['A_p90_under_20ms'])}")
    print(f"\n=== health checks ({f['options']['health_runs']} interleaved rounds) ===")
    hl = {"H0": "vaultform health", "H1": "vaultform health --approle-dir --secret (1 path)",
          "Hc": "curl sys/health (reference)"}
    for n, label in hl.items():
        s = f["health"][n]
        print(f"  {label:<52} {s['median_ms']:8.2f} {s['p90_ms']:8.2f} {s['min_ms']:8.2f} "
              f"{s['mean_ms']:8.2f}")
    m = f["machine"]
    print(f"\n  machine: {m['nproc']} CPU(s), {m['cpu_model']}; "
          f"{f['versions']['vaultform']}; {f['versions']['bao']}; {f['versions']['curl']}; "
          f"{f['versions']['jq']}")


if __name__ == "__main__":
    main()
