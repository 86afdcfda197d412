#!/bin/bash
# Runs every fuzz target for SECONDS seconds (default 60) from a seed corpus made with
# rdiff (signatures of all four magics, deltas, hand-made malformed deltas) and plain bytes.
#   native/fuzz/run.sh 60
#   FUZZ_TARGETS="patch parallel_delta" native/fuzz/run.sh 600   (a subset)
set -euo pipefail
SECONDS_EACH=${1:-60}
cd "$(dirname "$0")/../.."
OUT=${OUT:-build-fuzz}  # not under build/, which node-gyp rebuild wipes
[ -x "$OUT/fuzz_roundtrip" ] || native/fuzz/build.sh
SEEDS="$OUT/seeds"
rm -rf "$SEEDS"
mkdir -p "$SEEDS"/{raw,sigload,delta_reader,patch,roundtrip,sha256_lanes,tar_extract,dm_status}
# fuzz_patch's basis generator, reproduced to build matching seeds.
python3 - "$SEEDS/raw" <<'PY'
import random, sys
d = sys.argv[1]
def basis(n): return bytes(ord('A') + (i * 7 + i // 13) % 58 for i in range(n))
r = random.Random(7)
for n in (0, 1, 36, 300, 1000, 4000):
    b = basis(n)
    open(f"{d}/basis{n}", "wb").write(b)
    new = bytearray(b)
    if n: new[n // 3:n // 3] = r.randbytes(1 + n // 10)
    new += r.randbytes(5)
    open(f"{d}/new{n}", "wb").write(bytes(new))
PY
i=0
for n in 0 1 36 300 1000 4000; do
  for H in md4 blake2; do for R in rollsum rabinkarp; do for b in 1 7 16 64; do
    i=$((i + 1))
    rdiff -f -H $H -R $R -b $b -S 8 signature "$SEEDS/raw/basis$n" "$SEEDS/sigload/s$i"
    rdiff -f delta "$SEEDS/sigload/s$i" "$SEEDS/raw/new$n" "$SEEDS/delta_reader/d$i.tmp"
    # delta_reader and patch seeds carry small headers (chunk size; basis length + chunks).
    { printf '\x03'; cat "$SEEDS/delta_reader/d$i.tmp"; } > "$SEEDS/delta_reader/d$i"
    python3 -c "import sys; sys.stdout.buffer.write(($n).to_bytes(2,'big') + bytes([5, 9]))" > "$SEEDS/patch/p$i"
    cat "$SEEDS/delta_reader/d$i.tmp" >> "$SEEDS/patch/p$i"
    rm "$SEEDS/delta_reader/d$i.tmp"
    { printf "\\x$(printf %02x $(( (b << 2 | i % 4) & 255 )))\\x80"; cat "$SEEDS/raw/basis$n" "$SEEDS/raw/new$n"; } > "$SEEDS/roundtrip/r$i"
  done; done; done
done
# Hand-made malformed deltas (rdiff 2.3.2 error cases).
for hex in 7273023655 72730236450000 7273023645301000 72730236440000000000000002686900 727302360141 7273013600; do
  printf '\x01' > "$SEEDS/delta_reader/m$hex"; echo -n "$hex" | xxd -r -p >> "$SEEDS/delta_reader/m$hex"
  printf '\x00\x24\x01\x01' > "$SEEDS/patch/m$hex"; echo -n "$hex" | xxd -r -p >> "$SEEDS/patch/m$hex"
done
cp -r "$SEEDS/roundtrip" "$SEEDS/parallel_delta"  # same input layout
# sha256_lanes: segment size, key length and split seed bytes, then key and data.
for n in 0 1 300 4000; do
  { printf '\x03\x05\x07'; head -c 5 /dev/zero; cat "$SEEDS/raw/basis$n"; } > "$SEEDS/sha256_lanes/k$n"
  { printf '\x00\x80\x01'; cat "$SEEDS/raw/new$n"; } > "$SEEDS/sha256_lanes/u$n"
done
# tar_extract: archives made by GNU tar (gnu and posix formats, an incremental level with its
# dumpdirs, symlinks, a hard link, long names), then hand-made hostile members, each behind
# the two option bytes (whole input / 37-byte pieces; with and without skips).
T="$SEEDS/tar_extract.src"
rm -rf "$T"; mkdir -p "$T/d/sub"
printf 'a' > "$T/a"; printf 'bb' > "$T/b"; printf 'f' > "$T/d/f"; ln -s ../a "$T/d/sub/ln"; ln "$T/a" "$T/d/hard"
printf 'long' > "$T/d/$(printf 'n%.0s' $(seq 1 120))"
tar_seed() { { printf "$1"; cat; } > "$SEEDS/tar_extract/$2"; }
tar -C "$T" --format=gnu -cf - . | tar_seed '\x00\x00' gnu
tar -C "$T" --format=posix -cf - . | tar_seed '\x09\x01' posix
tar -C "$T" --listed-incremental="$SEEDS/snap" -cf - . | tar_seed '\x00\x01' incremental
python3 - "$SEEDS/tar_extract" <<'PY'
import io, sys, tarfile
def arc(*members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=tarfile.GNU_FORMAT) as t:
        for name, kind, extra in members:
            i = tarfile.TarInfo(name)
            i.type = kind
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE): i.linkname = extra
            data = extra if kind == tarfile.REGTYPE else b''
            i.size = len(data)
            t.addfile(i, io.BytesIO(data))
    return out.getvalue()
seeds = {
    'dotdot': arc(('../evil', tarfile.REGTYPE, b'x')),
    'abs': arc(('/tmp/evil', tarfile.REGTYPE, b'x')),
    'symlink-out': arc(('./l', tarfile.SYMTYPE, '../outside'), ('./l/pwned', tarfile.REGTYPE, b'x')),
    'hardlink-out': arc(('./h', tarfile.LNKTYPE, '../outside/secret')),
    'dir-through-link': arc(('./l', tarfile.SYMTYPE, '..'), ('./l/sub/', tarfile.DIRTYPE, b'')),
}
for name, data in seeds.items():
    open(f'{sys.argv[1]}/{name}', 'wb').write(b'\x00\x00' + data)
PY
rm -rf "$T"
# dm_status: DM_TABLE_STATUS answers as the kernel lays them out (struct dm_ioctl of 312 bytes,
# targets of 40 bytes each followed by their status line), a snapshot's and three linear ones.
python3 - "$SEEDS/dm_status" <<'PY'
import struct, sys
def answer(targets):
    data = b''
    for i, (kind, status) in enumerate(targets):
        body = status.encode() + b'\0'
        end = len(data) + 40 + len(body)
        nxt = (end + 7) & ~7 if i + 1 < len(targets) else 0
        data += struct.pack('<QQiI16s', i * 8, 8, 0, nxt, kind.encode()) + body
        data += b'\0' * (((len(data) + 7) & ~7) - len(data))
    head = struct.pack('<3IIIIiIII', 4, 47, 0, 312 + len(data), 312, len(targets), 1, 32, 0, 0)
    head += struct.pack('<Q', 253 << 8 | 4) + b'vg-lv'.ljust(128, b'\0') + b'LVM-x'.ljust(129, b'\0')
    return head.ljust(312, b'\0') + data
open(f'{sys.argv[1]}/snapshot', 'wb').write(answer([('snapshot', '1024/2097152 16')]))
open(f'{sys.argv[1]}/invalid', 'wb').write(answer([('snapshot', 'Invalid')]))
open(f'{sys.argv[1]}/linear3', 'wb').write(answer([('linear', ''), ('linear', 'x'), ('striped', '2 256 8:16 A')]))
PY
status=0
for t in ${FUZZ_TARGETS:-sigload delta_reader patch roundtrip parallel_delta sha256_lanes tar_extract dm_status}; do
  mkdir -p "$OUT/corpus/$t"
  echo "== fuzz_$t for ${SECONDS_EACH}s"
  if ! "$OUT/fuzz_$t" -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$OUT/crash-$t-" "$OUT/corpus/$t" "$SEEDS/$t" 2>"$OUT/fuzz_$t.log"; then
    echo "fuzz_$t FAILED, see $OUT/fuzz_$t.log"; status=1
  fi
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" "$OUT/fuzz_$t.log" || tail -3 "$OUT/fuzz_$t.log"
done
exit $status
