package io.flashsale.infra;

import io.flashsale.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Group commit of a product's confirms")
class GroupCommitTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
  private final long later = clock.millis() + 60_000;

  /** A member that records whether it was refused. */
  private static final class Member implements GroupCommit.Member {
    final String name;
    final long deadline;
    Throwable refused;

    Member(String name, long deadline) {
      this.name = name;
      this.deadline = deadline;
    }

    @Override
    public long deadlineMillis() {
      return deadline;
    }

    @Override
    public void refuse(Throwable reason) {
      refused = reason;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Batches as they start; each completes when the test says so. */
  private final List<List<Member>> batches = new ArrayList<>();
  private final List<Promise<Void>> running = new ArrayList<>();

  private GroupCommit<Member> groupCommit(int maxPending, int maxBatch) {
    return new GroupCommit<>("confirms", clock, maxPending, maxBatch, batch -> {
      batches.add(List.copyOf(batch));
      Promise<Void> p = Promise.promise();
      running.add(p);
      return p.future();
    });
  }

  @Test
  @DisplayName("an idle key commits at once; what arrives meanwhile goes in the next batch, all of it at once, in order")
  void leaderAndFollowers() {
    GroupCommit<Member> commits = groupCommit(100, 100);
    commits.submit("p1", new Member("a", later));
    assertThat(batches).hasSize(1);
    commits.submit("p1", new Member("b", later));
    commits.submit("p1", new Member("c", later));
    commits.submit("p2", new Member("x", later));
    assertThat(batches).hasToString("[[a], [x]]");
    assertThat(commits.waiting("p1")).isEqualTo(2);
    running.get(0).complete();
    assertThat(batches).hasToString("[[a], [x], [b, c]]");
    running.get(2).fail("a batch that fails does not block the key");
    commits.submit("p1", new Member("d", later));
    assertThat(batches).hasToString("[[a], [x], [b, c], [d]]");
  }

  @Test
  @DisplayName("a batch takes at most maxBatch members; the rest form the next one")
  void boundedBatch() {
    GroupCommit<Member> commits = groupCommit(100, 2);
    commits.submit("p1", new Member("a", later));
    for (String name : List.of("b", "c", "d")) {
      commits.submit("p1", new Member(name, later));
    }
    running.get(0).complete();
    running.get(1).complete();
    assertThat(batches).hasToString("[[a], [b, c], [d]]");
  }

  @Test
  @DisplayName("a member whose deadline passed while it waited is dropped before its batch, as not started")
  void dropsLateMembers() {
    GroupCommit<Member> commits = groupCommit(100, 100);
    commits.submit("p1", new Member("stalled", later));
    Member late = new Member("late", clock.millis() + 5_000);
    Member patient = new Member("patient", later);
    commits.submit("p1", late);
    commits.submit("p1", patient);
    clock.advance(Duration.ofSeconds(25)); // a row lock held 25 s
    running.get(0).complete();
    assertThat(late.refused).isInstanceOf(GroupCommit.NotStarted.class);
    assertThat(patient.refused).isNull();
    assertThat(batches).hasToString("[[stalled], [patient]]");
  }

  @Test
  @DisplayName("refuses at once, as not started, beyond its bound of waiting members per key")
  void boundedQueue() {
    GroupCommit<Member> commits = groupCommit(2, 100);
    commits.submit("p1", new Member("running", later));
    commits.submit("p1", new Member("b", later));
    commits.submit("p1", new Member("c", later));
    Member fourth = new Member("d", later);
    commits.submit("p1", fourth);
    assertThat(fourth.refused).isInstanceOf(GroupCommit.NotStarted.class);
    Member other = new Member("other", later);
    commits.submit("p2", other);
    assertThat(other.refused).isNull();
    running.get(0).complete();
    assertThat(commits.waiting("p1")).isZero();
    assertThat(batches.get(2)).hasToString("[b, c]");
  }

  @Test
  @DisplayName("a batch whose commit throws refuses its members and frees the key")
  void throwingCommit() {
    List<Member> seen = new ArrayList<>();
    GroupCommit<Member> commits = new GroupCommit<>("confirms", clock, 10, 10, batch -> {
      seen.addAll(batch);
      throw new IllegalStateException("boom");
    });
    Member a = new Member("a", later);
    commits.submit("p1", a);
    assertThat(a.refused).hasMessage("boom");
    Member b = new Member("b", later);
    commits.submit("p1", b);
    assertThat(seen).containsExactly(a, b);
  }
}
