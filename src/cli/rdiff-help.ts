// `permafrost-rdiff --help` and `--version`: rdiff's usage lines and options, with what differs
// (the exit codes).
import { VERSION } from '../base/version.js';
import { PROG } from './rdiff-say.js';

export function rdiffHelpText(): string {
  return `Usage: ${PROG} [OPTIONS] signature [BASIS [SIGNATURE]]
       ${PROG} [OPTIONS] delta SIGNATURE [NEWFILE [DELTA]]
       ${PROG} [OPTIONS] patch BASIS [DELTA [NEWFILE]]

rdiff 2.3.2's commands and options; files are byte-identical to rdiff's. A missing or
"-" file is standard input (or standard output for the last one).

Options:
  -v, --verbose             Say what is being done
  -V, --version             Show program version
  -?, -h, --help            Show this help message
  -s, --statistics          Show statistics (bytes in/out, time, speed)
  -f, --force               Force overwriting existing files
Signature generation options:
  -H, --hash=ALG            Hash algorithm: blake2 (default), md4
  -R, --rollsum=ALG         Rollsum algorithm: rabinkarp (default), rollsum
Delta-encoding options:
  -b, --block-size=BYTES    Signature block size, 0 (default) for recommended
  -S, --sum-size=BYTES      Signature strength, 0 (default) for max, -1 for min
IO options (accepted, ignored: the output does not depend on them):
  -I, --input-size=BYTES    Input buffer size
  -O, --output-size=BYTES   Output buffer size

Exit status: 0 ok, 2 usage, 4 unreadable input, 5 unwritable output, 6 corrupt input
(bad magic, corrupt or truncated signature/delta), 11 output exists (use -f), 1 bug.`;
}

export function rdiffVersionText(): string {
  return `${PROG} (permafrost ${VERSION}): rdiff (librsync 2.3.2) formats and options`;
}
