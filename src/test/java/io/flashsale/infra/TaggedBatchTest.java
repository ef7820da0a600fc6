package io.flashsale.infra;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TaggedBatchTest {

  @Test
  @DisplayName("A key's slot is decided as Redis Cluster decides it: the first non-empty {tag}, else the whole key")
  void tagRule() {
    assertThat(TaggedBatch.tagOf("fs:{cu:17}:u:alice")).isEqualTo("cu:17");
    assertThat(TaggedBatch.tagOf("fs:{cpn:c1}:holders")).isEqualTo("cpn:c1");
    assertThat(TaggedBatch.tagOf("fs:{}:x{y}")).isEqualTo("fs:{}:x{y}");
    assertThat(TaggedBatch.tagOf("fs:plain")).isEqualTo("fs:plain");
    assertThat(TaggedBatch.tagOf("fs:{open")).isEqualTo("fs:{open");
  }

  @Test
  @DisplayName("A shopper's coupon keys share one tag, and the 128 tags spread over three masters within 30–37 %")
  void couponKeysOfOneShopperShareASlot() {
    RedisKeys keys = new RedisKeys("fs:");
    String user = "u-42";
    String tag = TaggedBatch.tagOf(keys.couponsOfUser(user));
    assertThat(TaggedBatch.tagOf(keys.userGrades(keys.couponShard(user)))).isEqualTo(tag);
    assertThat(TaggedBatch.tagOf(keys.couponIndexReady(keys.couponShard(user)))).isEqualTo(tag);
    int[] perMaster = new int[3];
    for (int shard = 0; shard < RedisKeys.COUPON_USER_SHARDS; shard++) {
      int slot = crc16(TaggedBatch.tagOf(keys.couponIndexReady(shard))) % 16384;
      perMaster[slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2]++;
    }
    for (int n : perMaster) {
      assertThat(n * 100 / RedisKeys.COUPON_USER_SHARDS).isBetween(29, 37);
    }
  }

  /** CRC16/XMODEM, Redis Cluster's key hash. */
  private static int crc16(String s) {
    int crc = 0;
    for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      crc ^= (b & 0xff) << 8;
      for (int i = 0; i < 8; i++) {
        crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      }
    }
    return crc;
  }
}
