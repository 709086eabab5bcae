/**
 * RPM's package databases: rpmdb.sqlite (rpm 4.16+), the Berkeley DB `Packages` (RHEL/CentOS 7–8)
 * and rpm's own ndb `Packages.db` (openSUSE, SLE 15+).
 */
import { BerkeleyDbError, readBerkeleyDbValues } from './berkeleyDb';
import { parseRpmHeader, RpmHeaderError } from './rpmHeader';
import { NdbFormatError, readNdbBlobs } from './rpmNdb';
import { SqliteFile, SqliteFormatError } from './sqlite';
import type { DatabaseProblem, InstalledPackage, ParsedDatabase } from './types';

/** rpm keeps the public keys it trusts as fake packages; they install nothing. */
const PUBKEY_PACKAGE = 'gpg-pubkey';

function collect(
  blobs: Iterable<{ blob: Uint8Array; offset: number }>,
  problems: DatabaseProblem[],
): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const { blob, offset } of blobs) {
    try {
      const header = parseRpmHeader(blob);
      if (header.name !== PUBKEY_PACKAGE) packages.push(header);
    } catch (error) {
      if (!(error instanceof RpmHeaderError)) throw error;
      problems.push({
        offset,
        message: `the header at this item: ${error.message} (byte ${error.offset} of it)`,
      });
    }
  }
  return packages;
}

/** `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`; `wal` is `rpmdb.sqlite-wal` when the image has one. */
export function parseRpmSqlite(bytes: Uint8Array, wal: Uint8Array | null = null): ParsedDatabase {
  const problems: DatabaseProblem[] = [];
  const blobs: { blob: Uint8Array; offset: number }[] = [];
  try {
    const file = new SqliteFile(bytes, wal);
    const declared = file.declaredPageCount;
    if (declared !== null && declared > file.pageCount)
      problems.push({
        offset: file.pageCount * file.pageSize,
        message: `the file ends after ${file.pageCount} pages; its header says ${declared}`,
      });
    const root = file.tableRoot('Packages');
    if (root === null) return { packages: [], problems: [{ offset: 0, message: 'no Packages table' }] };
    for (const row of file.rows(root)) {
      const blob = row.values[1];
      if (blob instanceof Uint8Array) blobs.push({ blob, offset: row.offset });
      else problems.push({ offset: row.offset, message: `row ${row.rowid} has no header blob` });
    }
  } catch (error) {
    if (!(error instanceof SqliteFormatError)) throw error;
    // What was read before the bad page is kept.
    problems.push({ offset: error.offset, message: error.message });
  }
  return { packages: collect(blobs, problems), problems };
}

export function parseRpmBerkeleyDb(bytes: Uint8Array): ParsedDatabase {
  const problems: DatabaseProblem[] = [];
  try {
    const scan = readBerkeleyDbValues(bytes);
    problems.push(...scan.problems);
    // rpm's record 0 holds the next record number (4 bytes), not a header.
    const headers = scan.values
      .filter((item) => item.value.length > 8)
      .map((item) => ({ blob: item.value, offset: item.offset }));
    return { packages: collect(headers, problems), problems };
  } catch (error) {
    if (!(error instanceof BerkeleyDbError)) throw error;
    return { packages: [], problems: [{ offset: error.offset, message: error.message }] };
  }
}

export function parseRpmNdb(bytes: Uint8Array): ParsedDatabase {
  try {
    const { blobs, problems } = readNdbBlobs(bytes);
    return { packages: collect(blobs, problems), problems };
  } catch (error) {
    if (!(error instanceof NdbFormatError)) throw error;
    return { packages: [], problems: [{ offset: error.offset, message: error.message }] };
  }
}
