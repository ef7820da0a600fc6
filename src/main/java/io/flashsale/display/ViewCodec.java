package io.flashsale.display;

import io.vertx.core.buffer.Buffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

/**
 * The stored form of a view: a 15-byte header (magic "FV", format, version as 8 bytes, raw length as 4 bytes) then
 * the JSON, LZ4-compressed (format 1) or raw (format 0, when compression would not save anything).
 */
public final class ViewCodec {

  public static final int HEADER_BYTES = 15;
  static final byte FORMAT_RAW = 0;
  static final byte FORMAT_LZ4 = 1;
  private static final int MAX_RAW = 64 * 1024 * 1024;

  private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
  private static final LZ4Compressor COMPRESSOR = LZ4.fastCompressor();
  private static final LZ4FastDecompressor DECOMPRESSOR = LZ4.fastDecompressor();

  private ViewCodec() {
  }

  /** A decoded view: its version and its JSON. */
  public record Decoded(long version, Buffer json) {
  }

  public static Buffer encode(long version, Buffer json) {
    byte[] raw = json.getBytes();
    byte[] packed = new byte[COMPRESSOR.maxCompressedLength(raw.length)];
    int packedLength = COMPRESSOR.compress(raw, 0, raw.length, packed, 0, packed.length);
    boolean compress = packedLength < raw.length;
    Buffer out = Buffer.buffer(HEADER_BYTES + (compress ? packedLength : raw.length))
        .appendByte((byte) 'F').appendByte((byte) 'V').appendByte(compress ? FORMAT_LZ4 : FORMAT_RAW)
        .appendLong(version).appendInt(raw.length);
    return compress ? out.appendBytes(packed, 0, packedLength) : out.appendBytes(raw);
  }

  public static Decoded decode(Buffer stored) {
    if (stored.length() < HEADER_BYTES || stored.getByte(0) != 'F' || stored.getByte(1) != 'V') {
      throw new IllegalArgumentException("not a flashsale view");
    }
    byte format = stored.getByte(2);
    long version = stored.getLong(3);
    int rawLength = stored.getInt(11);
    if (rawLength < 0 || rawLength > MAX_RAW) {
      throw new IllegalArgumentException("corrupt view header: raw length " + rawLength);
    }
    byte[] body = stored.getBytes(HEADER_BYTES, stored.length());
    if (format == FORMAT_RAW) {
      return new Decoded(version, Buffer.buffer(body));
    }
    if (format != FORMAT_LZ4) {
      throw new IllegalArgumentException("unknown view format " + format);
    }
    byte[] raw = new byte[rawLength];
    DECOMPRESSOR.decompress(body, 0, raw, 0, rawLength);
    return new Decoded(version, Buffer.buffer(raw));
  }
}
