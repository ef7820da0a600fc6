package io.flashsale.infra;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Creates our topics with their partition count if they are missing (the broker's auto-create is the fallback). */
public final class KafkaTopics {

  private KafkaTopics() {
  }

  public static Future<Void> ensure(Vertx vertx, KafkaConfig kafka, List<String> topics) {
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, kafka.admin());
    return admin.listTopics().timeout(5, TimeUnit.SECONDS).compose(existing -> {
      List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t))
          .map(t -> new NewTopic(t, kafka.partitions(), (short) 1)).toList();
      return missing.isEmpty() ? Future.<Void>succeededFuture() : admin.createTopics(missing)
          .recover(err -> err.getMessage() != null && err.getMessage().contains("already exists")
              ? Future.succeededFuture() : Future.failedFuture(err));
    }).eventually(() -> admin.close(1000));
  }
}
