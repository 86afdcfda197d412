// The file system under a path, by statfs(2)'s f_type: what --snapshot auto decides on.
import fs from 'node:fs/promises';

export const BTRFS_SUPER_MAGIC = 0x9123683e;

// The common ones, for messages; anything else is shown by its magic number.
const NAMES: Record<number, string> = {
  [BTRFS_SUPER_MAGIC]: 'btrfs',
  0xef53: 'ext2/3/4',
  0x58465342: 'xfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x6969: 'nfs',
  0xff534d42: 'cifs',
  0x65735546: 'fuse',
  0xf2f52010: 'f2fs',
  0x4d44: 'vfat',
  0x858458f6: 'ramfs',
};

export interface FsType {
  magic: number;
  name: string;
}

export async function fsTypeOf(p: string): Promise<FsType> {
  const st = await fs.statfs(p);
  const magic = st.type >>> 0;
  return { magic, name: NAMES[magic] ?? `a file system of type 0x${magic.toString(16)}` };
}
