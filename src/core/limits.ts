/**
 * Linux gives up after 40 symlinks in one lookup (MAXSYMLINKS). Every chain we follow — archive
 * members that are links to other members, a file's hardlink and symlink targets across layers —
 * stops at the same bound, so a loop or a hostile chain costs the same everywhere.
 */
export const MAX_LINK_HOPS = 40;

/**
 * How far compressed data may expand before we stop reading it as a decompression bomb: past
 * `floorBytes` of output, at most `ratio` output bytes per compressed byte read so far. gzip
 * cannot pass 1032:1 and real layers stay far below 100:1, while a zstd run-length bomb makes
 * 32768:1; both stop within the floor plus a few megabytes. A setting: openArchive's
 * `expansionLimit`, and the CLI's `--max-expansion <ratio>`.
 */
export interface ExpansionLimit {
  ratio: number;
  floorBytes: number;
}

export const DEFAULT_EXPANSION_LIMIT: ExpansionLimit = { ratio: 1000, floorBytes: 1024 * 1024 * 1024 };
