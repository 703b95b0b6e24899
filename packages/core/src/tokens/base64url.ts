/**
 * Whether `segment` is canonical base64url (RFC 4648 §5, no padding, RFC 7515 §2): the one spelling that
 * re-encodes to itself. Lenient decoders accept other spellings of the same bytes (changed trailing bits,
 * `=` padding); refusing them keeps one token one string for caches, deny-lists and logs.
 */
export function isCanonicalBase64url(segment: string): boolean {
  return /^[A-Za-z0-9_-]*$/.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment;
}
