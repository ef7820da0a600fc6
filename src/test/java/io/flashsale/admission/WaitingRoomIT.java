package io.flashsale.admission;

import io.flashsale.bench.ChiSquare;
import io.flashsale.catalog.SaleEvent;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.support.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The waiting room's rules, run by its Lua scripts on the real Redis with time passed in (so a minute of admission
 * is simulated in milliseconds, and nothing waits on a clock).
 */
@ExtendWith(TestInfra.class)
@DisplayName("The waiting room in Redis: a fair shuffle, arrival order, an even pace, caps and switches")
class WaitingRoomIT {

  private static final long T0 = Instant.parse("2026-12-02T12:00:00Z").toEpochMilli();
  private static final long MINUTE = 60_000;

  private static Vertx vertx;
  private static Redis redis;
  private static RedisKeys keys;
  private static WaitingRoom room;

  @BeforeAll
  static void start() {
    AppConfig config = TestInfra.config();
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    keys = RedisKeys.from(config);
    room = new WaitingRoom(redis::send, keys, new SplittableRandom(20261202), false);
  }

  @AfterAll
  static void stop() throws Exception {
    redis.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A room opening at T0 (pre-queue 15 min before), ending an hour later. */
  private static QueueRegistry.Room open(String eventId, int perMinute, int maxActive, boolean paused, long gen,
                                         long version) {
    QueueRegistry.Room r = new QueueRegistry.Room(eventId, Instant.ofEpochMilli(T0), Instant.ofEpochMilli(T0 + 60 * MINUTE),
        new SaleEvent.Queue(true, perMinute, maxActive, 15, 600, 0), paused, gen, version, List.of());
    await(room.sync(r, T0));
    return r;
  }

  private static String newEvent() {
    return "wr-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static WaitingRoom.Join join(String eventId, String user, long at) {
    return await(room.join(eventId, user, "qt_" + user, at, user + "-" + at, at + MINUTE));
  }

  private static List<String> line(String eventId) {
    Response r = await(redis.send(Request.cmd(Command.ZRANGE).arg(keys.queue(eventId, "waiting")).arg(0).arg(-1)));
    List<String> out = new ArrayList<>();
    r.forEach(x -> out.add(x.toString()));
    return out;
  }

  @Test
  @DisplayName("Everyone who pre-queued stands in a uniformly random order at the start: over 1,500 simulated"
      + " openings of 6 joiners, the arrival-by-place table passes chi-square (p > 0.001), and no one's arrival helps")
  void prequeueShuffleIsUniform() {
    int joiners = 6;
    int openings = 1500;
    long[][] placeByArrival = new long[joiners][joiners];
    for (int o = 0; o < openings; o++) {
      String eventId = newEvent();
      open(eventId, 600, 0, false, 0, 1);
      for (int a = 0; a < joiners; a++) {
        assertThat(join(eventId, "u" + a, T0 - 10 * MINUTE + a).outcome()).isEqualTo("JOINED");
      }
      List<String> order = line(eventId);
      for (int place = 0; place < joiners; place++) {
        placeByArrival[Integer.parseInt(order.get(place).substring(1))][place]++;
      }
      await(room.clear(eventId));
    }
    ChiSquare.Result r = ChiSquare.uniformTable(placeByArrival);
    System.out.printf("pre-queue shuffle: chi2=%.2f df=%d p=%.4f%n", r.statistic(), r.degreesOfFreedom(), r.pValue());
    assertThat(r.pValue()).isGreaterThan(0.001);
    // The first to arrive is first in line about 1/6 of the time, not always.
    assertThat(placeByArrival[0][0]).isBetween(openings / 6L - 80, openings / 6L + 80);
  }

  @Test
  @DisplayName("After the start, late joiners stand behind the whole pre-queue, in arrival order; joining twice keeps the ticket")
  void lateJoinersInArrivalOrder() {
    String eventId = newEvent();
    open(eventId, 600, 0, false, 0, 1);
    join(eventId, "early1", T0 - MINUTE);
    join(eventId, "early2", T0 - MINUTE + 1);
    join(eventId, "late1", T0 + 10);
    join(eventId, "late2", T0 + 20);
    join(eventId, "late3", T0 + 30);
    WaitingRoom.Join again = join(eventId, "late1", T0 + 40);
    assertThat(again.outcome()).isEqualTo("EXISTS");
    assertThat(again.ticketId()).isEqualTo("qt_late1");
    List<String> order = line(eventId);
    assertThat(order.subList(0, 2)).containsExactlyInAnyOrder("early1", "early2");
    assertThat(order.subList(2, 5)).containsExactly("late1", "late2", "late3");
    assertThat(await(room.status(eventId, "early1", T0 - 1)).state()).isEqualTo("PREQUEUE");
    assertThat(await(room.status(eventId, "late3", T0 + 50)).rank()).isEqualTo(4);
  }

  @Test
  @DisplayName("The line opens prequeueMinutes before the start and closes at the end; a used puzzle cannot join twice")
  void windowAndPuzzleMarks() {
    String eventId = newEvent();
    open(eventId, 600, 0, false, 0, 1);
    assertThat(join(eventId, "u1", T0 - 16 * MINUTE).outcome()).isEqualTo("TOO_EARLY");
    assertThat(join(eventId, "u1", T0 + 60 * MINUTE).outcome()).isEqualTo("CLOSED");
    assertThat(await(room.join(eventId, "u1", "qt_a", T0, "salt-1", T0 + MINUTE)).outcome()).isEqualTo("JOINED");
    // Admitted, then the admission runs out: the same solution cannot queue that user again.
    await(room.admit(eventId, T0 + 1_000, 100, false));
    assertThat(await(room.status(eventId, "u1", T0 + 1_000)).state()).isEqualTo("ADMITTED");
    long afterExpiry = T0 + 1_000 + 600_001;
    assertThat(await(room.status(eventId, "u1", afterExpiry)).state()).isEqualTo("DONE");
    assertThat(await(room.join(eventId, "u1", "qt_b", T0 + 2_000, "salt-1", T0 + MINUTE)).outcome()).isEqualTo("EXISTS");
    assertThat(await(room.join(eventId, "u1", "qt_b", afterExpiry, "salt-1", afterExpiry + MINUTE)).outcome())
        .isEqualTo("REUSED");
    assertThat(await(room.join(eventId, "u1", "qt_b", afterExpiry, "salt-2", afterExpiry + MINUTE)).outcome())
        .isEqualTo("JOINED");
    assertThat(await(room.status(eventId, "u1", afterExpiry)).state()).isEqualTo("WAITING");
    assertThat(await(room.status(eventId, "u1", T0 + 60 * MINUTE)).state()).isEqualTo("CLOSED");
  }

  @Test
  @DisplayName("Admission is even and shared: two instances ticking every 50 ms for a simulated minute admit exactly"
      + " 600 at 600/min, never more than one second's quota in any second, never the same shopper twice")
  void evenPaceAcrossInstances() {
    String eventId = newEvent();
    open(eventId, 600, 0, false, 0, 1);
    for (int i = 0; i < 1000; i++) {
      join(eventId, "u" + i, T0 - MINUTE + i);
    }
    long[] perSecond = new long[61];
    long total = 0;
    for (long t = T0; t <= T0 + MINUTE; t += 50) {
      // Instance A ticks on time, instance B 20 ms later with its clock 5 ms behind: the pace is one.
      long a = await(room.admit(eventId, t, 10_000, false))[0];
      long b = await(room.admit(eventId, t + 15, 10_000, false))[0];
      perSecond[(int) ((t - T0) / 1000)] += a + b;
      total += a + b;
    }
    System.out.println("admitted per second: " + java.util.Arrays.toString(perSecond));
    assertThat(total).isBetween(599L, 601L);
    for (int s = 0; s < 60; s++) {
      assertThat(perSecond[s]).as("second %d", s).isBetween(9L, 11L);
    }
    Response admitted = await(redis.send(Request.cmd(Command.HLEN).arg(keys.queue(eventId, "admitted"))));
    assertThat(admitted.toLong()).isEqualTo(total);
    assertThat(await(room.figures(eventId, T0 + MINUTE)).waiting()).isEqualTo(1000 - total);
  }

  @Test
  @DisplayName("A late timer or an empty line never turns into a burst: after 10 s without ticks, one tick admits at"
      + " most a quarter second of quota, and then the pace goes on")
  void noBurstAfterAGap() {
    String eventId = newEvent();
    open(eventId, 600, 0, false, 0, 1);
    for (int i = 0; i < 100; i++) {
      join(eventId, "u" + i, T0 - MINUTE + i);
    }
    assertThat(await(room.admit(eventId, T0 + 10_000, 10_000, false))[0]).isEqualTo(2);
    assertThat(await(room.admit(eventId, T0 + 10_100, 10_000, false))[0]).isEqualTo(1);
    // An empty line saves nothing up: 20 s later, with shoppers back, still only the quarter second's quota.
    String empty = newEvent();
    open(empty, 600, 0, false, 0, 1);
    assertThat(await(room.admit(empty, T0 + 20_000, 10_000, false))[0]).isZero();
    for (int i = 0; i < 30; i++) {
      join(empty, "v" + i, T0 + 20_000 + i);
    }
    long firstSecond = 0;
    for (long t = T0 + 20_100; t <= T0 + 21_000; t += 100) {
      firstSecond += await(room.admit(empty, t, 10_000, false))[0];
    }
    assertThat(firstSecond).isBetween(9L, 11L);
  }

  @Test
  @DisplayName("maxActive caps live tokens: nobody more is admitted until one expires")
  void maxActive() {
    String eventId = newEvent();
    open(eventId, 6000, 3, false, 0, 1);
    for (int i = 0; i < 10; i++) {
      join(eventId, "u" + i, T0 - MINUTE + i);
    }
    long admitted = 0;
    for (long t = T0; t < T0 + 5_000; t += 100) {
      admitted += await(room.admit(eventId, t, 10_000, false))[0];
    }
    assertThat(admitted).isEqualTo(3);
    assertThat(await(room.figures(eventId, T0 + 5_000)).active()).isEqualTo(3);
    // The first three expire 600 s after admission; then three more get in.
    long later = T0 + 600_000 + 200;
    assertThat(await(room.admit(eventId, later, 10_000, false))[0]).isEqualTo(3);
    assertThat(await(room.figures(eventId, later)).active()).isEqualTo(3);
  }

  @Test
  @DisplayName("Paused admits nobody and saves up nothing; sold out admits nobody and tells waiters SOLD_OUT")
  void pausedAndSoldOut() {
    String eventId = newEvent();
    QueueRegistry.Room r = open(eventId, 600, 0, true, 0, 1);
    for (int i = 0; i < 50; i++) {
      join(eventId, "u" + i, T0 - MINUTE + i);
    }
    for (long t = T0; t <= T0 + 30_000; t += 1_000) {
      assertThat(await(room.admit(eventId, t, 10_000, false))[0]).isZero();
    }
    assertThat(await(room.status(eventId, "u0", T0 + 30_000)).paused()).isTrue();
    await(room.sync(new QueueRegistry.Room(eventId, r.startsAt(), r.endsAt(), r.settings(), false, 0, 2, List.of()),
        T0 + 30_000));
    assertThat(await(room.admit(eventId, T0 + 30_100, 10_000, false))[0]).isEqualTo(1);
    assertThat(await(room.admit(eventId, T0 + 31_100, 10_000, true))[0]).isZero();
    String waiter = line(eventId).get(0);
    assertThat(await(room.status(eventId, waiter, T0 + 31_100)).state()).isEqualTo("SOLD_OUT");
    // Back in stock: admission resumes at its pace — at most a quarter second's quota after the 9 s it was stopped.
    assertThat(await(room.admit(eventId, T0 + 40_000, 10_000, false))[0]).isEqualTo(2);
    assertThat(await(room.status(eventId, line(eventId).get(0), T0 + 40_000)).state()).isEqualTo("WAITING");
  }

  @Test
  @DisplayName("Queue everyone: a newer generation sends live admissions to the back in admission order; an older version changes nothing")
  void queueAll() {
    String eventId = newEvent();
    QueueRegistry.Room r = open(eventId, 6000, 0, false, 0, 1);
    for (int i = 0; i < 5; i++) {
      join(eventId, "u" + i, T0 - MINUTE + i);
    }
    await(room.admit(eventId, T0 + 20, 2, false));
    List<String> admittedFirst = new ArrayList<>(List.of("u0", "u1", "u2", "u3", "u4"));
    admittedFirst.removeAll(line(eventId));
    assertThat(admittedFirst).hasSize(2);
    join(eventId, "late", T0 + 30);
    assertThat(await(room.sync(new QueueRegistry.Room(eventId, r.startsAt(), r.endsAt(), r.settings(), false, 1, 2,
        List.of()), T0 + 40))).isTrue();
    List<String> order = line(eventId);
    assertThat(order).hasSize(6);
    assertThat(order.subList(3, 6)).containsExactly("late", admittedFirst.get(0), admittedFirst.get(1));
    assertThat(await(room.status(eventId, admittedFirst.get(0), T0 + 50)).state()).isEqualTo("WAITING");
    assertThat(await(room.sync(new QueueRegistry.Room(eventId, r.startsAt(), r.endsAt(), r.settings(), false, 0, 1,
        List.of()), T0 + 60))).isFalse();
  }
}
