// Keeps the agent's resident memory near what it actually uses (docs/ARCHITECTURE.md §8: about
// max_segment_size × (queue depth + 2)). The pipeline allocates and releases many 1 MiB
// buffers; with glibc's adaptive mmap threshold those would come from arenas that keep the
// freed pages resident, so the agent fixes the threshold below that size.
import { native } from '../native.js';

const MMAP_THRESHOLD = 512 * 1024;

export function boundMemory(): void {
  native.setMmapThreshold(MMAP_THRESHOLD);
}
