import iconv from 'iconv-lite';
import { createReadStream } from 'node:fs';

/**
 * The text encodings an import file may use: what Excel and bailleurs' software write in France
 * (UTF-16: Excel's « Texte Unicode », always with its byte order mark).
 */
export type ImportEncoding = 'UTF-8' | 'windows-1252' | 'ISO-8859-15' | 'UTF-16LE' | 'UTF-16BE';

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];

/**
 * Which encoding a file is in, told from its bytes chunk by chunk (a file is never read whole):
 * UTF-16 little or big endian when it starts with that byte order mark (FF FE, FE FF: neither can
 * start a UTF-8 or a Western text file, whose first byte would be ÿ or þ); UTF-8 (with or without BOM) when its bytes are valid UTF-8 (the platform's strict decoder says
 * so, exactly: text in a Western single-byte encoding with an accent is never valid UTF-8);
 * otherwise a single-byte Western encoding: Windows-1252 (what French Excel's "CSV (séparateur :
 * point-virgule)" writes), unless the file has byte 0xA4 (€ in ISO-8859-15, ¤ in Windows-1252)
 * and none of 0x80–0x9F (printable in Windows-1252 — €, ’, œ — control codes in ISO-8859-15):
 * then ISO-8859-15. The two differ only on those bytes.
 */
export class EncodingDetector {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private validUtf8 = true;
  private hasC1 = false;
  private hasA4 = false;
  private first: number[] = [];

  push(chunk: Uint8Array): void {
    if (this.first.length < 3) this.first.push(...chunk.subarray(0, 3 - this.first.length));
    if (this.validUtf8) {
      try {
        this.utf8.decode(chunk, { stream: true });
      } catch {
        this.validUtf8 = false;
      }
    }
    if (!this.hasC1 && chunk.some((byte) => byte >= 0x80 && byte <= 0x9f)) this.hasC1 = true;
    if (!this.hasA4 && chunk.includes(0xa4)) this.hasA4 = true;
  }

  result(): ImportEncoding {
    const startsWith = (bom: number[]) => bom.every((byte, i) => this.first[i] === byte);
    if (startsWith(UTF8_BOM)) return 'UTF-8';
    if (startsWith(UTF16LE_BOM)) return 'UTF-16LE';
    if (startsWith(UTF16BE_BOM)) return 'UTF-16BE';
    if (this.validUtf8) {
      try {
        this.utf8.decode();
        return 'UTF-8';
      } catch {
        // A multi-byte sequence cut by the end of the file: not UTF-8.
      }
    }
    return !this.hasC1 && this.hasA4 ? 'ISO-8859-15' : 'windows-1252';
  }
}

/** The encoding of bytes held in memory (see `EncodingDetector`). */
export function detectEncoding(bytes: Uint8Array): ImportEncoding {
  const detector = new EncodingDetector();
  detector.push(bytes);
  return detector.result();
}

/** The encoding of a file on disk, read through once in chunks. */
export async function detectFileEncoding(path: string): Promise<ImportEncoding> {
  const detector = new EncodingDetector();
  for await (const chunk of createReadStream(path)) detector.push(chunk as Buffer);
  return detector.result();
}

/** A file's text, decoded from `encoding` chunk by chunk as it is read (its byte order mark removed). */
export function decodedFile(path: string, encoding: ImportEncoding): AsyncIterable<string> {
  // iconv-lite's decoding stream gives strings (typed as a generic stream).
  return createReadStream(path).pipe(iconv.decodeStream(encoding, { stripBOM: true })) as AsyncIterable<string>;
}

/** The file's text, decoded from its detected encoding (its byte order mark removed), and that encoding. */
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
