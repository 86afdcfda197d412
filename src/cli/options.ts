// The option table: every freezer-agent 13 option (reference §1.2 plus the oslo.log and
// oslo.config ones), with its dest name (the INI key), type, default and aliases. Options that
// this build does not implement are marked so they fail loudly instead of being ignored.

export type OptionType = 'str' | 'int' | 'float' | 'bool' | 'size' | 'strbool';

export interface OptionSpec {
  /** Long name without dashes, e.g. `path-to-backup`. */
  name: string;
  /** Key in the typed options object and in INI files (`path_to_backup`). */
  dest: string;
  type: OptionType;
  default?: unknown;
  choices?: readonly string[];
  short?: string;
  aliases?: readonly string[];
  /** Repeatable: values accumulate into an array. */
  multi?: boolean;
  /** false: recognised but not implemented yet (exit code NOT_SUPPORTED). */
  supported?: boolean;
  help: string;
}

const unsupported = { supported: false } as const;

export const OPTIONS: readonly OptionSpec[] = [
  { name: 'action', dest: 'action', type: 'str', default: 'backup', choices: ['backup', 'restore', 'info', 'admin', 'exec'], help: 'Action: backup, restore, info, admin or exec.' },
  { name: 'path-to-backup', dest: 'path_to_backup', type: 'str', short: 'F', help: 'File or directory to back up.' },
  { name: 'backup-name', dest: 'backup_name', type: 'str', short: 'N', help: 'Name of the backup (with the hostname it names the chain).' },
  { name: 'mode', dest: 'mode', type: 'str', short: 'm', default: 'fs', help: 'What to back up: fs (mysql, mongo, sqlserver, cinder, nova, glance are recognised but not supported yet).' },
  { name: 'engine', dest: 'engine_name', type: 'str', short: 'e', default: 'tar', choices: ['tar', 'rsync', 'rsyncv2', 'nova', 'osbrick', 'glance'], help: 'Backup engine: tar (GNU incremental tar) or rsync (the same archive with changed files stored as librsync deltas).' },
  { name: 'container', dest: 'container', type: 'str', short: 'C', default: 'freezer_backups', help: 'Container: a directory for --storage local, a directory on the remote host for --storage ssh (relative to the login directory unless absolute).' },
  { name: 'storage', dest: 'storage', type: 'str', default: 'swift', choices: ['local', 'swift', 'ssh', 's3', 'ftp', 'ftps'], help: 'Storage backend: local, ssh, swift or s3.' },
  { name: 'snapshot', dest: 'snapshot', type: 'strbool', short: 's', ...unsupported, help: 'Take an LVM snapshot of the source first.' },
  { name: 'sync', dest: 'sync', type: 'bool', default: true, help: 'Flush the source filesystem (syncfs) before an fs backup.' },
  { name: 'lvm-srcvol', dest: 'lvm_srcvol', type: 'str', ...unsupported, help: 'LVM source volume.' },
  { name: 'lvm-snapname', dest: 'lvm_snapname', type: 'str', ...unsupported, help: 'LVM snapshot name.' },
  { name: 'lvm-snap-perm', dest: 'lvm_snapperm', type: 'str', choices: ['ro', 'rw'], ...unsupported, help: 'LVM snapshot permission.' },
  { name: 'lvm-snapsize', dest: 'lvm_snapsize', type: 'str', ...unsupported, help: 'LVM snapshot size.' },
  { name: 'lvm-dirmount', dest: 'lvm_dirmount', type: 'str', ...unsupported, help: 'LVM snapshot mount point.' },
  { name: 'lvm-volgroup', dest: 'lvm_volgroup', type: 'str', ...unsupported, help: 'LVM volume group.' },
  { name: 'lvm-auto-snap', dest: 'lvm_auto_snap', type: 'str', ...unsupported, help: 'LVM automatic snapshot (older Freezer).' },
  { name: 'max-level', dest: 'max_level', type: 'int', help: 'Start a new level 0 once the chain reaches this level (0/absent: unbounded).' },
  { name: 'always-level', dest: 'always_level', type: 'int', help: 'Keep making this level, each a differential against level N-1.' },
  { name: 'restart-always-level', dest: 'restart_always_level', type: 'float', help: 'Start a new level 0 when the chain\'s newest backup is older than N days.' },
  { name: 'remove-older-than', dest: 'remove_older_than', type: 'float', short: 'R', help: 'admin: remove backups older than N days (never one a kept increment needs).' },
  { name: 'remove-from-date', dest: 'remove_from_date', type: 'str', help: 'admin: remove backups older than YYYY-MM-DDThh:mm:ss (local time).' },
  { name: 'no-incremental', dest: 'no_incremental', type: 'strbool', help: 'Always make a level 0.' },
  { name: 'hostname', dest: 'hostname', type: 'str', aliases: ['restore_from_host', 'restore-from-host'], help: 'Host name part of the chain name (default: this host).' },
  { name: 'mysql-conf', dest: 'mysql_conf', type: 'str', ...unsupported, help: 'MySQL credentials file.' },
  { name: 'metadata-out', dest: 'metadata_out', type: 'str', help: 'Write the backup metadata JSON to this file, or - for stdout.' },
  { name: 'exclude', dest: 'exclude', type: 'str', multi: true, help: 'Exclude paths matching this glob (repeatable; GNU tar semantics).' },
  { name: 'dereference-symlink', dest: 'dereference_symlink', type: 'str', choices: ['none', 'None', 'soft', 'hard', 'all'], help: 'Follow symlinks (soft), hard links (hard) or both (all).' },
  { name: 'encrypt-pass-file', dest: 'encrypt_pass_file', type: 'str', help: 'Encrypt with AES-256-CFB; the password is the first line of this file.' },
  { name: 'encrypt-kdf', dest: 'encrypt_kdf', type: 'str', default: 'evp', choices: ['evp', 'pbkdf2'], help: 'Key derivation for new backups: evp (openssl enc default, Freezer-compatible) or pbkdf2.' },
  { name: 'encrypt-iter', dest: 'encrypt_iter', type: 'int', default: 100000, help: 'PBKDF2 iterations with --encrypt-kdf pbkdf2.' },
  { name: 'max-segment-size', dest: 'max_segment_size', type: 'size', short: 'M', default: 33554432, help: 'Segment size in bytes (K/M/G suffixes allowed).' },
  { name: 'rsync-block-size', dest: 'rsync_block_size', type: 'int', default: 4096, help: 'Signature block length of the rsync engine (bytes, 256..64M; kept for a whole chain).' },
  { name: 'restore-abs-path', dest: 'restore_abs_path', type: 'str', help: 'Directory to restore into.' },
  { name: 'restore-from-date', dest: 'restore_from_date', type: 'str', help: 'Restore the newest backup at or before YYYY-MM-DDThh:mm:ss (local time).' },
  { name: 'max-priority', dest: 'max_priority', type: 'strbool', help: 'Raise CPU (nice -19) and I/O (realtime) priority.' },
  { name: 'quiet', dest: 'quiet', type: 'bool', short: 'q', default: false, help: 'Print no error message on stderr (the exit code still tells).' },
  { name: 'insecure', dest: 'insecure', type: 'bool', default: false, help: 'Skip TLS verification (remote storages).' },
  { name: 'os-identity-api-version', dest: 'os_identity_api_version', type: 'str', choices: ['1', '2', '2.0', '3'], aliases: ['os-auth-ver', 'os_auth_ver'], help: 'Keystone API version (3).' },
  { name: 'os-auth-url', dest: 'os_auth_url', type: 'str', help: 'Keystone URL (…/v3) or a TempAuth URL (…/auth/v1.0) for --storage swift (default: OS_AUTH_URL).' },
  { name: 'os-username', dest: 'os_username', type: 'str', help: 'Swift/Keystone user (default: OS_USERNAME; TempAuth: account:user).' },
  { name: 'os-password', dest: 'os_password', type: 'str', help: 'Swift/Keystone password (default: OS_PASSWORD).' },
  { name: 'os-token', dest: 'os_token', type: 'str', help: 'A Keystone token to use instead of a password (default: OS_TOKEN).' },
  { name: 'os-project-name', dest: 'os_project_name', type: 'str', help: 'Keystone project name (default: OS_PROJECT_NAME, then OS_TENANT_NAME).' },
  { name: 'os-project-id', dest: 'os_project_id', type: 'str', help: 'Keystone project id (default: OS_PROJECT_ID).' },
  { name: 'os-user-domain-name', dest: 'os_user_domain_name', type: 'str', help: 'Keystone user domain (default: OS_USER_DOMAIN_NAME, then Default).' },
  { name: 'os-project-domain-name', dest: 'os_project_domain_name', type: 'str', help: 'Keystone project domain (default: OS_PROJECT_DOMAIN_NAME, then Default).' },
  { name: 'os-region-name', dest: 'os_region_name', type: 'str', help: 'Region of the object-store endpoint in the Keystone catalog (default: OS_REGION_NAME).' },
  { name: 'os-interface', dest: 'os_interface', type: 'str', help: 'public, internal or admin endpoint of the catalog (default: OS_INTERFACE, then public).' },
  { name: 'os-storage-url', dest: 'os_storage_url', type: 'str', help: 'Use this Swift storage URL instead of the one the catalog or TempAuth gives (default: OS_STORAGE_URL).' },
  { name: 'os-cacert', dest: 'os_cacert', type: 'str', help: 'CA bundle for https Keystone/Swift/S3 endpoints (default: OS_CACERT).' },
  { name: 'proxy', dest: 'proxy', type: 'str', help: 'http:// proxy for the swift and s3 storages and Keystone (https targets through CONNECT); default: none, whatever HTTP(S)_PROXY say.' },
  { name: 'dry-run', dest: 'dry_run', type: 'bool', default: false, help: 'Do everything except writing or removing anything.' },
  { name: 'upload-limit', dest: 'upload_limit', type: 'size', default: -1, help: 'Upload bandwidth limit of the whole process, bytes/s with K/M/G suffixes (binary: 5M = 5 MiB/s); -1: none.' },
  { name: 'download-limit', dest: 'download_limit', type: 'size', default: -1, help: 'Download bandwidth limit of the whole process, bytes/s with K/M/G suffixes; -1: none.' },
  { name: 'upload-queue-size', dest: 'upload_queue_size', type: 'int', default: 2, help: 'Segments uploading at once per storage (memory: about (queue + 2) x --max-segment-size).' },
  { name: 'lock-wait', dest: 'lock_wait', type: 'float', default: 0, help: 'Seconds to wait while another backup or admin run holds the chain\'s lock (0: fail at once, exit code 12).' },
  { name: 'storage-retries', dest: 'storage_retries', type: 'int', default: 5, help: 'Retries of a failed storage request (timeouts, resets, 5xx) with exponential backoff and jitter; 0: none.' },
  { name: 'cinder-vol-id', dest: 'cinder_vol_id', type: 'str', ...unsupported, help: 'Cinder volume id.' },
  { name: 'cinder-vol-name', dest: 'cinder_vol_name', type: 'str', ...unsupported, help: 'Cinder volume name.' },
  { name: 'cinderbrick-vol-id', dest: 'cinderbrick_vol_id', type: 'str', ...unsupported, help: 'Cinder volume id for os-brick.' },
  { name: 'cindernative-vol-id', dest: 'cindernative_vol_id', type: 'str', ...unsupported, help: 'Cinder volume id for native backup.' },
  { name: 'cindernative-backup-id', dest: 'cindernative_backup_id', type: 'str', ...unsupported, help: 'Cinder native backup id.' },
  { name: 'glance-image-id', dest: 'glance_image_id', type: 'str', ...unsupported, help: 'Glance image id.' },
  { name: 'glance-image-name', dest: 'glance_image_name', type: 'str', ...unsupported, help: 'Glance image name.' },
  { name: 'glance-image-name-filter', dest: 'glance_image_name_filter', type: 'str', ...unsupported, help: 'Glance image name filter.' },
  { name: 'nova-inst-id', dest: 'nova_inst_id', type: 'str', ...unsupported, help: 'Nova instance id.' },
  { name: 'nova-inst-name', dest: 'nova_inst_name', type: 'str', ...unsupported, help: 'Nova instance name.' },
  { name: 'nova-restore-network', dest: 'nova_restore_network', type: 'str', ...unsupported, help: 'Network for a restored instance.' },
  { name: 'project-id', dest: 'project_id', type: 'str', ...unsupported, help: 'Project for tenant-wide backups.' },
  { name: 'sql-server-conf', dest: 'sql_server_conf', type: 'str', ...unsupported, help: 'SQL Server configuration file.' },
  { name: 'command', dest: 'command', type: 'str', help: 'exec: command line run through /bin/sh -c.' },
  { name: 'compression', dest: 'compression', type: 'str', default: 'gzip', choices: ['gzip', 'bzip2', 'xz', 'zstd', 'none'], help: 'Compression: gzip, bzip2, xz, zstd or none.' },
  { name: 'compression-level', dest: 'compression_level', type: 'int', help: 'Codec level (gzip/bzip2 1-9, xz 0-9, zstd 1-19; default: the stock tool\'s).' },
  { name: 'threads', dest: 'threads', type: 'int', help: 'Compression threads (default: the number of cores).' },
  { name: 'access-key', dest: 'access_key', type: 'str', help: 'S3 access key (default: the ACCESS_KEY environment variable).' },
  { name: 'secret-key', dest: 'secret_key', type: 'str', help: 'S3 secret key (default: the SECRET_KEY environment variable).' },
  { name: 'endpoint', dest: 'endpoint', type: 'str', help: 'S3 endpoint, http(s)://host[:port] (default: the ENDPOINT environment variable); requests are path-style.' },
  { name: 'ssh-key', dest: 'ssh_key', type: 'str', help: 'SSH private key file (unencrypted; default ~/.ssh/id_ed25519, id_ecdsa or id_rsa). Used when --ssh-password is empty.' },
  { name: 'ssh-username', dest: 'ssh_username', type: 'str', help: 'SSH user.' },
  { name: 'ssh-password', dest: 'ssh_password', type: 'str', help: 'SSH password; when set, used instead of the key.' },
  { name: 'ssh-host', dest: 'ssh_host', type: 'str', help: 'SSH host.' },
  { name: 'ssh-port', dest: 'ssh_port', type: 'int', default: 22, help: 'SSH port.' },
  { name: 'ssh-known-hosts', dest: 'ssh_known_hosts', type: 'str', help: 'known_hosts file the SSH host key is checked against (default ~/.ssh/known_hosts, plus /etc/ssh/ssh_known_hosts).' },
  { name: 'ssh-accept-new-host-key', dest: 'ssh_accept_new_host_key', type: 'bool', default: false, help: 'Accept the host key of an SSH server not yet in known_hosts and record it there (as StrictHostKeyChecking=accept-new); a changed key is always refused.' },
  { name: 'ftp-username', dest: 'ftp_username', type: 'str', ...unsupported, help: 'FTP user.' },
  { name: 'ftp-password', dest: 'ftp_password', type: 'str', ...unsupported, help: 'FTP password.' },
  { name: 'ftp-host', dest: 'ftp_host', type: 'str', ...unsupported, help: 'FTP host.' },
  { name: 'ftp-port', dest: 'ftp_port', type: 'int', ...unsupported, help: 'FTP port.' },
  { name: 'ftp-keyfile', dest: 'ftp_keyfile', type: 'str', ...unsupported, help: 'FTPS key file.' },
  { name: 'ftp-certfile', dest: 'ftp_certfile', type: 'str', ...unsupported, help: 'FTPS certificate file.' },
  { name: 'config', dest: 'config', type: 'str', help: 'Freezer INI job file ([default] section); the command line overrides it.' },
  { name: 'overwrite', dest: 'overwrite', type: 'bool', default: false, help: 'Restore into a non-empty directory; files not in the backup are removed (GNU tar semantics).' },
  { name: 'consistency-check', dest: 'consistency_check', type: 'bool', default: false, ...unsupported, help: 'Checksum the source before backup.' },
  { name: 'consistency-checksum', dest: 'consistency_checksum', type: 'str', ...unsupported, help: 'Verify the restored tree against this checksum.' },
  { name: 'incremental', dest: 'incremental', type: 'bool', ...unsupported, help: 'Cinder native incremental.' },
  { name: 'timeout', dest: 'timeout', type: 'int', default: 120, help: 'Wait limit in seconds for cloud operations.' },
  { name: 'fullbackup-rotation', dest: 'fullbackup_rotation', type: 'int', default: 1, ...unsupported, help: 'cindernative: full backups to keep.' },
  { name: 'json', dest: 'json', type: 'bool', default: false, help: 'info: print JSON for machines instead of a table.' },
  // oslo.log / oslo.config
  { name: 'debug', dest: 'debug', type: 'bool', short: 'd', default: false, help: 'Log at DEBUG level.' },
  { name: 'verbose', dest: 'verbose', type: 'bool', short: 'v', default: false, help: 'Log at DEBUG level (as --debug).' },
  { name: 'log-file', dest: 'log_file', type: 'str', aliases: ['logfile'], help: 'Append log lines to this file.' },
  { name: 'log-dir', dest: 'log_dir', type: 'str', aliases: ['logdir'], help: 'Base directory of a relative --log-file.' },
  { name: 'log-config-append', dest: 'log_config_append', type: 'str', aliases: ['log_config', 'log-config'], ...unsupported, help: 'Python logging configuration file.' },
  { name: 'log-date-format', dest: 'log_date_format', type: 'str', ...unsupported, help: 'strftime format of log timestamps.' },
  { name: 'log-format', dest: 'log_format', type: 'str', ...unsupported, help: 'Log line format.' },
  { name: 'use-syslog', dest: 'use_syslog', type: 'bool', default: false, ...unsupported, help: 'Log to syslog.' },
  { name: 'use-syslog-rfc-format', dest: 'use_syslog_rfc_format', type: 'bool', default: false, ...unsupported, help: 'RFC 5424 syslog format.' },
  { name: 'syslog-log-facility', dest: 'syslog_log_facility', type: 'str', ...unsupported, help: 'Syslog facility.' },
  { name: 'use-journal', dest: 'use_journal', type: 'bool', default: false, ...unsupported, help: 'Log to the systemd journal.' },
  { name: 'use-json', dest: 'use_json', type: 'bool', default: false, ...unsupported, help: 'JSON log lines.' },
  { name: 'watch-log-file', dest: 'watch_log_file', type: 'bool', default: false, ...unsupported, help: 'Reopen the log file when moved.' },
  { name: 'config-file', dest: 'config_file', type: 'str', multi: true, ...unsupported, help: 'oslo.config file.' },
  { name: 'config-dir', dest: 'config_dir', type: 'str', ...unsupported, help: 'oslo.config directory.' },
];

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
