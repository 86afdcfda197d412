// What one storage's settings are read from: the flat options, or a `[storage:NAME]` section's
// keys over them (as in Freezer), with the section's name for messages.
import type { OptionValues } from './options.js';

export interface StorageScope extends Partial<OptionValues> {
  /** The `[storage:NAME]` section these settings come from; absent for the flat options. */
  section?: string;
  /** A section's OpenStack rc file (`export OS_…=` lines): that storage's Keystone settings. */
  osrc?: string;
  /** A section's S3 signing region. */
  region?: string;
}
