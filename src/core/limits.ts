/**
 * Linux gives up after 40 symlinks in one lookup (MAXSYMLINKS). Every chain we follow — archive
 * members that are links to other members, a file's hardlink and symlink targets across layers —
 * stops at the same bound, so a loop or a hostile chain costs the same everywhere.
 */
export const MAX_LINK_HOPS = 40;
