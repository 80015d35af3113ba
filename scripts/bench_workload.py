#!/usr/bin/env python3
"""Workload driver for scripts/bench.sh (not part of CI).

Subcommands:
  prepare  --src DIR --size-mib N --files N
        Random input: DIR/big.bin (N MiB) and DIR/small/f_NNNN.bin (4 KiB each), plus
        DIR/manifest.json with every sha256.
  clear    --endpoint URL BUCKET...
        Delete every object (and abort every multipart upload) in the buckets.
  ceiling  --endpoint URL --bucket B --src DIR --out FILE.json
        boto3 put_object/get_object and upload_file/download_file of big.bin.
  run      --fs smartfs|s3fs|rclone --endpoint URL --bucket-a A --bucket-b B --src DIR
           --work DIR --out FILE.json [--smartfs-bin PATH] [--timeout-scale X]
        Mounts the filesystem over both buckets and runs the nine timed steps, each checked
        for correctness; results are written to FILE.json after every step, so a run that is
        cut short still leaves what it measured.

Every wait is bounded (subprocess timeouts, polling deadlines). Credentials are test/test:
the server runs without signature checking.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import traceback

MIB = 1 << 20
SMALL_SIZE = 4096
ACCESS_KEY = SECRET_KEY = "test"
# Seconds to wait, after an object is seen in S3 and the clock has stopped, before GETting it
# to verify it: the uploader's own PUT may still be computing the ETag for its response, and a
# concurrent GET would race it inside moto (see object_size).
SETTLE_S = 3.0
REGION = "us-east-1"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def s3_client(endpoint):
    import boto3
    from botocore.config import Config
    cfg = Config(s3={"addressing_style": "path"},
                 retries={"mode": "standard", "max_attempts": 3},
                 connect_timeout=10, read_timeout=120,
                 max_pool_connections=20)
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, config=cfg)


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(MIB)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def list_keys(s3, bucket, prefix=""):
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"]] = o["Size"]
    return out


def object_size(s3, bucket, key):
    """The object's size, or None if it does not exist. GetObjectAttributes(ObjectSize), not
    HEAD or ListObjects: moto computes an object's ETag lazily, without a lock, on the first
    request that needs it; a HEAD or a listing that arrives while the uploader's own request is
    computing it interleaves reads of the same buffer and caches a wrong ETag (rclone then sees
    "corrupted on transfer: md5 hash differ" and deletes its upload). ObjectSize alone does not
    touch the ETag."""
    from botocore.exceptions import ClientError
    try:
        return s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["ObjectSize"])["ObjectSize"]
    except ClientError as e:
        if e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404 or \
                e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return None
        raise


def wait_objects(s3, bucket, keys, size, timeout, interval, what):
    """Poll until every key exists with the given size (one GetObjectAttributes per key,
    keys already seen are not asked again)."""
    pending = sorted(keys)
    deadline = time.monotonic() + timeout
    while True:
        still = []
        for i, k in enumerate(pending):
            if object_size(s3, bucket, k) != size:
                still = pending[i:]
                break
        # Keys seen so far are done; ask again only from the first one missing.
        pending = still
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what} "
                               f"({len(pending)} of {len(keys)} missing, first {pending[0]})")
        time.sleep(interval)


def run_cmd(argv, timeout, env=None, check=True):
    """Run a command with a timeout; returns (returncode, stdout, stderr) as a CompletedProcess.
    Output goes through temporary files, not pipes: a daemon that inherits them (rclone
    --daemon) must not keep us waiting for EOF. Raises on timeout or (check) failure."""
    import tempfile
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        rc = subprocess.run(argv, stdout=out, stderr=err, timeout=timeout, env=env,
                            stdin=subprocess.DEVNULL).returncode
        out.seek(0)
        err.seek(0)
        p = subprocess.CompletedProcess(argv, rc, out.read(), err.read())
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {p.returncode}: "
                           f"{p.stderr.decode(errors='replace').strip()[-800:]}")
    return p


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == path:
                return True
    return False


def wait_until(pred, timeout, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def pids_matching(exe_part, mountpoints):
    """Pids whose argv[0] contains exe_part and whose argv names one of the mount points."""
    mps = {os.path.realpath(m) for m in mountpoints} | set(mountpoints)
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if not argv or exe_part not in os.path.basename(argv[0]):
            continue
        if any(a in mps or a.rstrip("/") in mps for a in argv[1:]):
            found.append(int(d))
    return found


def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def drop_caches():
    run_cmd(["sync"], timeout=180)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def fuse_unmount(mp, timeout=60):
    """fusermount3 -u, retried while busy, then -uz. Never raises."""
    deadline = time.monotonic() + timeout
    while is_mounted(mp) and time.monotonic() < deadline:
        try:
            p = run_cmd(["fusermount3", "-u", mp], timeout=30, check=False)
            if p.returncode == 0:
                break
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.5)
    if is_mounted(mp):
        log(f"fusermount3 -u {mp} did not succeed; lazy unmount")
        try:
            run_cmd(["fusermount3", "-u", "-z", mp], timeout=30, check=False)
        except subprocess.TimeoutExpired:
            pass


# --- the three filesystems -------------------------------------------------------------


class Mount:
    """Base: mount()/unmount() may be called repeatedly; each mount gets fresh cache dirs."""
    name = "?"

    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        self.endpoint = args.endpoint
        self.bucket_a, self.bucket_b = args.bucket_a, args.bucket_b
        self.session = 0
        self.hwm_sessions = []   # per mount session: {"pids": n, "hwm_kib_sum": x, "hwm_kib_max": y}
        self.commands = []       # the exact commands used (first session)
        self.logs = []
        self.configs = {}        # file name -> text, shown in the report
        os.makedirs(os.path.join(self.work, "logs"), exist_ok=True)

    def note_command(self, argv, env_note=""):
        if self.session == 1:
            self.commands.append((env_note + " " if env_note else "") + " ".join(argv))

    def daemon_pids(self):
        raise NotImplementedError

    def sample_hwm(self):
        pids = self.daemon_pids()
        vals = [v for v in (vm_hwm_kib(p) for p in pids) if v is not None]
        if vals:
            self.hwm_sessions.append({"session": self.session, "pids": len(vals),
                                      "hwm_kib_sum": sum(vals), "hwm_kib_max": max(vals)})

    def wait_daemons_gone(self, pids, timeout=60):
        try:
            wait_until(lambda: not any(pid_alive(p) for p in pids), timeout, 0.1, "daemon exit")
        except TimeoutError:
            log(f"{self.name}: daemons {pids} still alive {timeout} s after unmount; killing")
            for p in pids:
                try:
                    os.kill(p, 9)
                except ProcessLookupError:
                    pass

    def remount(self):
        self.unmount()
        self.mount()


class SmartfsMount(Mount):
    name = "smartfs"

    def __init__(self, args):
        super().__init__(args)
        self.bin = args.smartfs_bin
        self.mnt = os.path.join(self.work, "mnt-smartfs")
        os.makedirs(self.mnt, exist_ok=True)
        self.cfg = os.path.join(self.work, "smartfs.toml")
        with open(self.cfg, "w") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(f'''# smartfs benchmark configuration (scripts/bench.sh)
[defaults]
endpoint_url = "{self.endpoint}"
region_name = "{REGION}"
addressing_style = "path"
access_key = "{ACCESS_KEY}"
secret_key = "{SECRET_KEY}"

[modules.a]
bucket_name = "{self.bucket_a}"
location = ""

[modules.b]
bucket_name = "{self.bucket_b}"
location = ""
''')
        self.configs[os.path.basename(self.cfg)] = open(self.cfg).read()
        self.path_a = os.path.join(self.mnt, "a")
        self.path_b = os.path.join(self.mnt, "b")

    def daemon_pids(self):
        return pids_matching("smartfs", [self.mnt])

    def mount(self):
        self.session += 1
        cache = os.path.join(self.work, f"cache-smartfs-{self.session}")
        os.makedirs(cache)
        logf = os.path.join(self.work, "logs", f"smartfs-{self.session}.log")
        self.logs.append(logf)
        argv = [self.bin, "mount", self.mnt, "--config", self.cfg, "--cache-dir", cache, "--log-file", logf]
        self.note_command(argv)
        run_cmd(argv, timeout=90)
        if not is_mounted(self.mnt):
            raise RuntimeError("smartfs mount returned but nothing is mounted")

    def unmount(self):
        self.sample_hwm()
        pids = self.daemon_pids()
        argv = [self.bin, "unmount", self.mnt]
        self.note_command(argv)
        try:
            run_cmd(argv, timeout=600)
        except Exception as e:  # noqa: BLE001 - reported, then forced
            log(f"smartfs unmount failed: {e}; forcing")
            fuse_unmount(self.mnt)
            raise
        finally:
            self.wait_daemons_gone(pids)


class S3fsMount(Mount):
    name = "s3fs"

    def __init__(self, args):
        super().__init__(args)
        self.passwd = os.path.join(self.work, "s3fs.passwd")
        with open(self.passwd, "w") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(f"{ACCESS_KEY}:{SECRET_KEY}\n")
        self.configs[os.path.basename(self.passwd)] = f"{ACCESS_KEY}:{SECRET_KEY}   (chmod 600)\n"
        self.mnts = {self.bucket_a: os.path.join(self.work, "mnt-s3fs-a"),
                     self.bucket_b: os.path.join(self.work, "mnt-s3fs-b")}
        for m in self.mnts.values():
            os.makedirs(m, exist_ok=True)
        self.path_a = self.mnts[self.bucket_a]
        self.path_b = self.mnts[self.bucket_b]

    def daemon_pids(self):
        return pids_matching("s3fs", list(self.mnts.values()))

    def mount(self):
        self.session += 1
        for bucket, mnt in self.mnts.items():
            logf = os.path.join(self.work, "logs", f"s3fs-{os.path.basename(mnt)}-{self.session}.log")
            self.logs.append(logf)
            argv = ["s3fs", bucket, mnt, "-o",
                    f"url={self.endpoint},use_path_request_style,passwd_file={self.passwd},"
                    f"dbglevel=warn,logfile={logf}"]
            self.note_command(argv)
            run_cmd(argv, timeout=60)
            wait_until(lambda: is_mounted(mnt), 30, 0.1, f"s3fs mount of {mnt}")
            # s3fs mounts before it has checked the bucket: make sure it answers.
            os.listdir(mnt)

    def unmount(self):
        self.sample_hwm()
        pids = self.daemon_pids()
        for mnt in self.mnts.values():
            argv = ["fusermount3", "-u", mnt]
            self.note_command(argv)
            fuse_unmount(mnt)
        self.wait_daemons_gone(pids)


class RcloneMount(Mount):
    """One rclone mount of the remote's root: each bucket is a top-level directory."""
    name = "rclone"

    def __init__(self, args):
        super().__init__(args)
        self.conf = os.path.join(self.work, "rclone.conf")
        with open(self.conf, "w") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(f"""[bench]
type = s3
provider = Other
access_key_id = {ACCESS_KEY}
secret_access_key = {SECRET_KEY}
endpoint = {self.endpoint}
region = {REGION}
force_path_style = true
""")
        self.configs[os.path.basename(self.conf)] = open(self.conf).read()
        self.mnt = os.path.join(self.work, "mnt-rclone")
        os.makedirs(self.mnt, exist_ok=True)
        self.path_a = os.path.join(self.mnt, self.bucket_a)
        self.path_b = os.path.join(self.mnt, self.bucket_b)
        self.env = dict(os.environ)
        self.env.pop("AWS_CA_BUNDLE", None)   # rclone fails to load it

    def daemon_pids(self):
        return pids_matching("rclone", [self.mnt])

    def mount(self):
        self.session += 1
        cache = os.path.join(self.work, f"cache-rclone-{self.session}")
        os.makedirs(cache)
        logf = os.path.join(self.work, "logs", f"rclone-{self.session}.log")
        self.logs.append(logf)
        argv = ["rclone", "mount", "bench:", self.mnt, "--config", self.conf,
                "--vfs-cache-mode", "writes", "--cache-dir", cache,
                "--log-file", logf, "--log-level", "INFO", "--daemon", "--daemon-wait", "60s"]
        self.note_command(argv, "env -u AWS_CA_BUNDLE")
        run_cmd(argv, timeout=90, env=self.env)
        wait_until(lambda: is_mounted(self.mnt), 60, 0.1, "rclone mount")
        wait_until(lambda: os.path.isdir(self.path_a) and os.path.isdir(self.path_b), 30, 0.2,
                   "the buckets to show in the rclone mount")

    def unmount(self):
        self.sample_hwm()
        pids = self.daemon_pids()
        argv = ["fusermount3", "-u", self.mnt]
        self.note_command(argv)
        fuse_unmount(self.mnt)
        self.wait_daemons_gone(pids)


FILESYSTEMS = {"smartfs": SmartfsMount, "s3fs": S3fsMount, "rclone": RcloneMount}


# --- subcommands -------------------------------------------------------------------------


def cmd_prepare(args):
    src = args.src
    os.makedirs(os.path.join(src, "small"), exist_ok=True)
    size = args.size_mib * MIB
    h = hashlib.sha256()
    with open(os.path.join(src, "big.bin"), "wb") as f:
        for _ in range(args.size_mib):
            b = os.urandom(MIB)
            h.update(b)
            f.write(b)
    small = {}
    for i in range(args.files):
        name = f"f_{i:04d}.bin"
        b = os.urandom(SMALL_SIZE)
        with open(os.path.join(src, "small", name), "wb") as f:
            f.write(b)
        small[name] = sha256_bytes(b)
    with open(os.path.join(src, "manifest.json"), "w") as f:
        json.dump({"big": {"size": size, "sha256": h.hexdigest()}, "small": small,
                   "small_size": SMALL_SIZE}, f, indent=1)


def clear_bucket(s3, bucket):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        objs = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        for i in range(0, len(objs), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objs[i:i + 1000], "Quiet": True})
    ups = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    for u in ups:
        s3.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
    left = list_keys(s3, bucket)
    if left:
        raise RuntimeError(f"bucket {bucket} still holds {len(left)} objects")


def cmd_clear(args):
    s3 = s3_client(args.endpoint)
    for b in args.buckets:
        clear_bucket(s3, b)


def cmd_ceiling(args):
    from boto3.s3.transfer import TransferConfig
    s3 = s3_client(args.endpoint)
    man = json.load(open(os.path.join(args.src, "manifest.json")))
    size, want = man["big"]["size"], man["big"]["sha256"]
    big = os.path.join(args.src, "big.bin")
    with open(big, "rb") as f:
        body = f.read()
    res = {"size": size, "errors": []}
    mib = size / MIB

    def timed(label, fn):
        try:
            t = time.monotonic()
            out = fn()
            dt = time.monotonic() - t
            res[label] = mib / dt
            log(f"ceiling {label}: {mib / dt:.1f} MiB/s")
            return out
        except Exception as e:  # noqa: BLE001
            res["errors"].append(f"{label}: {e}")
            log(f"ceiling {label} failed: {e}")
            return None

    timed("put_object_mibs", lambda: s3.put_object(Bucket=args.bucket, Key="ceiling/put.bin", Body=body))
    data = timed("get_object_mibs",
                 lambda: s3.get_object(Bucket=args.bucket, Key="ceiling/put.bin")["Body"].read())
    if data is not None and sha256_bytes(data) != want:
        res["errors"].append("get_object: sha256 mismatch")
    del data
    tc = TransferConfig()  # boto3's defaults: 8 MiB threshold and parts, 10 threads
    res["transfer_config"] = {"multipart_threshold": tc.multipart_threshold,
                              "multipart_chunksize": tc.multipart_chunksize,
                              "max_concurrency": tc.max_request_concurrency}
    timed("upload_file_mibs", lambda: s3.upload_file(big, args.bucket, "ceiling/upload.bin", Config=tc))
    dst = os.path.join(args.work, "ceiling-download.bin")
    timed("download_file_mibs", lambda: s3.download_file(args.bucket, "ceiling/upload.bin", dst, Config=tc))
    if os.path.exists(dst):
        if sha256_file(dst) != want:
            res["errors"].append("download_file: sha256 mismatch")
        os.unlink(dst)
    clear_bucket(s3, args.bucket)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)


class Run:
    def __init__(self, args):
        self.args = args
        self.scale = args.timeout_scale
        self.s3 = s3_client(args.endpoint)
        self.man = json.load(open(os.path.join(args.src, "manifest.json")))
        self.size = self.man["big"]["size"]
        self.names = sorted(self.man["small"])
        self.fs = FILESYSTEMS[args.fs](args)
        self.res = {"fs": args.fs, "size": self.size, "files": len(self.names),
                    "metrics": {}, "checks": {}, "errors": [], "notes": []}
        self.cur_step = 0

    def save(self):
        self.res["commands"] = self.fs.commands
        self.res["logs"] = self.fs.logs
        self.res["configs"] = self.fs.configs
        self.res["rss_sessions"] = self.fs.hwm_sessions
        if self.fs.hwm_sessions:
            best = max(self.fs.hwm_sessions, key=lambda s: s["hwm_kib_sum"])
            self.res["metrics"]["peak_rss_mib"] = best["hwm_kib_sum"] / 1024
            self.res["rss_daemons"] = best["pids"]
        tmp = self.args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.res, f, indent=1)
        os.replace(tmp, self.args.out)

    def metric(self, key, value):
        self.res["metrics"][key] = value
        log(f"{self.fs.name}: {key} = {value:.3f}")

    def check(self, key, ok, detail=""):
        self.res["checks"][key] = {"ok": bool(ok), "detail": detail, "step": self.cur_step}
        log(f"{self.fs.name}: check {key}: {'OK' if ok else 'FAILED'} {detail}")

    def step(self, name, fn):
        self.cur_step = int(name.split()[0])
        log(f"{self.fs.name}: step {name}")
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - recorded and reported
            msg = f"{name}: {type(e).__name__}: {e}"
            self.res["errors"].append(msg)
            self.res.setdefault("failed_steps", []).append(self.cur_step)
            log(f"{self.fs.name}: ERROR {msg}")
            traceback.print_exc(file=sys.stderr)
        self.save()

    def t(self, seconds):
        return seconds * self.scale

    # -- steps --

    def s1_write(self):
        src = os.path.join(self.args.src, "big.bin")
        with open(src, "rb") as f:
            data = f.read()
        chunks = [memoryview(data)[i:i + MIB] for i in range(0, len(data), MIB)]
        dst = os.path.join(self.fs.path_a, "big.bin")
        t0 = time.monotonic()
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        for c in chunks:
            n = os.write(fd, c)
            while n < len(c):
                n += os.write(fd, c[n:])
        os.fsync(fd)
        os.close(fd)
        t_app = time.monotonic() - t0
        self.metric("write_app_mibs", self.size / MIB / t_app)

        wait_objects(self.s3, self.args.bucket_a, ["big.bin"], self.size, self.t(600), 0.1,
                     "big.bin complete in S3")
        t_s3 = time.monotonic() - t0
        self.metric("write_s3_mibs", self.size / MIB / t_s3)
        self.metric("write_s3_s", t_s3)
        time.sleep(SETTLE_S)
        got = sha256_bytes(self.s3.get_object(Bucket=self.args.bucket_a, Key="big.bin")["Body"].read())
        self.check("write: S3 object sha256", got == self.man["big"]["sha256"], f"sha256 {got[:12]}")
        st = os.stat(dst)
        self.check("write: size through the mount", st.st_size == self.size, f"st_size {st.st_size}")

    def s2_read(self):
        self.fs.remount()
        drop_caches()
        path = os.path.join(self.fs.path_a, "big.bin")
        chunks = []
        t0 = time.monotonic()
        with open(path, "rb", buffering=0) as f:
            while True:
                b = f.read(MIB)
                if not b:
                    break
                chunks.append(b)
        dt = time.monotonic() - t0
        h = hashlib.sha256()
        n = 0
        for c in chunks:
            h.update(c)
            n += len(c)
        ok = n == self.size and h.hexdigest() == self.man["big"]["sha256"]
        self.check("cold read: sha256", ok, f"{n} bytes")
        self.metric("read_cold_mibs", n / MIB / dt)

    def s3_rename(self):
        src = os.path.join(self.fs.path_a, "big.bin")
        dst = os.path.join(self.fs.path_a, "big-renamed.bin")
        t0 = time.monotonic()
        run_cmd(["mv", src, dst], timeout=self.t(600))
        dt = time.monotonic() - t0
        self.metric("rename_s", dt)

        def done():
            return object_size(self.s3, self.args.bucket_a, "big-renamed.bin") == self.size and \
                object_size(self.s3, self.args.bucket_a, "big.bin") is None
        wait_until(done, self.t(300), 0.1, "the rename in S3")
        self.metric("rename_s3_s", time.monotonic() - t0)
        ok = os.stat(dst).st_size == self.size and not os.path.exists(src)
        self.check("rename: through the mount", ok)
        self.check("rename: in S3 (new key full size, old key gone)", True)

    def write_small(self):
        d = os.path.join(self.fs.path_a, "small")
        srcd = os.path.join(self.args.src, "small")
        bodies = {n: open(os.path.join(srcd, n), "rb").read() for n in self.names}
        t0 = time.monotonic()
        os.mkdir(d)
        for n in self.names:
            fd = os.open(os.path.join(d, n), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, bodies[n])
            os.close(fd)
        dt = time.monotonic() - t0
        self.metric("small_create_fps", len(self.names) / dt)
        wait_objects(self.s3, self.args.bucket_a, [f"small/{n}" for n in self.names], SMALL_SIZE,
                     self.t(300), 0.2, "the small files in S3")
        t_s3 = time.monotonic() - t0
        self.metric("small_create_s3_fps", len(self.names) / t_s3)
        self.metric("small_create_s3_s", t_s3)
        self.check("small files: all in S3 with their size", True)

    def s5_ls(self):
        self.fs.remount()
        drop_caches()
        d = os.path.join(self.fs.path_a, "small")
        t0 = time.monotonic()
        p = run_cmd(["ls", "-l", d], timeout=self.t(300), env=dict(os.environ, LC_ALL="C"))
        dt = time.monotonic() - t0
        self.metric("ls_cold_s", dt)
        lines = [l for l in p.stdout.decode().splitlines() if not l.startswith("total")]
        entries = {}
        for l in lines:
            parts = l.split(None, 8)
            if len(parts) == 9:
                entries[parts[8]] = int(parts[4])
        ok = set(entries) == set(self.names) and all(v == SMALL_SIZE for v in entries.values())
        self.check("ls -l: every file with its size", ok, f"{len(entries)} entries")

    def s6_stat(self):
        d = os.path.join(self.fs.path_a, "small")
        paths = [os.path.join(d, n) for n in self.names]
        n = 5000
        bad = 0
        t0 = time.monotonic()
        for i in range(n):
            if os.stat(paths[i % len(paths)]).st_size != SMALL_SIZE:
                bad += 1
        dt = time.monotonic() - t0
        self.metric("stat_warm_per_s", n / dt)
        self.check("stat: sizes", bad == 0, f"{bad} wrong")

    def s7_read_small(self):
        self.fs.remount()
        drop_caches()
        d = os.path.join(self.fs.path_a, "small")
        got = {}
        t0 = time.monotonic()
        for n in self.names:
            with open(os.path.join(d, n), "rb") as f:
                got[n] = f.read()
        dt = time.monotonic() - t0
        self.metric("small_read_cold_fps", len(self.names) / dt)
        bad = [n for n in self.names if sha256_bytes(got[n]) != self.man["small"][n]]
        self.check("small files read cold: sha256", not bad, f"{len(bad)} differ")

    def s8_copy(self):
        src = os.path.join(self.fs.path_a, "small")
        dst = os.path.join(self.fs.path_b, "small")
        t0 = time.monotonic()
        run_cmd(["cp", "-r", src, dst], timeout=self.t(600))
        dt = time.monotonic() - t0
        self.metric("cp_r_s", dt)
        wait_objects(self.s3, self.args.bucket_b, [f"small/{n}" for n in self.names], SMALL_SIZE,
                     self.t(300), 0.2, "the copies in S3")
        self.metric("cp_r_s3_s", time.monotonic() - t0)
        time.sleep(SETTLE_S)
        bad_mount = [n for n in self.names
                     if sha256_file(os.path.join(dst, n)) != self.man["small"][n]]
        self.check("cp -r: sha256 through the mount", not bad_mount, f"{len(bad_mount)} differ")
        bad_s3 = [n for n in self.names
                  if sha256_bytes(self.s3.get_object(Bucket=self.args.bucket_b, Key=f"small/{n}")["Body"].read())
                  != self.man["small"][n]]
        self.check("cp -r: sha256 through S3", not bad_s3, f"{len(bad_s3)} differ")

    def s9_rm(self):
        a = os.path.join(self.fs.path_a, "small")
        b = os.path.join(self.fs.path_b, "small")
        t0 = time.monotonic()
        run_cmd(["rm", "-rf", a, b], timeout=self.t(600))
        dt = time.monotonic() - t0
        self.metric("rm_rf_s", dt)

        def gone():
            return not list_keys(self.s3, self.args.bucket_a, "small/") and \
                not list_keys(self.s3, self.args.bucket_b, "small/")
        wait_until(gone, self.t(120), 0.2, "the deletions in S3")
        self.metric("rm_rf_s3_s", time.monotonic() - t0)
        self.check("rm -rf: gone through the mount", not os.path.exists(a) and not os.path.exists(b))
        self.check("rm -rf: gone from S3", True)

    def run(self):
        try:
            self.fs.mount()
        except Exception as e:  # noqa: BLE001
            self.res["errors"].append(f"mount: {type(e).__name__}: {e}")
            log(f"{self.fs.name}: mount failed: {e}")
            self.save()
            return 1
        self.save()
        self.step("1 sequential write", self.s1_write)
        self.step("2 cold sequential read", self.s2_read)
        self.step("3 rename", self.s3_rename)
        self.step("4 small files create", self.write_small)
        self.step("5 ls -l cold", self.s5_ls)
        self.step("6 stat warm", self.s6_stat)
        self.step("7 small files read cold", self.s7_read_small)
        self.step("8 cp -r a to b", self.s8_copy)
        self.step("9 rm -rf", self.s9_rm)
        try:
            self.fs.unmount()
        except Exception as e:  # noqa: BLE001
            self.res["errors"].append(f"final unmount: {type(e).__name__}: {e}")
        self.save()
        return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--src", required=True)
    p.add_argument("--size-mib", type=int, required=True)
    p.add_argument("--files", type=int, required=True)
    p = sub.add_parser("clear")
    p.add_argument("--endpoint", required=True)
    p.add_argument("buckets", nargs="+")
    p = sub.add_parser("ceiling")
    for a in ("--endpoint", "--bucket", "--src", "--work", "--out"):
        p.add_argument(a, required=True)
    p = sub.add_parser("run")
    p.add_argument("--fs", choices=sorted(FILESYSTEMS), required=True)
    for a in ("--endpoint", "--bucket-a", "--bucket-b", "--src", "--work", "--out"):
        p.add_argument(a, required=True)
    p.add_argument("--smartfs-bin", default="")
    p.add_argument("--timeout-scale", type=float, default=1.0)
    args = ap.parse_args()
    if args.cmd == "prepare":
        cmd_prepare(args)
    elif args.cmd == "clear":
        cmd_clear(args)
    elif args.cmd == "ceiling":
        cmd_ceiling(args)
    else:
        sys.exit(Run(args).run())


if __name__ == "__main__":
    main()
