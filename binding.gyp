# permafrost native addon (build/Release/permafrost.node, loaded by node-gyp-build).
#
#   npx node-gyp rebuild -j 2                 # normal build
#   npx node-gyp rebuild -j 2 --sanitize=true # ASan + UBSan build (see below)
#
# node-gyp turns unknown --name=value flags into gyp variables, so --sanitize sets the
# `sanitize` variable below. A sanitized addon must be loaded into an unsanitized node with
# the runtime preloaded, e.g.
#   LD_PRELOAD=$(g++ -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 npx mocha ...
#
# OpenSSL and zlib come from Node's own headers and are NOT linked: the node binary exports
# those symbols. bzip2, xz and zstd are Debian's shared libraries (libbz2-dev, liblzma-dev,
# libzstd-dev).
{
  'variables': {
    'sanitize%': 'false',
  },
  'targets': [
    {
      'target_name': 'permafrost',
      'sources': [
        'native/addon.cc',
        'native/core/status.cc',
        'native/core/codec.cc',
        'native/core/codec_gzip.cc',
        'native/core/codec_bzip2.cc',
        'native/core/codec_xz.cc',
        'native/core/codec_zstd.cc',
        'native/core/block_pool.cc',
        'native/core/compress_member.cc',
        'native/core/cipher.cc',
        'native/core/digest.cc',
        'native/core/sha256_lanes.cc',
        'native/core/fd_io.cc',
        'native/core/kdf.cc',
        'native/core/os_calls.cc',
        'native/core/thread_controls.cc',
        'native/core/unix_dgram.cc',
        'native/core/tar_files.cc',
        'native/core/tar_parse.cc',
        'native/core/tar_paths.cc',
        'native/core/tar_extract.cc',
        'native/core/file_writer.cc',
        'native/core/dir_list.cc',
        'native/core/dm_ioctl.cc',
        'native/core/versions.cc',
        'native/core/rsync/basis.cc',
        'native/core/rsync/blake2b.cc',
        'native/core/rsync/blake2b_x4.cc',
        'native/core/rsync/command.cc',
        'native/core/rsync/delta.cc',
        'native/core/rsync/fd_job.cc',
        'native/core/rsync/md4.cc',
        'native/core/rsync/parallel_delta.cc',
        'native/core/rsync/parallel_signature.cc',
        'native/core/rsync/patch.cc',
        'native/core/rsync/rabinkarp.cc',
        'native/core/rsync/rollsum.cc',
        'native/core/rsync/selftest.cc',
        'native/core/rsync/signature.cc',
        'native/core/rsync/signature_buffer.cc',
        'native/core/rsync/sigformat.cc',
        'native/core/rsync/sigload.cc',
        'native/core/rsync/strongsum.cc',
        'native/napi/codec_stream.cc',
        'native/napi/compress_member.cc',
        'native/napi/cipher.cc',
        'native/napi/digest.cc',
        'native/napi/md5.cc',
        'native/napi/kdf.cc',
        'native/napi/os_calls.cc',
        'native/napi/thread_controls.cc',
        'native/napi/unix_dgram.cc',
        'native/napi/tar_files.cc',
        'native/napi/tar_extract.cc',
        'native/napi/dir_list.cc',
        'native/napi/dm.cc',
        'native/napi/rsync_delta.cc',
        'native/napi/rsync_patch.cc',
        'native/napi/rsync_selftest.cc',
        'native/napi/rsync_signature.cc',
        'native/napi/rsync_sigload.cc',
      ],
      'include_dirs': [
        "<!(node -p \"require('node-addon-api').include_dir\")",
      ],
      'defines': [
        'NAPI_VERSION=8',
        'NAPI_CPP_EXCEPTIONS',
        'OPENSSL_API_COMPAT=30000',
      ],
      'cflags': ['-Wall', '-Wextra'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc': ['-std=c++17', '-fexceptions'],
      'cflags_cc!': ['-fno-exceptions', '-std=gnu++17'],
      'libraries': ['-lbz2', '-llzma', '-lzstd'],
      'configurations': {
        'Release': {
          # node's common.gypi asks for -O3; the house standard is -O2.
          'cflags!': ['-O3'],
          'cflags_cc!': ['-O3'],
          'cflags': ['-O2'],
        },
      },
      'conditions': [
        ['sanitize=="true" or sanitize=="1"', {
          'cflags': ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-g'],
          'ldflags': ['-fsanitize=address,undefined'],
        }],
      ],
    },
  ],
}
