/** A short, stable, non-cryptographic hash for names and fingerprints that must not change between runs. */

/** 32-bit FNV-1a over the UTF-16 code units, as 8 hex characters. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
