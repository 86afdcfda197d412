#!/usr/bin/env bash
# A real backup → incremental → restore of a sample tree, with the `info` table printed.
# Run by `npm run demo` after `npm ci`; everything happens under a temporary directory.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
AGENT="$ROOT/bin/permafrost-agent"
DEMO="$(mktemp -d /tmp/permafrost-demo.XXXXXX)"
SRC="$DEMO/src"; STORE="$DEMO/store"; DEST="$DEMO/restored"

mkdir -p "$SRC/docs" "$SRC/data"
cp -r "$ROOT/src" "$SRC/code"
head -c 5000000 /dev/urandom > "$SRC/data/random.bin"
seq 1 200000 > "$SRC/data/numbers.txt"
echo "hello from permafrost" > "$SRC/docs/readme.txt"
ln -s docs/readme.txt "$SRC/link-to-readme"
echo "secret demo password" > "$DEMO/pass"

COMMON=(--storage local --container "$STORE" --backup-name demo --compression zstd --encrypt-pass-file "$DEMO/pass")
echo "== level 0 backup of $SRC"
"$AGENT" --action backup --path-to-backup "$SRC" "${COMMON[@]}" --metadata-out "$DEMO/l0.json"
echo "== changing the tree: edit, add, delete"
echo "an edit" >> "$SRC/docs/readme.txt"
echo "new file" > "$SRC/docs/new.txt"
rm "$SRC/data/numbers.txt"
echo "== level 1 backup"
"$AGENT" --action backup --path-to-backup "$SRC" "${COMMON[@]}" --metadata-out "$DEMO/l1.json"
echo "== backups in $STORE"
"$AGENT" --action info --storage local --container "$STORE"
echo "== restore into $DEST"
"$AGENT" --action restore --restore-abs-path "$DEST" "${COMMON[@]}"
diff -r "$SRC" "$DEST" && echo "== restored tree is identical to the source ($DEMO)"
