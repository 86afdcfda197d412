// permafrost-rdiff's three actions over the native jobs: file to file when both ends are fds
// (nothing passes through JS), else through the stream forms (rdiff-streams.ts).
import type { Totals } from './rdiff-ends.js';
import { ExitCode, usageError } from '../base/errors.js';
import { native } from '../native.js';
import { context, fail } from '../rsync/errors.js';
import { resolveSignatureOptions } from '../rsync/options.js';
import type { Args } from './rdiff-argv.js';
import { isStdio, loadSignatureArg, openBasisArg, openIn, openOut, viaStreams } from './rdiff-io.js';
import { tagged } from './rdiff-exit.js';

export async function runSignature(a: Args): Promise<Totals> {
  const o = resolveSignatureOptions(a.sig);
  const input = await tagged(ExitCode.SOURCE, () => openIn(a.files[0], 'basis'));
  try {
    const out = await tagged(ExitCode.STORAGE, () => openOut(a.files[1], a.force, 'signature'));
    const what = `signature of ${input.name}`;
    let totals: Totals;
    if (input.kind === 'fd' && out.kind === 'fd') {
      const ctx = context();
      try {
        totals = await native.signatureFile(input.fd, out.fd, o.blockLength, o.strongLength, o.magic);
      } catch (err) {
        throw fail(ctx, what, err);
      }
    } else {
      const size = input.kind === 'fd' ? input.size : undefined;
      totals = await viaStreams(new native.SignatureJob(o.blockLength, o.strongLength, o.magic, size), what, input, out);
    }
    await tagged(ExitCode.STORAGE, () => out.commit());
    return totals;
  } finally {
    await input.close();
  }
}

export async function runDelta(a: Args): Promise<Totals> {
  const [sigFile, newFile, deltaFile] = a.files;
  if (isStdio(sigFile) && isStdio(newFile)) throw usageError('the signature and the new file cannot both be standard input');
  const sig = await loadSignatureArg(sigFile);
  const input = await tagged(ExitCode.SOURCE, () => openIn(newFile, 'new file'));
  try {
    const out = await tagged(ExitCode.STORAGE, () => openOut(deltaFile, a.force, 'delta'));
    const what = `delta of ${input.name} against signature ${isStdio(sigFile) ? '(standard input)' : sigFile}`;
    let totals: Totals;
    if (input.kind === 'fd' && out.kind === 'fd') {
      const ctx = context();
      try {
        totals = await native.deltaFile(sig, input.fd, out.fd, undefined, out.durable);
      } catch (err) {
        throw fail(ctx, what, err);
      }
    } else {
      totals = await viaStreams(new native.DeltaJob(sig), what, input, out);
    }
    await tagged(ExitCode.STORAGE, () => out.commit());
    return totals;
  } finally {
    await input.close();
  }
}

export async function runPatch(a: Args): Promise<Totals> {
  const [basisFile, deltaFile, newFile] = a.files;
  if (isStdio(basisFile) && isStdio(deltaFile)) throw usageError('the basis and the delta cannot both be standard input');
  const basis = await openBasisArg(basisFile);
  try {
    const input = await tagged(ExitCode.SOURCE, () => openIn(deltaFile, 'delta'));
    try {
      const out = await tagged(ExitCode.STORAGE, () => openOut(newFile, a.force, 'new file'));
      const what = `patch of ${basis.name} with ${input.name}`;
      let totals: Totals;
      if (input.kind === 'fd' && out.kind === 'fd') {
        const ctx = context();
        try {
          totals = await native.patchFile(basis.fd, input.fd, out.fd, out.durable);
        } catch (err) {
          throw fail(ctx, what, err);
        }
      } else {
        totals = await viaStreams(new native.PatchJob(basis.fd), what, input, out);
      }
      await tagged(ExitCode.STORAGE, () => out.commit());
      return totals;
    } finally {
      await input.close();
    }
  } finally {
    await basis.close();
  }
}
