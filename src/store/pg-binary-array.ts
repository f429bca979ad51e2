/**
 * One-dimensional PostgreSQL arrays in the binary wire format (what `array_recv` reads), for array
 * parameters of hot statements. node-postgres sends a Buffer parameter as binary, so a batch of
 * N values travels as one length-prefixed block: no text escaping in the driver, no array-literal or
 * JSON parsing and no base64 on the server.
 *
 * Layout: ndim (int32) = 1, has-nulls flag (int32), element type OID (int32), then per dimension its
 * length and lower bound (int32 each, lower bound 1), then per element its byte length (int32, -1 for
 * NULL) and its bytes (text: UTF-8; bytea: raw).
 */

export const TEXT_OID = 25;
export const BYTEA_OID = 17;

const HEADER_BYTES = 20;

function encode(elementOid: number, values: readonly (Uint8Array | string | null)[]): Buffer {
  let size = HEADER_BYTES;
  let hasNull = 0;
  const lengths = new Int32Array(values.length);
  values.forEach((v, i) => {
    const n = v === null ? -1 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.byteLength;
    lengths[i] = n;
    if (n < 0) hasNull = 1;
    size += 4 + Math.max(n, 0);
  });
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(1, 0);
  out.writeInt32BE(hasNull, 4);
  out.writeInt32BE(elementOid, 8);
  out.writeInt32BE(values.length, 12);
  out.writeInt32BE(1, 16);
  let at = HEADER_BYTES;
  values.forEach((v, i) => {
    const n = lengths[i]!;
    out.writeInt32BE(n, at);
    at += 4;
    if (v === null) return;
    if (typeof v === 'string') out.write(v, at, n, 'utf8');
    else out.set(v, at);
    at += n;
  });
  return out;
}

/** `text[]` in binary form. PostgreSQL text cannot hold NUL: callers make values storable first. */
export const binaryTextArray = (values: readonly (string | null)[]): Buffer => encode(TEXT_OID, values);

/** `bytea[]` in binary form: the bytes as they are, no hex or base64. */
export const binaryByteaArray = (values: readonly Uint8Array[]): Buffer => encode(BYTEA_OID, values);
