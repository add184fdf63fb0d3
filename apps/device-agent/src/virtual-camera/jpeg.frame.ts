/**
 * A baseline grayscale JPEG of any size, encoded without a DCT: every 8x8 block is flat (only a
 * DC value, then end-of-block), so a frame is mid-gray with one white column of blocks whose
 * position follows the frame counter. Real decoders (browsers, ffmpeg) show it as live video.
 */

export interface FrameSpec {
  width: number;
  height: number;
  /** Written into a COM segment and moves the white column, so consecutive frames differ. */
  counter: number;
}

export const MAX_WIDTH = 1920;
export const MAX_HEIGHT = 1080;

/** Standard luminance DC table (ITU T.81 K.3): code lengths, then symbols (magnitude categories). */
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** An AC table with a single symbol, end-of-block (0x00), coded as the 1-bit code `0`. */
const AC_BITS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALUES = [0x00];
/** Quantizer 8 maps white (level-shifted 127, DC coefficient 8 * 127) to DC 127. */
const QUANT = 8;
const WHITE_DC = 127;

/** Canonical Huffman codes (T.81 C.2): symbol -> [code, length]. */
function huffmanCodes(bits: number[], values: number[]): Map<number, [number, number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]; i++) codes.set(values[k++], [code++, len]);
    code <<= 1;
  }
  return codes;
}
const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);
const [EOB_CODE, EOB_LEN] = huffmanCodes(AC_BITS, AC_VALUES).get(0x00)!;

/** Entropy-coded bytes with 0xFF stuffing; the last byte is padded with 1 bits (T.81 F.1.2.3). */
class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;

  put(code: number, len: number): void {
    this.acc = (this.acc << len) | code;
    this.n += len;
    while (this.n >= 8) {
      this.n -= 8;
      const byte = (this.acc >> this.n) & 0xff;
      this.bytes.push(byte);
      if (byte === 0xff) this.bytes.push(0x00);
    }
    this.acc &= (1 << this.n) - 1;
  }

  flush(): void {
    if (this.n > 0) this.put((1 << (8 - this.n)) - 1, 8 - this.n);
  }
}

/** DC difference: category code, then the low bits (negative values as one's complement). */
function putDc(w: BitWriter, diff: number): void {
  const cat = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
  const [code, len] = DC_CODES.get(cat)!;
  w.put(code, len);
  if (cat > 0) w.put(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
  w.put(EOB_CODE, EOB_LEN);
}

function scanData(width: number, height: number, whiteColumn: number): number[] {
  const cols = Math.ceil(width / 8);
  const rows = Math.ceil(height / 8);
  const w = new BitWriter();
  let previous = 0;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const dc = x === whiteColumn ? WHITE_DC : 0;
      putDc(w, dc - previous);
      previous = dc;
    }
  }
  w.flush();
  return w.bytes;
}

/** Scan data depends only on size and column; streams at the same size reuse it. */
const scanCache = new Map<string, Buffer>();
const SCAN_CACHE_MAX = 128;

function cachedScan(width: number, height: number, column: number): Buffer {
  const key = `${width}x${height}@${column}`;
  let scan = scanCache.get(key);
  if (!scan) {
    if (scanCache.size >= SCAN_CACHE_MAX) scanCache.delete(scanCache.keys().next().value as string);
    scan = Buffer.from(scanData(width, height, column));
    scanCache.set(key, scan);
  }
  return scan;
}

function segment(marker: number, payload: number[] | Buffer): Buffer {
  const len = payload.length + 2;
  return Buffer.concat([Buffer.from([0xff, marker, len >> 8, len & 0xff]), Buffer.from(payload)]);
}

export function encodeFrame({ width, height, counter }: FrameSpec): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`bad frame size ${width}x${height}`);
  }
  if (width > MAX_WIDTH || height > MAX_HEIGHT) throw new RangeError(`frame size ${width}x${height} too large`);
  const column = counter % Math.ceil(width / 8);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    segment(0xfe, Buffer.from(`tether virtual camera frame ${counter}`)),
    segment(0xdb, [0x00, ...new Array<number>(64).fill(QUANT)]),
    segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES]),
    segment(0xc4, [0x10, ...AC_BITS, ...AC_VALUES]),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    cachedScan(width, height, column),
    Buffer.from([0xff, 0xd9]),
  ]);
}
