/**
 * The explorer's finished index of the archive shown, as its worker sends it once reading ends
 * (`indexReady`): what a comparison hands its own worker instead of reading A again. Kept for
 * the session it came with (about 10 MB for 100k entries); a new archive replaces it.
 */
let kept: { session: number; bytes: Uint8Array } | null = null;

export function keepHandedIndex(session: number, bytes: Uint8Array): void {
  kept = { session, bytes };
}

/** The index of `session`, if its worker sent one. */
export function handedIndexOf(session: number): Uint8Array | null {
  return kept?.session === session ? kept.bytes : null;
}
