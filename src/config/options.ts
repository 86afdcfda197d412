// The option table: every freezer-agent 13 option (docs/FREEZER.md §2.1: its own plus the oslo.log and
// oslo.config ones), with its dest name (the INI key), type, default, aliases and help group.
// Options that this build does not implement are marked so they fail loudly instead of being
// ignored; options of permafrost's own are marked `extension` (argparse's prefix rule reads it,
// docs/FREEZER.md §2.1). The table is in --help order: by group, then the order a reader needs them in.

/**
 * `strbool`: Freezer's string "booleans", on for any word but the false ones; `strword`: the
 * same, but the word is kept (`--snapshot btrfs`); given without a value, either is on (true).
 */
export type OptionType = 'str' | 'int' | 'float' | 'bool' | 'size' | 'strbool' | 'strword';

/** Help groups, in the order --help shows them, with their headings. */
export const GROUPS = {
  action: 'Action and job',
  source: 'What to back up',
  levels: 'Levels and retention',
  restore: 'Restore',
  storage: 'Storage',
  ssh: 'SSH storage (--storage ssh)',
  swift: 'Swift storage and Keystone (--storage swift)',
  s3: 'S3 storage (--storage s3)',
  data: 'Compression, encryption and segments',
  process: 'Process',
  output: 'Output and logging',
} as const;

export type OptionGroup = keyof typeof GROUPS;

export interface OptionSpec {
  /** Long name without dashes, e.g. `path-to-backup`. */
  name: string;
  /** Key in the typed options object and in INI files (`path_to_backup`). */
  dest: string;
  type: OptionType;
  /** Where --help lists it; required so that no option is left out of the help. */
  group: OptionGroup;
  /** Placeholder for the value in --help (default: derived from the type or the choices). */
  metavar?: string;
  default?: unknown;
  choices?: readonly string[];
  /** Choices that are recognised (as Freezer has them) but not implemented: exit code NOT_SUPPORTED. */
  unsupportedChoices?: readonly string[];
  short?: string;
  aliases?: readonly string[];
  /** Repeatable: values accumulate into an array. */
  multi?: boolean;
  /** false: recognised but not implemented yet (exit code NOT_SUPPORTED). */
  supported?: boolean;
  /**
   * A permafrost extension, not one of freezer-agent 13's options: a prefix that names one of
   * Freezer's options goes to it first (argv.ts), so `--compress` stays `--compression`.
   */
  extension?: boolean;
  /** With `supported: false`: what the user is told besides the option's name. */
  unsupportedReason?: string;
  help: string;
}

const unsupported = { supported: false } as const;
const extension = { extension: true } as const;

/** Why the options of an OpenStack service mode or storage that this build lacks fail. */
const NOT_HERE = {
  cinder: 'the cinder modes (OpenStack volume backups: cinder, cinderbrick, cindernative) are not in this build',
  glance: 'the glance mode (OpenStack image backups) is not in this build',
  nova: 'the nova mode (OpenStack instance backups) is not in this build',
  novaglance: 'the nova and glance modes (OpenStack tenant-wide backups) are not in this build',
  sqlserver: 'the sqlserver mode (SQL Server on Windows) is not in this build',
  ftp: 'the ftp and ftps storages are not in this build',
} as const;
const notHere = (what: keyof typeof NOT_HERE) => ({ supported: false, unsupportedReason: NOT_HERE[what] }) as const;

// One line an option, so the table reads as one (prettier keeps its hands off).
// prettier-ignore
const TABLE = [
  { name: 'action', dest: 'action', type: 'str', group: 'action', default: 'backup', choices: ['backup', 'restore', 'info', 'admin', 'exec'], help: 'Action: backup, restore, info, admin or exec.' },
  { name: 'config', dest: 'config', type: 'str', group: 'action', metavar: 'FILE', help: 'Freezer INI job file ([default] section); the command line overrides it.' },
  { name: 'backup-name', dest: 'backup_name', type: 'str', group: 'action', metavar: 'NAME', short: 'N', help: 'Name of the backup (with the hostname it names the chain).' },
  { name: 'hostname', dest: 'hostname', type: 'str', group: 'action', metavar: 'HOST', aliases: ['restore_from_host', 'restore-from-host'], help: 'Host name part of the chain name (default: this host).' },
  { name: 'command', dest: 'command', type: 'str', group: 'action', metavar: 'COMMAND', help: 'exec: command line run through /bin/sh -c.' },
  { name: 'dry-run', dest: 'dry_run', type: 'bool', group: 'action', default: false, help: 'Do everything except writing or removing anything.' },
  { name: 'config-file', dest: 'config_file', type: 'str', group: 'action', metavar: 'FILE', multi: true, help: 'oslo.config file: options by dest name in [DEFAULT] (repeatable; later files win; --config-dir, the --config job file and the command line override them).' },
  { name: 'config-dir', dest: 'config_dir', type: 'str', group: 'action', metavar: 'DIR', help: 'oslo.config directory: its *.conf files, in sorted order, are read after the --config-file files.' },
  { name: 'path-to-backup', dest: 'path_to_backup', type: 'str', group: 'source', metavar: 'PATH', short: 'F', help: 'File or directory to back up.' },
  { name: 'mode', dest: 'mode', type: 'str', group: 'source', metavar: 'MODE', short: 'm', default: 'fs', help: 'What to back up: fs (files as they are), mysql (MariaDB/MySQL: a consistent datadir) or mongo (a primary\'s files); sqlserver, cinder, nova, glance are recognised but not supported yet.' },
  { name: 'engine', dest: 'engine_name', type: 'str', group: 'source', short: 'e', default: 'tar', choices: ['tar', 'rsync', 'rsyncv2', 'nova', 'osbrick', 'glance'], unsupportedChoices: ['rsyncv2', 'nova', 'osbrick', 'glance'], help: 'Backup engine: tar (GNU incremental tar) or rsync (the same archive with changed files stored as librsync deltas).' },
  { name: 'rsync-block-size', dest: 'rsync_block_size', type: 'int', group: 'source', metavar: 'BYTES', default: 4096, help: 'Signature block length of the rsync engine (bytes, 256..64M; kept for a whole chain).' },
  { name: 'exclude', dest: 'exclude', type: 'str', group: 'source', metavar: 'GLOB', multi: true, help: 'Exclude paths matching this glob (repeatable; GNU tar semantics).' },
  { name: 'dereference-symlink', dest: 'dereference_symlink', type: 'str', group: 'source', choices: ['none', 'None', 'soft', 'hard', 'all'], help: 'Follow symlinks (soft), hard links (hard) or both (all).' },
  { name: 'sync', dest: 'sync', type: 'bool', group: 'source', default: true, help: 'Flush the source filesystem (syncfs) before an fs backup.' },
  { name: 'snapshot', dest: 'snapshot', type: 'strword', group: 'source', short: 's', metavar: '[btrfs|lvm|auto]', help: 'Back up from a snapshot of the source: btrfs, lvm, or auto (by the file system under --path-to-backup). Any other word means lvm, as in Freezer; false/no/off means none.' },
  { name: 'lvm-srcvol', dest: 'lvm_srcvol', type: 'str', group: 'source', metavar: 'DEVICE', help: 'LVM snapshot: the logical volume to snapshot (/dev/VG/LV; default: the one --path-to-backup is on).' },
  { name: 'lvm-snapname', dest: 'lvm_snapname', type: 'str', group: 'source', metavar: 'NAME', help: 'LVM snapshot: the name of the snapshot volume (default: permafrost_snap_<chain>_<hash>_<random>).' },
  { name: 'lvm-snap-perm', dest: 'lvm_snapperm', type: 'str', group: 'source', default: 'ro', choices: ['ro', 'rw'], help: 'LVM snapshot: permission of the snapshot volume, and how it is mounted.' },
  { name: 'lvm-snapsize', dest: 'lvm_snapsize', type: 'str', group: 'source', metavar: 'SIZE', default: '1G', help: 'LVM snapshot: room for changes made while it lives (lvcreate --size, or --extents when it has a %: 10%ORIGIN).' },
  { name: 'lvm-dirmount', dest: 'lvm_dirmount', type: 'str', group: 'source', metavar: 'DIR', help: 'LVM snapshot: where it is mounted (default: /var/lib/permafrost/lvm/<snapshot name>).' },
  { name: 'lvm-volgroup', dest: 'lvm_volgroup', type: 'str', group: 'source', metavar: 'VG', help: 'LVM snapshot: the volume group of --lvm-srcvol (default: guessed with it).' },
  { name: 'lvm-auto-snap', dest: 'lvm_auto_snap', type: 'str', group: 'source', ...unsupported, help: 'LVM automatic snapshot (older Freezer).' },
  { name: 'mysql-conf', dest: 'mysql_conf', type: 'str', group: 'source', metavar: 'FILE', help: 'mysql mode: INI file with a [default] section: host, port (3306), user, password, socket.' },
  { name: 'mysql-staging-dir', dest: 'mysql_staging_dir', type: 'str', group: 'source', metavar: 'DIR', default: '/var/lib/permafrost/mysql-staging', ...extension, help: 'mysql mode: where mariadb-backup\'s hot copy is made and prepared when no snapshot is taken (needs about the datadir\'s size free; removed after the backup).' },
  { name: 'mongo-host', dest: 'mongo_host', type: 'str', group: 'source', metavar: 'HOST', ...extension, help: 'mongo mode: the mongod to ask whether it is the primary (default: --hostname, as Freezer).' },
  { name: 'mongo-port', dest: 'mongo_port', type: 'int', group: 'source', metavar: 'PORT', default: 27017, ...extension, help: 'mongo mode: its port.' },
  { name: 'sql-server-conf', dest: 'sql_server_conf', type: 'str', group: 'source', ...notHere('sqlserver'), help: 'SQL Server configuration file.' },
  { name: 'cinder-vol-id', dest: 'cinder_vol_id', type: 'str', group: 'source', ...notHere('cinder'), help: 'Cinder volume id.' },
  { name: 'cinder-vol-name', dest: 'cinder_vol_name', type: 'str', group: 'source', ...notHere('cinder'), help: 'Cinder volume name.' },
  { name: 'cinderbrick-vol-id', dest: 'cinderbrick_vol_id', type: 'str', group: 'source', ...notHere('cinder'), help: 'Cinder volume id for os-brick.' },
  { name: 'cindernative-vol-id', dest: 'cindernative_vol_id', type: 'str', group: 'source', ...notHere('cinder'), help: 'Cinder volume id for native backup.' },
  { name: 'cindernative-backup-id', dest: 'cindernative_backup_id', type: 'str', group: 'source', ...notHere('cinder'), help: 'Cinder native backup id.' },
  { name: 'glance-image-id', dest: 'glance_image_id', type: 'str', group: 'source', ...notHere('glance'), help: 'Glance image id.' },
  { name: 'glance-image-name', dest: 'glance_image_name', type: 'str', group: 'source', ...notHere('glance'), help: 'Glance image name.' },
  { name: 'glance-image-name-filter', dest: 'glance_image_name_filter', type: 'str', group: 'source', ...notHere('glance'), help: 'Glance image name filter.' },
  { name: 'nova-inst-id', dest: 'nova_inst_id', type: 'str', group: 'source', ...notHere('nova'), help: 'Nova instance id.' },
  { name: 'nova-inst-name', dest: 'nova_inst_name', type: 'str', group: 'source', ...notHere('nova'), help: 'Nova instance name.' },
  { name: 'project-id', dest: 'project_id', type: 'str', group: 'source', ...notHere('novaglance'), help: 'Project for tenant-wide backups.' },
  { name: 'consistency-check', dest: 'consistency_check', type: 'bool', group: 'source', default: false, help: 'Record a checksum of the source tree (names, types, contents, link targets) as consistency_checksum.' },
  { name: 'max-level', dest: 'max_level', type: 'int', group: 'levels', help: 'Start a new level 0 once the chain reaches this level (0/absent: unbounded).' },
  { name: 'always-level', dest: 'always_level', type: 'int', group: 'levels', help: 'Keep making this level, each a differential against level N-1.' },
  { name: 'restart-always-level', dest: 'restart_always_level', type: 'float', group: 'levels', metavar: 'DAYS', help: 'Start a new level 0 when the chain\'s level 0 is older than N days.' },
  { name: 'no-incremental', dest: 'no_incremental', type: 'strbool', group: 'levels', help: 'Always make a level 0.' },
  { name: 'remove-older-than', dest: 'remove_older_than', type: 'float', group: 'levels', metavar: 'DAYS', short: 'R', help: 'admin: remove backups older than N days (never one a kept increment needs).' },
  { name: 'remove-from-date', dest: 'remove_from_date', type: 'str', group: 'levels', metavar: 'DATE', help: 'admin: remove backups older than YYYY-MM-DDThh:mm:ss (local time).' },
  { name: 'incremental', dest: 'incremental', type: 'bool', group: 'levels', ...notHere('cinder'), help: 'Cinder native incremental.' },
  { name: 'fullbackup-rotation', dest: 'fullbackup_rotation', type: 'int', group: 'levels', default: 1, ...notHere('cinder'), help: 'cindernative: full backups to keep.' },
  { name: 'restore-abs-path', dest: 'restore_abs_path', type: 'str', group: 'restore', metavar: 'DIR', help: 'Directory to restore into.' },
  { name: 'restore-from-date', dest: 'restore_from_date', type: 'str', group: 'restore', metavar: 'DATE', help: 'Restore the newest backup at or before YYYY-MM-DDThh:mm:ss (local time).' },
  { name: 'overwrite', dest: 'overwrite', type: 'bool', group: 'restore', default: false, help: 'Restore into a non-empty directory; files not in the backup are removed (GNU tar semantics).' },
  { name: 'consistency-checksum', dest: 'consistency_checksum', type: 'str', group: 'restore', metavar: 'SHA256', help: 'Check the restored tree against this consistency_checksum before it replaces the target.' },
  { name: 'nova-restore-network', dest: 'nova_restore_network', type: 'str', group: 'restore', ...notHere('nova'), help: 'Network for a restored instance.' },
  { name: 'storage', dest: 'storage', type: 'str', group: 'storage', default: 'swift', choices: ['local', 'ssh', 'swift', 's3', 'ftp', 'ftps'], unsupportedChoices: ['ftp', 'ftps'], help: 'Storage backend: local, ssh, swift or s3.' },
  { name: 'container', dest: 'container', type: 'str', group: 'storage', metavar: 'CONTAINER', short: 'C', default: 'freezer_backups', help: 'Container: a directory for --storage local, a directory on the remote host for --storage ssh (relative to the login directory unless absolute).' },
  { name: 'lock-wait', dest: 'lock_wait', type: 'float', group: 'storage', metavar: 'SECONDS', default: 0, ...extension, help: 'Seconds to wait while another backup or admin run holds the chain\'s lock (0: fail at once, exit code 12).' },
  { name: 'storage-retries', dest: 'storage_retries', type: 'int', group: 'storage', default: 5, ...extension, help: 'Retries of a failed storage request (timeouts, resets, 5xx) with exponential backoff and jitter; 0: none.' },
  { name: 'timeout', dest: 'timeout', type: 'int', group: 'storage', metavar: 'SECONDS', default: 120, help: 'Wait limit in seconds for cloud operations.' },
  { name: 'upload-limit', dest: 'upload_limit', type: 'size', group: 'storage', metavar: 'RATE', default: -1, help: 'Upload bandwidth limit of the whole process, bytes/s with K/M/G suffixes (binary: 5M = 5 MiB/s); -1: none.' },
  { name: 'download-limit', dest: 'download_limit', type: 'size', group: 'storage', metavar: 'RATE', default: -1, help: 'Download bandwidth limit of the whole process, bytes/s with K/M/G suffixes; -1: none.' },
  { name: 'upload-queue-size', dest: 'upload_queue_size', type: 'int', group: 'storage', default: 2, ...extension, help: 'Segments uploading at once per storage (memory: about (queue + 2) x --max-segment-size).' },
  { name: 'proxy', dest: 'proxy', type: 'str', group: 'storage', metavar: 'URL', help: 'http:// proxy for the swift and s3 storages and Keystone (https targets through CONNECT); default: none, whatever HTTP(S)_PROXY say.' },
  { name: 'insecure', dest: 'insecure', type: 'bool', group: 'storage', default: false, help: 'Skip TLS verification (remote storages).' },
  { name: 'ftp-host', dest: 'ftp_host', type: 'str', group: 'storage', ...notHere('ftp'), help: 'FTP host.' },
  { name: 'ftp-port', dest: 'ftp_port', type: 'int', group: 'storage', ...notHere('ftp'), help: 'FTP port.' },
  { name: 'ftp-username', dest: 'ftp_username', type: 'str', group: 'storage', ...notHere('ftp'), help: 'FTP user.' },
  { name: 'ftp-password', dest: 'ftp_password', type: 'str', group: 'storage', ...notHere('ftp'), help: 'FTP password.' },
  { name: 'ftp-keyfile', dest: 'ftp_keyfile', type: 'str', group: 'storage', ...notHere('ftp'), help: 'FTPS key file.' },
  { name: 'ftp-certfile', dest: 'ftp_certfile', type: 'str', group: 'storage', ...notHere('ftp'), help: 'FTPS certificate file.' },
  { name: 'ssh-host', dest: 'ssh_host', type: 'str', group: 'ssh', metavar: 'HOST', help: 'SSH host.' },
  { name: 'ssh-port', dest: 'ssh_port', type: 'int', group: 'ssh', metavar: 'PORT', default: 22, help: 'SSH port.' },
  { name: 'ssh-username', dest: 'ssh_username', type: 'str', group: 'ssh', metavar: 'USER', help: 'SSH user.' },
  { name: 'ssh-key', dest: 'ssh_key', type: 'str', group: 'ssh', metavar: 'FILE', help: 'SSH private key file (unencrypted; default ~/.ssh/id_ed25519, id_ecdsa or id_rsa). Used when --ssh-password is empty.' },
  { name: 'ssh-password', dest: 'ssh_password', type: 'str', group: 'ssh', metavar: 'PASSWORD', help: 'SSH password; when set, used instead of the key.' },
  { name: 'ssh-known-hosts', dest: 'ssh_known_hosts', type: 'str', group: 'ssh', metavar: 'FILE', ...extension, help: 'known_hosts file the SSH host key is checked against (default ~/.ssh/known_hosts, plus /etc/ssh/ssh_known_hosts).' },
  { name: 'ssh-accept-new-host-key', dest: 'ssh_accept_new_host_key', type: 'bool', group: 'ssh', default: false, ...extension, help: 'Accept the host key of an SSH server not yet in known_hosts and record it there (as StrictHostKeyChecking=accept-new); a changed key is always refused.' },
  { name: 'os-auth-url', dest: 'os_auth_url', type: 'str', group: 'swift', metavar: 'URL', ...extension, help: 'Keystone URL (…/v3) or a TempAuth URL (…/auth/v1.0) for --storage swift (default: OS_AUTH_URL).' },
  { name: 'os-identity-api-version', dest: 'os_identity_api_version', type: 'str', group: 'swift', choices: ['1', '2', '2.0', '3'], aliases: ['os-auth-ver', 'os_auth_ver'], help: 'Keystone API version (3).' },
  { name: 'os-username', dest: 'os_username', type: 'str', group: 'swift', metavar: 'USER', ...extension, help: 'Swift/Keystone user (default: OS_USERNAME; TempAuth: account:user).' },
  { name: 'os-password', dest: 'os_password', type: 'str', group: 'swift', metavar: 'PASSWORD', ...extension, help: 'Swift/Keystone password (default: OS_PASSWORD).' },
  { name: 'os-token', dest: 'os_token', type: 'str', group: 'swift', metavar: 'TOKEN', ...extension, help: 'A Keystone token to use instead of a password (default: OS_TOKEN).' },
  { name: 'os-project-name', dest: 'os_project_name', type: 'str', group: 'swift', metavar: 'NAME', ...extension, help: 'Keystone project name (default: OS_PROJECT_NAME, then OS_TENANT_NAME).' },
  { name: 'os-project-id', dest: 'os_project_id', type: 'str', group: 'swift', metavar: 'ID', ...extension, help: 'Keystone project id (default: OS_PROJECT_ID).' },
  { name: 'os-user-domain-name', dest: 'os_user_domain_name', type: 'str', group: 'swift', metavar: 'NAME', ...extension, help: 'Keystone user domain (default: OS_USER_DOMAIN_NAME, then Default).' },
  { name: 'os-project-domain-name', dest: 'os_project_domain_name', type: 'str', group: 'swift', metavar: 'NAME', ...extension, help: 'Keystone project domain (default: OS_PROJECT_DOMAIN_NAME, then Default).' },
  { name: 'os-region-name', dest: 'os_region_name', type: 'str', group: 'swift', metavar: 'REGION', ...extension, help: 'Region of the object-store endpoint in the Keystone catalog (default: OS_REGION_NAME).' },
  { name: 'os-interface', dest: 'os_interface', type: 'str', group: 'swift', metavar: 'INTERFACE', ...extension, help: 'public, internal or admin endpoint of the catalog (default: OS_INTERFACE, then public).' },
  { name: 'os-storage-url', dest: 'os_storage_url', type: 'str', group: 'swift', metavar: 'URL', ...extension, help: 'Use this Swift storage URL instead of the one the catalog or TempAuth gives (default: OS_STORAGE_URL).' },
  { name: 'os-cacert', dest: 'os_cacert', type: 'str', group: 'swift', metavar: 'FILE', ...extension, help: 'CA bundle for https Keystone/Swift/S3 endpoints (default: OS_CACERT).' },
  { name: 'endpoint', dest: 'endpoint', type: 'str', group: 's3', metavar: 'URL', help: 'S3 endpoint, http(s)://host[:port] (default: the ENDPOINT environment variable); requests are path-style.' },
  { name: 'access-key', dest: 'access_key', type: 'str', group: 's3', metavar: 'KEY', help: 'S3 access key (default: the ACCESS_KEY environment variable).' },
  { name: 'secret-key', dest: 'secret_key', type: 'str', group: 's3', metavar: 'KEY', help: 'S3 secret key (default: the SECRET_KEY environment variable).' },
  { name: 'compression', dest: 'compression', type: 'str', group: 'data', default: 'gzip', choices: ['gzip', 'bzip2', 'xz', 'zstd', 'none'], help: 'Compression: gzip, bzip2, xz, zstd or none.' },
  { name: 'compression-level', dest: 'compression_level', type: 'int', group: 'data', ...extension, help: 'Codec level (gzip/bzip2 1-9, xz 0-9, zstd 1-19; default: the stock tool\'s).' },
  { name: 'threads', dest: 'threads', type: 'int', group: 'data', ...extension, help: 'Compression threads (default: the number of cores).' },
  { name: 'encrypt-pass-file', dest: 'encrypt_pass_file', type: 'str', group: 'data', metavar: 'FILE', help: 'Encrypt with AES-256-CFB; the password is the first line of this file.' },
  { name: 'encrypt-kdf', dest: 'encrypt_kdf', type: 'str', group: 'data', default: 'evp', choices: ['evp', 'pbkdf2'], ...extension, help: 'Key derivation for new backups: evp (openssl enc default, Freezer-compatible) or pbkdf2.' },
  { name: 'encrypt-iter', dest: 'encrypt_iter', type: 'int', group: 'data', default: 100000, ...extension, help: 'PBKDF2 iterations with --encrypt-kdf pbkdf2.' },
  { name: 'max-segment-size', dest: 'max_segment_size', type: 'size', group: 'data', short: 'M', default: 33554432, help: 'Segment size in bytes (K/M/G suffixes allowed).' },
  { name: 'max-priority', dest: 'max_priority', type: 'strbool', group: 'process', help: 'Raise CPU (nice -19, relative) and I/O (realtime level 0) priority of every thread; --nice and --io-priority win over it.' },
  { name: 'nice', dest: 'nice', type: 'int', group: 'process', metavar: 'N', ...extension, help: 'permafrost extension (not in freezer-agent): nice value of every thread, -20..19 (absolute; below the current one needs root).' },
  { name: 'io-priority', dest: 'io_priority', type: 'str', group: 'process', metavar: 'CLASS[:LEVEL]', ...extension, help: 'permafrost extension (not in freezer-agent): I/O class of every thread: idle, be[:0-7] (best effort) or rt[:0-7] (realtime, needs root); level 0 is the highest, default 4.' },
  { name: 'cpu-affinity', dest: 'cpu_affinity', type: 'str', group: 'process', metavar: 'LIST', ...extension, help: 'permafrost extension (not in freezer-agent): run every thread on these CPUs only, e.g. 0,2-3.' },
  { name: 'quiet', dest: 'quiet', type: 'bool', group: 'output', short: 'q', default: false, help: 'Print no error message on stderr (the exit code still tells).' },
  { name: 'verbose', dest: 'verbose', type: 'bool', group: 'output', short: 'v', default: false, ...extension, help: 'Log at DEBUG level (as --debug).' },
  { name: 'debug', dest: 'debug', type: 'bool', group: 'output', short: 'd', default: false, help: 'Log at DEBUG level.' },
  { name: 'json', dest: 'json', type: 'bool', group: 'output', default: false, ...extension, help: 'info: print JSON for machines instead of a table.' },
  { name: 'metadata-out', dest: 'metadata_out', type: 'str', group: 'output', metavar: 'FILE', help: 'Write the backup metadata JSON to this file, or - for stdout.' },
  { name: 'log-file', dest: 'log_file', type: 'str', group: 'output', metavar: 'FILE', aliases: ['logfile'], help: 'Append log lines to this file.' },
  { name: 'log-dir', dest: 'log_dir', type: 'str', group: 'output', metavar: 'DIR', aliases: ['logdir'], help: 'Base directory of a relative --log-file.' },
  { name: 'log-config-append', dest: 'log_config_append', type: 'str', group: 'output', aliases: ['log_config', 'log-config'], ...unsupported, unsupportedReason: 'Python logging configuration files do not apply here; use --log-file, --log-format, --use-json, --use-syslog or --use-journal', help: 'Python logging configuration file.' },
  { name: 'log-date-format', dest: 'log_date_format', type: 'str', group: 'output', metavar: 'FORMAT', help: 'strftime format of log times: %Y %y %m %d %H %M %S %j %a %b %p %z %Z %% (default: ISO 8601 in permafrost\'s own lines, %Y-%m-%d %H:%M:%S in --log-format and --use-json ones).' },
  { name: 'log-format', dest: 'log_format', type: 'str', group: 'output', metavar: 'FORMAT', ...extension, help: 'Python logging format of log lines: %(asctime)s %(levelname)s %(levelno)d %(name)s %(message)s %(process)d %(msecs)03d %(created)f %(hostname)s, %%; widths and flags as in Python (%(levelname)-8s).' },
  { name: 'use-syslog', dest: 'use_syslog', type: 'bool', group: 'output', default: false, help: 'Also log to syslog: datagrams to /dev/log (the PERMAFROST_SYSLOG_SOCKET environment variable names another socket).' },
  { name: 'use-syslog-rfc-format', dest: 'use_syslog_rfc_format', type: 'bool', group: 'output', default: false, ...extension, help: 'With --use-syslog: RFC 5424 messages (version, ISO time, host, name, pid) instead of the BSD form glibc\'s syslog() writes.' },
  { name: 'syslog-log-facility', dest: 'syslog_log_facility', type: 'str', group: 'output', metavar: 'FACILITY', default: 'LOG_USER', help: 'Syslog facility of --use-syslog and --use-journal: LOG_USER, LOG_DAEMON, LOG_LOCAL0..LOG_LOCAL7 or another syslog(3) name (any case, LOG_ optional).' },
  { name: 'use-journal', dest: 'use_journal', type: 'bool', group: 'output', default: false, help: 'Also log to the systemd journal (its native protocol, to /run/systemd/journal/socket; PERMAFROST_JOURNAL_SOCKET names another socket).' },
  { name: 'use-json', dest: 'use_json', type: 'bool', group: 'output', default: false, help: 'Log JSON objects (oslo.log\'s JSONFormatter fields: message, asctime, levelname, name, process, hostname...), one a line in --log-file.' },
  { name: 'watch-log-file', dest: 'watch_log_file', type: 'bool', group: 'output', default: false, help: 'Reopen --log-file when it was moved or removed (logrotate): checked before each line. Without it, lines follow the moved file.' },
] as const satisfies readonly OptionSpec[];

export const OPTIONS: readonly OptionSpec[] = TABLE;

type Entry = (typeof TABLE)[number];
type Scalar<E> = E extends { type: 'int' | 'float' | 'size' }
  ? number
  : E extends { type: 'bool' | 'strbool' }
    ? boolean
    : E extends { type: 'strword' }
      ? string | boolean
      : E extends { choices: readonly (infer C extends string)[] }
        ? C
        : string;
type Value<E> = E extends { multi: true } ? Scalar<E>[] : Scalar<E>;

/**
 * Every option's value, typed from the table itself (so a new option is typed the moment it is
 * added): set when the option has a default, else possibly undefined.
 */
export type OptionValues = { [E in Entry as E['dest']]: E extends { default: unknown } ? Value<E> : Value<E> | undefined };

const byName = new Map<string, OptionSpec>();
const byShort = new Map<string, OptionSpec>();
const byDest = new Map<string, OptionSpec>();
for (const o of OPTIONS) {
  byName.set(o.name, o);
  for (const a of o.aliases ?? []) byName.set(a, o);
  if (o.short) byShort.set(o.short, o);
  byDest.set(o.dest, o);
}

export const optionByName = (name: string) => byName.get(name);
export const optionByShort = (s: string) => byShort.get(s);
export const optionByDest = (dest: string) => byDest.get(dest);
export const longNames = () => [...byName.keys()];

/** The choices of an option that this build implements. */
export function supportedChoices(spec: OptionSpec): string[] {
  return (spec.choices ?? []).filter((c) => !spec.unsupportedChoices?.includes(c));
}
