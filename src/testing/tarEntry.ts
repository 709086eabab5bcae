import type { TarEntry } from '../core/tar/types';

/** An empty regular file's entry as the walker gives it, for tests that fill an EntryTable by hand. */
export function fileEntry(name: string): TarEntry {
  return {
    name,
    type: 'file',
    size: 0,
    mode: 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    mtime: 0,
    linkTarget: '',
    devMajor: 0,
    devMinor: 0,
    headerOffset: 0,
    dataOffset: 512,
    storedSize: 0,
    sparse: false,
    xattrs: null,
  };
}
