import iconv from 'iconv-lite';

/** The text encodings an import file may use: what Excel and bailleurs' software write in France. */
export type ImportEncoding = 'UTF-8' | 'windows-1252' | 'ISO-8859-15';

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Which encoding a file is in: UTF-8 (with or without BOM) when its bytes are valid UTF-8 (the
 * platform's strict decoder says so, exactly: text in a Western single-byte encoding with an accent
 * is never valid UTF-8); otherwise a single-byte Western encoding: Windows-1252 (what French
 * Excel's "CSV (séparateur : point-virgule)" writes), unless the file has byte 0xA4 (€ in
 * ISO-8859-15, ¤ in Windows-1252) and none of 0x80–0x9F (printable in Windows-1252 — €, ’, œ —
 * control codes in ISO-8859-15): then ISO-8859-15. The two differ only on those bytes.
 */
export function detectEncoding(bytes: Uint8Array): ImportEncoding {
  if (UTF8_BOM.every((byte, i) => bytes[i] === byte)) return 'UTF-8';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'UTF-8';
  } catch {
    const hasC1 = bytes.some((byte) => byte >= 0x80 && byte <= 0x9f);
    return !hasC1 && bytes.includes(0xa4) ? 'ISO-8859-15' : 'windows-1252';
  }
}

/** The file's text, decoded from its detected encoding (a UTF-8 BOM removed), and that encoding. */
export function decodeImportFile(bytes: Uint8Array): { text: string; encoding: ImportEncoding } {
  const encoding = detectEncoding(bytes);
  return {
    text: iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding, { stripBOM: true }),
    encoding,
  };
}

/** Whether the bytes are a ZIP container (an .xlsx or .ods workbook), not a text file. */
export function isZipFile(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}
