package io.flashsale.cli;

import io.flashsale.fanout.DeadLetters;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code dlq list|replay}: what the fan-out consumers gave up on, and sending it back to them. */
@Command(name = "dlq", mixinStandardHelpOptions = true, description = "Dead-letter topics of the fan-out consumers.",
    subcommands = {DlqCommand.ListLetters.class, DlqCommand.Replay.class})
final class DlqCommand implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** The full topic name, or null after telling the user what the known topics and consumers are. */
  static String checked(AppConfig config, String topic, String consumer) {
    String full = config.string("kafka.topicPrefix") + topic;
    if (!Topics.from(config).all().contains(full)) {
      System.err.println("unknown topic '" + topic + "' (the domain topics: " + String.join(", ",
          Topics.from(config).all().stream().map(t -> t.substring(config.string("kafka.topicPrefix").length())).toList())
          + ")");
      return null;
    }
    if (consumer != null && !io.flashsale.fanout.FanoutVerticle.CONSUMERS.contains(consumer)) {
      System.err.println("unknown consumer '" + consumer + "' (the fan-out consumers: "
          + String.join(", ", io.flashsale.fanout.FanoutVerticle.CONSUMERS) + ")");
      return null;
    }
    return full;
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Records in <topic>.dlq.<consumer> not yet replayed (every consumer's, or one's).")
  static final class ListLetters implements Callable<Integer> {
    @Option(names = "--topic", defaultValue = "orders", description = "domain topic (default ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--consumer", description = "only records this consumer failed (points, notifications, sales-stats)")
    String consumer;

    @Override
    public Integer call() throws Exception {
      AppConfig config = AppConfig.load();
      Vertx vertx = Vertx.vertx();
      try {
        String full = checked(config, topic, consumer);
        if (full == null) {
          return 2;
        }
        List<DeadLetters.Letter> letters = new DeadLetters(vertx, KafkaConfig.from(config), Topics.from(config))
            .pending(full, consumer).await(2, TimeUnit.MINUTES);
        for (DeadLetters.Letter l : letters) {
          System.out.printf("%s-%d@%d  %-14s %-16s event %s  after %d attempt(s): %s%n", l.topic(), l.partition(),
              l.offset(), l.consumer(), l.type(), l.eventId(), l.attempts(), l.error());
        }
        System.out.printf("%d record(s) waiting in %s%n", letters.size(),
            consumer == null ? Topics.dlqPrefix(full) + "*" : Topics.dlq(full, consumer));
        return 0;
      } finally {
        Cli.closeQuietly(vertx);
      }
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = "Send each waiting record back to the consumer that failed it (attempts reset); each once.")
  static final class Replay implements Callable<Integer> {
    @Option(names = "--topic", defaultValue = "orders", description = "domain topic (default ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--consumer", description = "only records this consumer failed (points, notifications, sales-stats)")
    String consumer;

    @Override
    public Integer call() throws Exception {
      AppConfig config = AppConfig.load();
      Vertx vertx = Vertx.vertx();
      try {
        String full = checked(config, topic, consumer);
        if (full == null) {
          return 2;
        }
        int n = new DeadLetters(vertx, KafkaConfig.from(config), Topics.from(config)).replay(full, consumer)
            .await(10, TimeUnit.MINUTES);
        System.out.printf("replayed %d record(s)%n", n);
        return 0;
      } finally {
        Cli.closeQuietly(vertx);
      }
    }
  }
}
